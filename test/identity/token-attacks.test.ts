// Every kind of forged, malformed or out-of-policy e-ID token answers 401 with one generic message and
// changes nothing; key-pointing headers (jku, x5u, jwk) are never followed.
import type { Json } from '../support/json.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nodeCrypto from 'node:crypto';
import { count } from 'drizzle-orm';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, people, sessions } from '../../db/schema.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid, TEST_AUDIENCE } from '../support/eid.ts';
import { GENERIC_AUTH_MESSAGE } from '../../server/identity/authenticate.ts';

let t: TestPlatform;
let signer: { privateKey: CryptoKey; kid: string };
let attacker: { privateKey: CryptoKey; kid: string; jwk: Record<string, unknown> };
let attackerServer: http.Server;
const attackerRequests: string[] = [];
let attackerBase = '';
let clientNo = 0;

const b64 = (s: string): string => Buffer.from(s).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const c: Record<string, unknown> = {
    iss: t.idp.issuer,
    aud: TEST_AUDIENCE,
    sub: newPid(),
    loa: 2,
    name: 'Kẻ Tấn Công',
    iat: now(),
    exp: now() + 600,
    jti: crypto.randomUUID(),
    ...extra,
  };
  for (const [k, v] of Object.entries(c)) if (v === undefined) delete c[k];
  return c;
};

/** Builds a compact JWS by hand (any header, any payload text), ES256-signed unless a signature is given. */
async function raw(
  header: object | string,
  payload: object | string,
  options: { key?: CryptoKey; signature?: string } = {},
): Promise<string> {
  const h = b64(typeof header === 'string' ? header : JSON.stringify(header));
  const p = b64(typeof payload === 'string' ? payload : JSON.stringify(payload));
  if (options.signature !== undefined) return `${h}.${p}.${options.signature}`;
  const sig = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    options.key ?? signer.privateKey,
    new TextEncoder().encode(`${h}.${p}`),
  );
  return `${h}.${p}.${Buffer.from(sig).toString('base64url')}`;
}

async function publicPem(key: CryptoKey): Promise<string> {
  const { d: _d, ...pub } = await exportJWK(key);
  return nodeCrypto
    .createPublicKey({ key: pub as nodeCrypto.JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}

async function counts(): Promise<number[]> {
  const db = t.database.db;
  const [p] = await db.select({ n: count() }).from(people);
  const [a] = await db.select({ n: count() }).from(auditEvents);
  const [s] = await db.select({ n: count() }).from(sessions);
  return [p.n, a.n, s.n];
}

/** Calls GET /api/me as a distinct client (so the token-failure limit does not mix cases). */
async function me(authorization: string): Promise<{ status: number; json: Json }> {
  return t.call('GET', '/api/me', { headers: { authorization, 'x-forwarded-for': `198.51.100.${++clientNo % 250}` } });
}

beforeAll(async () => {
  t = await startTestPlatform({ env: { TRUST_PROXY: 'true' } });
  signer = await t.idp.rotate();
  const pair = await generateKeyPair('ES256', { extractable: true });
  attacker = {
    privateKey: pair.privateKey,
    kid: 'attacker-1',
    jwk: { ...(await exportJWK(pair.publicKey)), kid: 'attacker-1', alg: 'ES256', use: 'sig' },
  };
  attackerServer = http.createServer((req, res) => {
    attackerRequests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [attacker.jwk] }));
  });
  await new Promise<void>((r) => attackerServer.listen(0, '127.0.0.1', r));
  attackerBase = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t?.stop();
  await new Promise<void>((r) => attackerServer?.close(() => r()));
});

describe('e-ID token verification', () => {
  it('accepts a well-formed level-2 token (the baseline the attacks deviate from)', async () => {
    const res = await me(
      `Bearer ${await raw({ alg: 'ES256', typ: 'JWT', kid: signer.kid }, claims({ sub: '001085000201' }))}`,
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ pid: '001085000201', level: 2 });
  });

  const cases: [string, () => Promise<string>][] = [
    ['alg none', () => raw({ alg: 'none', typ: 'JWT' }, claims(), { signature: '' })],
    ['alg None', () => raw({ alg: 'None', typ: 'JWT' }, claims(), { signature: '' })],
    ['alg NONE', () => raw({ alg: 'NONE', typ: 'JWT' }, claims(), { signature: '' })],
    ['alg nOnE', () => raw({ alg: 'nOnE', kid: signer.kid }, claims(), { signature: '' })],
    [
      'alg none with a signature kept',
      async () =>
        (await raw({ alg: 'none' }, claims(), { signature: '' })) +
        (await raw({ alg: 'ES256', kid: signer.kid }, claims())).split('.')[2],
    ],
    ['alg missing', () => raw({ typ: 'JWT', kid: signer.kid }, claims())],
    [
      'HS256 signed with the public key (PEM)',
      async () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', kid: signer.kid })
          .sign(new TextEncoder().encode(await publicPem(signer.privateKey))),
    ],
    [
      'HS256 signed with the public key (JWK JSON)',
      async () => {
        const { d: _d, ...pub } = await exportJWK(signer.privateKey);
        return new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', kid: signer.kid })
          .sign(new TextEncoder().encode(JSON.stringify(pub)));
      },
    ],
    [
      'an algorithm outside the allowlist, with a published key',
      async () => {
        const k = await t.idp.rotate('ES384');
        return t.idp.token(claims(), { alg: 'ES384' }, k);
      },
    ],
    [
      'signature stripped',
      async () => (await raw({ alg: 'ES256', kid: signer.kid }, claims())).replace(/\.[^.]+$/, '.'),
    ],
    [
      'signature altered',
      async () => {
        const [h, p, s] = (await raw({ alg: 'ES256', kid: signer.kid }, claims())).split('.');
        const bytes = Buffer.from(s, 'base64url');
        bytes[10] ^= 0x01;
        return `${h}.${p}.${bytes.toString('base64url')}`;
      },
    ],
    [
      'payload altered after signing',
      async () => {
        const [h, , s] = (await raw({ alg: 'ES256', kid: signer.kid }, claims({ loa: 1 }))).split('.');
        return `${h}.${b64(JSON.stringify(claims({ loa: 2 })))}.${s}`;
      },
    ],
    [
      'ECDSA with r = s = 0',
      () => raw({ alg: 'ES256', kid: signer.kid }, claims(), { signature: Buffer.alloc(64).toString('base64url') }),
    ],
    [
      'ECDSA with r = s = n (the curve order)',
      () => {
        const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
        return raw({ alg: 'ES256', kid: signer.kid }, claims(), {
          signature: Buffer.concat([n, n]).toString('base64url'),
        });
      },
    ],
    ['unknown kid', () => raw({ alg: 'ES256', kid: 'no-such-key' }, claims(), { key: attacker.privateKey })],
    [
      'embedded jwk header with the attacker key',
      () => raw({ alg: 'ES256', jwk: attacker.jwk }, claims(), { key: attacker.privateKey }),
    ],
    [
      'embedded jwk header with a trusted kid',
      () => raw({ alg: 'ES256', kid: signer.kid, jwk: attacker.jwk }, claims(), { key: attacker.privateKey }),
    ],
    [
      'jku pointing elsewhere',
      () =>
        raw({ alg: 'ES256', kid: attacker.kid, jku: `${attackerBase}/jwks.json` }, claims(), {
          key: attacker.privateKey,
        }),
    ],
    [
      'x5u pointing elsewhere',
      () =>
        raw({ alg: 'ES256', kid: attacker.kid, x5u: `${attackerBase}/cert.pem` }, claims(), {
          key: attacker.privateKey,
        }),
    ],
    [
      'kid holding a path',
      () => raw({ alg: 'ES256', kid: '../../../../../../etc/passwd' }, claims(), { key: attacker.privateKey }),
    ],
    [
      'kid holding SQL',
      () => raw({ alg: 'ES256', kid: "' OR '1'='1'; DROP TABLE people; --" }, claims(), { key: attacker.privateKey }),
    ],
    ['expired', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ iat: now() - 1200, exp: now() - 600 }))],
    ['no exp', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ exp: undefined }))],
    ['nbf in the future', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ nbf: now() + 600 }))],
    [
      'iat in the future',
      () => raw({ alg: 'ES256', kid: signer.kid }, claims({ iat: now() + 600, exp: now() + 1200 })),
    ],
    [
      'iat older than the maximum age',
      () => raw({ alg: 'ES256', kid: signer.kid }, claims({ iat: now() - 7200, exp: now() + 600 })),
    ],
    ['no iat', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ iat: undefined }))],
    ['wrong iss', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ iss: 'https://evil.example' }))],
    ['no iss', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ iss: undefined }))],
    ['wrong aud', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ aud: 'some-other-service' }))],
    ['no aud', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ aud: undefined }))],
    [
      'unknown crit',
      () => raw({ alg: 'ES256', kid: signer.kid, crit: ['x-must-understand'], 'x-must-understand': true }, claims()),
    ],
    ['malformed base64', async () => (await raw({ alg: 'ES256', kid: signer.kid }, claims())).replace('.', '!.')],
    ['malformed header JSON', () => raw('{"alg":"ES256",', claims())],
    ['malformed payload JSON', () => raw({ alg: 'ES256', kid: signer.kid }, '{"sub": "001085000201",')],
    [
      'two segments',
      async () => (await raw({ alg: 'ES256', kid: signer.kid }, claims())).split('.').slice(0, 2).join('.'),
    ],
    ['four segments', async () => `${await raw({ alg: 'ES256', kid: signer.kid }, claims())}.AAAA`],
    ['five segments (JWE shape)', async () => 'eyJhbGciOiJSU0EtT0FFUCJ9.AAAA.AAAA.AAAA.AAAA'],
    ['a payload that is a JSON array', () => raw({ alg: 'ES256', kid: signer.kid }, JSON.stringify([claims()]))],
    ['a payload that is a JSON string', () => raw({ alg: 'ES256', kid: signer.kid }, JSON.stringify('001085000201'))],
    ['a payload that is a number', () => raw({ alg: 'ES256', kid: signer.kid }, '12')],
    ['an oversized token', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ pad: 'x'.repeat(9000) }))],
    ['sub of 11 digits', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ sub: '00108500020' }))],
    ['sub of 13 digits', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ sub: '0010850002011' }))],
    ['sub with letters', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ sub: '00108500020a' }))],
    ['sub with a trailing newline', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ sub: '001085000201\n' }))],
    ['sub as a number', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ sub: 1085000201 }))],
    ['no sub', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ sub: undefined }))],
    ['missing loa', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ loa: undefined }))],
    ['loa 3', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ loa: 3 }))],
    ['loa 0', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ loa: 0 }))],
    ['loa as a list', () => raw({ alg: 'ES256', kid: signer.kid }, claims({ loa: [2] }))],
  ];

  for (const [name, make] of cases) {
    it(`refuses ${name} with 401 and changes nothing`, async () => {
      const before = await counts();
      const res = await me(`Bearer ${await make()}`);
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        error: { code: 'UNAUTHENTICATED', message: GENERIC_AUTH_MESSAGE, reason: 'token_invalid' },
      });
      expect(await counts()).toEqual(before);
    });
  }

  it('refuses authorization headers that are not Bearer tokens', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'Token abc.def.ghi', 'bearer']) {
      const res = await me(header);
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('never fetched a key from a URL named in a token header', () => {
    expect(attackerRequests).toEqual([]);
    expect(t.idp.requests.every((p) => p === '/jwks.json')).toBe(true);
  });
});
