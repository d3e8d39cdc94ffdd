// e-ID token verification with jose only (DESIGN.md §4). Every failure is reported to the caller as
// one generic outcome; the precise reason is logged. Keys come from the provider's JWKS (EID_JWKS_URL
// or the issuer's discovery document) through createRemoteJWKSet, which caches keys and refetches once
// on an unknown kid (key rotation). Header parameters that point at keys (jku, x5u, jwk) are never
// used: the key is always chosen from the configured JWKS.
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config.ts';
import type { Logger } from '../shared/log.ts';
import { PID_PATTERN, type Level } from './person.ts';
import { isEmailAddress } from '../notifications/email-address.ts';
import { parseOrganisationClaim, type OrganisationClaim } from './organisation-claim.ts';

// C0 and C1 control characters and DEL: exactly the Unicode category Cc.
const CONTROL_CHARACTERS = /\p{Cc}/gu;

/** Tokens longer than this are refused before any parsing. */
export const MAX_TOKEN_BYTES = 8 * 1024;
/**
 * A Bearer token that verified is remembered this long (never past its expiry or maximum age), so a
 * bidder's repeated requests do not each pay a signature check; a key withdrawn from the JWKS stops
 * working within this time.
 */
export const VERIFIED_CACHE_MS = 60_000;
const VERIFIED_CACHE_MAX = 20_000;

export interface VerifiedToken {
  pid: string;
  name: string | null;
  level: Level;
  /** The `email` claim, when it is a well-formed address the provider does not say is unverified. */
  email?: string;
  jti?: string;
  nonce?: string;
  issuedAt: number;
  expiresAt: number;
  /** When the person authenticated at the provider (the `auth_time` claim, seconds), when it says. */
  authTime?: number;
  /**
   * The organisation the token says the person acts for, with their role in it (issue 19), when its
   * EID_ORGANISATION_*_CLAIM claims are all present and well-formed; malformed ones are ignored (logged).
   */
  organisation?: OrganisationClaim;
}

export type VerifyOutcome = { ok: true; token: VerifiedToken } | { ok: false; reason: string };

export interface VerifyOptions {
  /** Expected audience; defaults to EID_AUDIENCE (ID tokens are checked against the client id). */
  audience?: string;
  /** For ID tokens from the sign-in flow: the nonce sent with the authorization request. */
  nonce?: string;
}

export interface TokenVerifier {
  verify(token: string, options?: VerifyOptions): Promise<VerifyOutcome>;
}

export interface TokenVerifierOptions {
  eid: Config['eid'];
  /** The issuer to accept; required (the demo provider passes its own). */
  issuer: string;
  /** Where the keys are: a JWKS URL, or a key-set function (the in-process demo provider). */
  keys: { jwksUrl: URL } | { discover: true } | { getKey: JWTVerifyGetKey };
  log: Logger;
  /** Minimum time between JWKS refetches triggered by unknown kids. */
  jwksCooldownMs?: number;
  now?: () => Date;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { eid, issuer, log } = options;
  const remote = (url: URL): JWTVerifyGetKey =>
    createRemoteJWKSet(url, {
      cooldownDuration: options.jwksCooldownMs ?? 5_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5_000,
    });
  const keys = options.keys;
  let getKey: JWTVerifyGetKey;
  if ('getKey' in keys) getKey = keys.getKey;
  else if ('jwksUrl' in keys) getKey = remote(keys.jwksUrl);
  else {
    // Discovered on first use (and again after a failure), so a provider that is briefly down at
    // start does not stop the platform.
    let discovered: Promise<JWTVerifyGetKey> | undefined;
    getKey = async (header, token) => {
      discovered ??= discoverJwksUrl(issuer).then(remote, (err) => {
        discovered = undefined;
        throw err;
      });
      return (await discovered)(header, token);
    };
  }

  // Successful Bearer verifications only (no audience or nonce override), keyed by the whole token.
  const verified = new Map<string, { token: VerifiedToken; untilMs: number }>();
  const nowMs = (): number => (options.now?.() ?? new Date()).getTime();

  return {
    async verify(token, verifyOptions = {}) {
      const cacheable = verifyOptions.audience === undefined && verifyOptions.nonce === undefined;
      if (cacheable && typeof token === 'string') {
        const hit = verified.get(token);
        if (hit && nowMs() < hit.untilMs) return { ok: true, token: hit.token };
        if (hit) verified.delete(token);
      }
      const refuse = (reason: string): VerifyOutcome => {
        log.info({ reason }, 'e-ID token refused');
        return { ok: false, reason };
      };
      if (typeof token !== 'string' || token.length === 0) return refuse('empty token');
      if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return refuse(`token over ${MAX_TOKEN_BYTES} bytes`);
      if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) return refuse('not a compact JWS');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          algorithms: eid.algorithms,
          issuer,
          audience: verifyOptions.audience ?? eid.audience,
          requiredClaims: ['exp', 'iat', 'sub', 'iss', 'aud'],
          maxTokenAge: eid.maxTokenAgeSeconds,
          clockTolerance: eid.clockToleranceSeconds,
          currentDate: options.now?.(),
        }));
      } catch (err) {
        const code = err instanceof errors.JOSEError ? err.code : 'ERR_UNKNOWN';
        return refuse(`${code}: ${(err as Error).message}`);
      }
      const now = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
      if (typeof payload.iat !== 'number' || payload.iat > now + eid.clockToleranceSeconds)
        return refuse('iat in the future');
      if (typeof payload.sub !== 'string' || !PID_PATTERN.test(payload.sub))
        return refuse('sub is not a 12-digit personal identification number');
      const level = payload[eid.levelClaim];
      if (level !== 1 && level !== 2 && level !== '1' && level !== '2')
        return refuse(`claim ${eid.levelClaim} missing or not 1 or 2`);
      if (verifyOptions.nonce !== undefined && payload.nonce !== verifyOptions.nonce) return refuse('nonce mismatch');
      // Control characters (a NUL cannot even be stored in PostgreSQL text) are dropped, not refused:
      // the name is informative, the identity is the sub.
      const name =
        typeof payload.name === 'string'
          ? payload.name.replace(CONTROL_CHARACTERS, '').trim().slice(0, 200) || null
          : null;
      const result: VerifiedToken = {
        pid: payload.sub,
        name,
        level: Number(level) as Level,
        email:
          typeof payload.email === 'string' && payload.email_verified !== false && isEmailAddress(payload.email)
            ? payload.email
            : undefined,
        jti: typeof payload.jti === 'string' ? payload.jti : undefined,
        nonce: typeof payload.nonce === 'string' ? payload.nonce : undefined,
        issuedAt: payload.iat,
        expiresAt: payload.exp as number,
        authTime:
          typeof payload.auth_time === 'number' && Number.isFinite(payload.auth_time) ? payload.auth_time : undefined,
        organisation: parseOrganisationClaim(payload, eid.organisationClaims, log),
      };
      if (cacheable) {
        if (verified.size >= VERIFIED_CACHE_MAX) verified.clear();
        const untilMs = Math.min(
          nowMs() + VERIFIED_CACHE_MS,
          result.expiresAt * 1000,
          (result.issuedAt + eid.maxTokenAgeSeconds) * 1000,
        );
        verified.set(token, { token: result, untilMs });
      }
      return { ok: true, token: result };
    },
  };
}

/** A key-set function over fixed public keys (the in-process demo provider's). */
export function localKeys(jwks: { keys: Record<string, unknown>[] }): { getKey: JWTVerifyGetKey } {
  return { getKey: createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]) };
}

/** Finds the JWKS URL from the issuer's OpenID discovery document. */
export async function discoverJwksUrl(issuer: string, fetchImpl: typeof fetch = fetch): Promise<URL> {
  const res = await fetchImpl(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`discovery at ${issuer} answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: string; jwks_uri?: string };
  if (doc.issuer !== issuer) throw new Error(`discovery issuer ${doc.issuer} does not match ${issuer}`);
  if (!doc.jwks_uri) throw new Error('discovery document has no jwks_uri');
  return new URL(doc.jwks_uri);
}
