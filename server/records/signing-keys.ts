// The record-signing key and the published keys. In a deployment the operator configures the key
// (RECORD_SIGNING_KEY or RECORD_SIGNING_KEY_FILE, a private JWK: Ed25519 or P-256; required in
// production) and lists the public halves of keys that signed earlier records (RECORD_RETIRED_KEYS
// or RECORD_RETIRED_KEYS_FILE); exactly those are published, whatever the database holds, so a
// database writer can neither read the signing key nor get a key of their own published. Only the
// zero-config demo (no key configured, never in production) generates an Ed25519 key once into
// `signing_keys` and publishes that table's keys.
import fs from 'node:fs';
import { asc, and, isNotNull, isNull, sql } from 'drizzle-orm';
import {
  calculateJwkThumbprint,
  CompactSign,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
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
  const base =
    jwk.kty === 'OKP' ? { kty: 'OKP', crv: jwk.crv, x: jwk.x } : { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
  return { ...base, kid, alg, use: 'sig' };
}

/** The alg of a public JWK, when it is a curve records may be signed with. */
function algOf(jwk: JWK): SigningAlg | undefined {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  return undefined;
}

/** Reads RECORD_SIGNING_KEY: a private Ed25519 (OKP) or P-256 (EC) JWK. Throws SigningKeyError naming the variable. */
export async function parseConfiguredKey(
  text: string,
  variable = 'RECORD_SIGNING_KEY',
): Promise<{ key: SigningKey; publicJwk: PublicJwk }> {
  const bad = (why: string): SigningKeyError =>
    new SigningKeyError(`invalid ${variable}: expected a private JWK (Ed25519 or P-256) as JSON; ${why}`);
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw bad('it is not JSON');
  }
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw bad('it is not a JSON object');
  const alg = algOf(jwk);
  if (!alg) throw bad(`kty/crv ${String(jwk.kty)}/${String(jwk.crv)} is not OKP/Ed25519 or EC/P-256`);
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string' || (alg === 'ES256' && typeof jwk.y !== 'string'))
    throw bad('the private part ("d") or the public coordinates are missing');
  if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'EdDSA' && jwk.alg === 'Ed25519'))
    throw bad(`its alg ${jwk.alg} does not fit its curve`);
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
  const holds = await compactVerify(signed, publicKey).then(
    () => true,
    () => false,
  );
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
 * Reads the retired keys: a JWKS (`{"keys":[…]}`) or an array of public JWKs, each with its kid.
 * Private parts are refused: a retired key only ever verifies.
 */
export function parseRetiredKeys(text: string, variable = 'RECORD_RETIRED_KEYS'): PublicJwk[] {
  const bad = (why: string): SigningKeyError =>
    new SigningKeyError(
      `invalid ${variable}: expected a JWKS or an array of public JWKs (Ed25519 or P-256, each with a kid); ${why}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('it is not JSON');
  }
  const list = Array.isArray(value)
    ? value
    : value && typeof value === 'object' && Array.isArray((value as { keys?: unknown }).keys)
      ? (value as { keys: unknown[] }).keys
      : undefined;
  if (!list) throw bad('it is neither an array nor an object with "keys"');
  return list.map((item, i) => {
    const jwk = item as JWK;
    if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw bad(`entry ${i} is not a JSON object`);
    if ('d' in jwk) throw bad(`entry ${i} holds a private key ("d"): list only public halves`);
    const alg = algOf(jwk);
    if (!alg) throw bad(`entry ${i}: kty/crv ${String(jwk.kty)}/${String(jwk.crv)} is not OKP/Ed25519 or EC/P-256`);
    if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) throw bad(`entry ${i} has no kid`);
    if (typeof jwk.x !== 'string' || (alg === 'ES256' && typeof jwk.y !== 'string'))
      throw bad(`entry ${i} lacks its public coordinates`);
    return publicPart(jwk, alg, jwk.kid);
  });
}

function readKeyFile(file: string, variable: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SigningKeyError(
      `invalid ${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

export interface RecordKeySettings {
  recordSigningKey?: string;
  recordSigningKeyFile?: string;
  recordRetiredKeys?: string;
  recordRetiredKeysFile?: string;
}

export interface RecordKeys {
  /** The key that signs from now on. */
  key: SigningKey;
  /** Where it came from: the configuration, or generated into the database (demo). */
  source: 'configured' | 'generated';
  /** The public keys verifiers accept (GET /api/.well-known/jwks.json). */
  published(): Promise<PublicJwk[]>;
}

/**
 * The record keys from the configuration. With a configured key: it signs, and it and the retired
 * keys are the published set (fixed at start; nothing is read from or written to the database).
 * Without one (the demo; configuration refuses this in production): the generated key from the
 * database, and the published set is that table's keys plus any retired keys configured.
 */
export async function loadRecordKeys(db: Db, settings: RecordKeySettings, now: Date): Promise<RecordKeys> {
  const retiredText =
    settings.recordRetiredKeys ??
    (settings.recordRetiredKeysFile
      ? readKeyFile(settings.recordRetiredKeysFile, 'RECORD_RETIRED_KEYS_FILE')
      : undefined);
  const retired =
    retiredText === undefined
      ? []
      : parseRetiredKeys(retiredText, settings.recordRetiredKeys ? 'RECORD_RETIRED_KEYS' : 'RECORD_RETIRED_KEYS_FILE');
  const merged = (keys: PublicJwk[]): PublicJwk[] => {
    const out: PublicJwk[] = [];
    for (const k of keys) {
      const same = out.find((o) => o.kid === k.kid);
      if (same && (same.x !== k.x || same.y !== k.y))
        throw new SigningKeyError(
          `the record keys name two different keys "${k.kid}": every kid in RECORD_RETIRED_KEYS and the signing key must be distinct`,
        );
      if (!same) out.push(k);
    }
    return out;
  };
  const configuredText =
    settings.recordSigningKey ??
    (settings.recordSigningKeyFile ? readKeyFile(settings.recordSigningKeyFile, 'RECORD_SIGNING_KEY_FILE') : undefined);
  if (configuredText !== undefined) {
    const { key, publicJwk } = await parseConfiguredKey(
      configuredText.trim(),
      settings.recordSigningKey ? 'RECORD_SIGNING_KEY' : 'RECORD_SIGNING_KEY_FILE',
    );
    const keys = merged([...retired, publicJwk]);
    return { key, source: 'configured', published: async () => keys };
  }
  const key = await generatedKey(db, now);
  return { key, source: 'generated', published: async () => merged([...retired, ...(await tableKeys(db))]) };
}

/**
 * The demo's generated key: the oldest unretired generated key, created under an advisory lock when
 * there is none, so several processes starting together agree.
 */
async function generatedKey(db: Db, now: Date): Promise<SigningKey> {
  const row = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOCK})`);
    const active = () =>
      tx
        .select()
        .from(signingKeys)
        .where(and(isNotNull(signingKeys.privateJwk), isNull(signingKeys.retiredAt)))
        .orderBy(asc(signingKeys.createdAt), asc(signingKeys.kid))
        .limit(1);
    const [found] = await active();
    if (found) return found;
    const fresh = await generateKey();
    await tx
      .insert(signingKeys)
      .values({
        kid: fresh.publicJwk.kid,
        alg: 'EdDSA',
        privateJwk: fresh.privateJwk as Record<string, unknown>,
        publicJwk: fresh.publicJwk,
        createdAt: now,
      })
      .onConflictDoNothing();
    const [created] = await active();
    return created;
  });
  const alg = row.alg as SigningAlg;
  const privateKey = (await importJWK({ ...(row.privateJwk as JWK), ext: false }, alg)) as CryptoKey;
  return { kid: row.kid, alg, privateKey };
}

/** The keys in the `signing_keys` table (the demo's generated keys), oldest first. */
export async function tableKeys(db: Db): Promise<PublicJwk[]> {
  const rows = await db
    .select({ kid: signingKeys.kid, alg: signingKeys.alg, publicJwk: signingKeys.publicJwk })
    .from(signingKeys)
    .orderBy(asc(signingKeys.createdAt), asc(signingKeys.kid));
  return rows.map((r) => publicPart(r.publicJwk as JWK, r.alg as SigningAlg, r.kid));
}
