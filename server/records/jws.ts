// Signing and strict verification of JWS for records and export seals. Verification is deliberately
// narrow: only the members a JWS needs, canonical base64url (so no byte of a signature can change
// without notice), an algorithm allowlist, a kid that names a published key, and the expected `cty`
// (so a seal cannot be passed off as a record, or the other way round).
import { base64url, CompactSign, errors, flattenedVerify, FlattenedSign, importJWK, type JWK } from 'jose';
import type { FlattenedJws } from './jws-schema.ts';
import type { SigningKey } from './signing-keys.ts';
import { problem, type Problem } from './verify-codes.ts';

export interface Jwks {
  keys: JWK[];
}

/** A JWS in flattened JSON serialization (its schema: jws-schema.ts). */
export type { FlattenedJws };

export type JwsCheck = { ok: true; payload: Uint8Array; kid: string; alg: string } | ({ ok: false } & Problem);
type JwsRead = { ok: true; jws: FlattenedJws } | ({ ok: false } & Problem);
const no = (...args: Parameters<typeof problem>): { ok: false } & Problem => ({ ok: false, ...problem(...args) });

const ALLOWED_ALGS = ['EdDSA', 'Ed25519', 'ES256'];
const B64URL = /^[A-Za-z0-9_-]*$/;

/** Signs a payload as a flattened JWS JSON serialization. */
export async function signFlattened(payload: Uint8Array, key: SigningKey, cty: string): Promise<FlattenedJws> {
  const jws = await new FlattenedSign(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, cty })
    .sign(key.privateKey);
  return { protected: jws.protected!, payload: jws.payload, signature: jws.signature };
}

/** Signs a payload as a compact JWS. */
export async function signCompact(payload: Uint8Array, key: SigningKey, cty: string): Promise<string> {
  return new CompactSign(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, cty }).sign(key.privateKey);
}

const hasExactly = (o: object, keys: string[]): boolean => {
  const own = Object.keys(o).sort();
  return (
    own.length === keys.length &&
    keys
      .slice()
      .sort()
      .every((k, i) => own[i] === k)
  );
};

/** Reads any JWS form (compact string, flattened or general JSON with one signature) into flattened parts. */
export function toFlattened(input: unknown): JwsRead {
  if (typeof input === 'string') {
    const parts = input.trim().split('.');
    if (parts.length !== 3) return no('NOT_A_JWS', 'not a JWS: a compact JWS has three dot-separated parts');
    return { ok: true, jws: { protected: parts[0], payload: parts[1], signature: parts[2] } };
  }
  if (!input || typeof input !== 'object' || Array.isArray(input))
    return no('NOT_A_JWS', 'not a JWS: expected a compact JWS string or a JWS JSON serialization object');
  const o = input as Record<string, unknown>;
  if (hasExactly(o, ['payload', 'signatures'])) {
    const sigs = o.signatures;
    if (
      !Array.isArray(sigs) ||
      sigs.length !== 1 ||
      !sigs[0] ||
      typeof sigs[0] !== 'object' ||
      !hasExactly(sigs[0] as object, ['protected', 'signature'])
    ) {
      return no(
        'JWS_FORM',
        'not a record JWS: a general JWS JSON serialization must carry exactly one signature with only "protected" and "signature"',
      );
    }
    const s = sigs[0] as Record<string, unknown>;
    return strings(o.payload, s.protected, s.signature);
  }
  if (hasExactly(o, ['payload', 'protected', 'signature'])) return strings(o.payload, o.protected, o.signature);
  return no(
    'JWS_FORM',
    'not a record JWS: a flattened JWS JSON serialization has exactly "protected", "payload" and "signature"',
  );
}

function strings(payload: unknown, prot: unknown, signature: unknown): JwsRead {
  if (typeof payload !== 'string' || typeof prot !== 'string' || typeof signature !== 'string')
    return no('JWS_FORM', 'not a JWS: "protected", "payload" and "signature" must be strings');
  return { ok: true, jws: { protected: prot, payload, signature } };
}

function canonicalB64(s: string): boolean {
  return B64URL.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s;
}

/**
 * The content type a JWS claims (its protected header's `cty`), read without verifying anything: only to
 * choose which verifier to run, which then checks the header and the signature in full.
 */
export function claimedContentType(input: unknown): string | undefined {
  const read = toFlattened(input);
  if (!read.ok) return undefined;
  try {
    const header: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(read.jws.protected)));
    const cty = header && typeof header === 'object' ? (header as Record<string, unknown>).cty : undefined;
    return typeof cty === 'string' ? cty : undefined;
  } catch {
    return undefined;
  }
}

/** Verifies the signature against the published keys; returns the payload bytes when it holds. */
export async function verifyJws(input: unknown, jwks: Jwks, expectedCty: string): Promise<JwsCheck> {
  const read = toFlattened(input);
  if (!read.ok) return read;
  const { jws } = read;
  for (const [name, value] of Object.entries(jws)) {
    if (!value || !canonicalB64(value))
      return no('JWS_NOT_CANONICAL', `the JWS ${name} is not canonical base64url: the record was altered`, {
        member: name,
      });
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64url.decode(jws.protected))) as Record<
      string,
      unknown
    >;
    if (!header || typeof header !== 'object' || Array.isArray(header)) throw new Error('not an object');
  } catch {
    return no('JWS_HEADER_INVALID', 'the JWS protected header is not a JSON object: the record was altered');
  }
  const { alg, kid, cty } = header;
  if (typeof alg !== 'string' || !ALLOWED_ALGS.includes(alg))
    return no(
      'ALGORITHM_NOT_ACCEPTED',
      `the signature algorithm ${JSON.stringify(alg)} is not accepted (accepted: ${ALLOWED_ALGS.join(', ')})`,
      { alg: String(alg), accepted: ALLOWED_ALGS.join(', ') },
    );
  if (typeof kid !== 'string' || kid.length === 0) return no('NO_KEY_ID', 'the JWS names no signing key (kid)');
  if ('crit' in header || 'b64' in header)
    return no('JWS_HEADER_UNSUPPORTED', 'the JWS uses header parameters records never use (crit, b64)');
  if (cty !== expectedCty)
    return no(
      'WRONG_CONTENT_TYPE',
      `the JWS content type is ${JSON.stringify(cty)}, expected ${JSON.stringify(expectedCty)}`,
      { cty: String(cty), expected: expectedCty },
    );
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk)
    return no(
      'UNKNOWN_KEY',
      `signed by key "${kid}", which is not among the platform's published keys: a record signed by another key is not valid`,
      { kid },
    );
  const keyAlg = jwk.kty === 'OKP' ? ['EdDSA', 'Ed25519'] : ['ES256'];
  if (!keyAlg.includes(alg))
    return no('ALGORITHM_KEY_MISMATCH', `the JWS algorithm ${alg} does not fit published key "${kid}"`, { alg, kid });
  try {
    const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, alg);
    const result = await flattenedVerify(jws, key, { algorithms: [alg] });
    return { ok: true, payload: result.payload, kid, alg };
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      return no(
        'SIGNATURE_INVALID',
        `the signature does not verify with published key "${kid}": the content was changed after signing, or another key signed it`,
        { kid },
      );
    }
    if (err instanceof errors.JOSEError)
      return no('JWS_INVALID', `the JWS is not valid: ${err.message}`, { detail: err.message });
    return no('KEY_UNUSABLE', `published key "${kid}" is not usable: ${(err as Error).message}`, {
      kid,
      detail: (err as Error).message,
    });
  }
}
