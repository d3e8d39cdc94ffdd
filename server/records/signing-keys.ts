// The record-signing key. Either the operator's key (RECORD_SIGNING_KEY, a private JWK: Ed25519 or
// P-256) or, when none is configured, one Ed25519 key generated once and kept in `signing_keys`.
// Every key that ever signed stays in that table with its public half, so records signed by a key
// that was later retired still verify against /api/.well-known/jwks.json.
import { asc, and, eq, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import { calculateJwkThumbprint, CompactSign, compactVerify, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Db } from '../../db/client.ts';
import { signingKeys } from '../../db/schema.ts';

export type SigningAlg = 'EdDSA' | 'ES256';

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
}

/** A public key as published in the JWKS. */
export type PublicJwk = JWK & { kid: string; alg: SigningAlg; use: 'sig' };

/** Serializes key generation across processes (arbitrary, fixed). */
const KEY_LOCK = 727_002;

export class SigningKeyError extends Error {}

function publicPart(jwk: JWK, alg: SigningAlg, kid: string): PublicJwk {
  const base = jwk.kty === 'OKP' ? { kty: 'OKP', crv: jwk.crv, x: jwk.x } : { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
  return { ...base, kid, alg, use: 'sig' };
}

/** Reads RECORD_SIGNING_KEY: a private Ed25519 (OKP) or P-256 (EC) JWK. Throws SigningKeyError naming the variable. */
export async function parseConfiguredKey(text: string): Promise<{ key: SigningKey; publicJwk: PublicJwk }> {
  const bad = (why: string): SigningKeyError => new SigningKeyError(`invalid RECORD_SIGNING_KEY: expected a private JWK (Ed25519 or P-256) as JSON; ${why}`);
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw bad('it is not JSON');
  }
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw bad('it is not a JSON object');
  let alg: SigningAlg;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') alg = 'EdDSA';
  else if (jwk.kty === 'EC' && jwk.crv === 'P-256') alg = 'ES256';
  else throw bad(`kty/crv ${String(jwk.kty)}/${String(jwk.crv)} is not OKP/Ed25519 or EC/P-256`);
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string' || (alg === 'ES256' && typeof jwk.y !== 'string')) throw bad('the private part ("d") or the public coordinates are missing');
  if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'EdDSA' && jwk.alg === 'Ed25519')) throw bad(`its alg ${jwk.alg} does not fit its curve`);
  const thumbprint = await calculateJwkThumbprint(publicPart(jwk, alg, ''), 'sha256');
  const kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : thumbprint;
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  try {
    privateKey = (await importJWK({ ...jwk, alg, ext: false }, alg)) as CryptoKey;
    publicKey = (await importJWK(publicPart(jwk, alg, kid), alg)) as CryptoKey;
  } catch (err) {
    throw bad(`the key does not import (${(err as Error).message})`);
  }
  // The published half must be the private key's own, or every record would fail verification.
  const probe = new TextEncoder().encode('record-signing key probe');
  const signed = await new CompactSign(probe).setProtectedHeader({ alg }).sign(privateKey);
  const holds = await compactVerify(signed, publicKey).then(() => true, () => false);
  if (!holds) throw bad('its public coordinates do not belong to its private part');
  return { key: { kid, alg, privateKey }, publicJwk: publicPart(jwk, alg, kid) };
}

/** Generates a fresh Ed25519 key; its kid is the RFC 7638 thumbprint of its public half. */
async function generateKey(): Promise<{ privateJwk: JWK; publicJwk: PublicJwk }> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(privateJwk, 'EdDSA', ''), 'sha256');
  return { privateJwk: { ...privateJwk, kid, alg: 'EdDSA' }, publicJwk: publicPart(privateJwk, 'EdDSA', kid) };
}

/**
 * The key that signs from now on. A configured key is published (insert-if-absent) and every other
 * key is marked retired (still published). Without one, the oldest unretired generated key is used,
 * created under an advisory lock when there is none, so several processes starting together agree.
 */
export async function loadSigningKey(db: Db, configured: string | undefined, now: Date): Promise<SigningKey> {
  if (configured) {
    const { key, publicJwk } = await parseConfiguredKey(configured);
    await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOCK})`);
      const [existing] = await tx.select().from(signingKeys).where(eq(signingKeys.kid, key.kid));
      if (existing && (existing.publicJwk.x !== publicJwk.x || existing.publicJwk.y !== publicJwk.y)) {
        throw new SigningKeyError(`invalid RECORD_SIGNING_KEY: its kid "${key.kid}" already names a different published key`);
      }
      if (!existing) await tx.insert(signingKeys).values({ kid: key.kid, alg: key.alg, privateJwk: null, publicJwk, createdAt: now });
      else if (existing.retiredAt) await tx.update(signingKeys).set({ retiredAt: null }).where(eq(signingKeys.kid, key.kid));
      await tx.update(signingKeys).set({ retiredAt: now }).where(and(ne(signingKeys.kid, key.kid), isNull(signingKeys.retiredAt)));
    });
    return key;
  }
  const row = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOCK})`);
    const active = () => tx.select().from(signingKeys).where(and(isNotNull(signingKeys.privateJwk), isNull(signingKeys.retiredAt))).orderBy(asc(signingKeys.createdAt), asc(signingKeys.kid)).limit(1);
    const [found] = await active();
    if (found) return found;
    const fresh = await generateKey();
    await tx.insert(signingKeys).values({ kid: fresh.publicJwk.kid, alg: 'EdDSA', privateJwk: fresh.privateJwk as Record<string, unknown>, publicJwk: fresh.publicJwk, createdAt: now }).onConflictDoNothing();
    const [created] = await active();
    return created;
  });
  const alg = row.alg as SigningAlg;
  const privateKey = (await importJWK({ ...(row.privateJwk as JWK), ext: false }, alg)) as CryptoKey;
  return { kid: row.kid, alg, privateKey };
}

/** Every published public key, retired ones included, oldest first. */
export async function publishedKeys(db: Db): Promise<PublicJwk[]> {
  const rows = await db.select({ kid: signingKeys.kid, alg: signingKeys.alg, publicJwk: signingKeys.publicJwk }).from(signingKeys).orderBy(asc(signingKeys.createdAt), asc(signingKeys.kid));
  return rows.map((r) => publicPart(r.publicJwk as JWK, r.alg as SigningAlg, r.kid));
}
