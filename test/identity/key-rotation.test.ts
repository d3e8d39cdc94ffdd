// Keys come from the provider's JWKS, cached: a token signed by a newly published key verifies after
// one refetch, known keys need none, and discovery finds the JWKS from the issuer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/shared/log.ts';
import { createTokenVerifier } from '../../server/identity/token-verifier.ts';
import { startTestIdp, type TestIdp } from '../support/eid.ts';

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(async () => {
  await idp?.close();
});

const log = createLogger({ level: 'silent' });

describe('JWKS keys and rotation', () => {
  it('verifies a token signed by a newly published key after exactly one refetch', async () => {
    const eid = loadConfig({ NODE_ENV: 'test', ...idp.env() }).eid;
    const verifier = createTokenVerifier({
      eid,
      issuer: idp.issuer,
      keys: { jwksUrl: new URL(idp.jwksUrl) },
      log,
      jwksCooldownMs: 0,
    });
    const start = idp.jwksFetches();
    expect((await verifier.verify(await idp.token())).ok).toBe(true);
    expect(idp.jwksFetches()).toBe(start + 1);
    expect((await verifier.verify(await idp.token())).ok).toBe(true);
    expect(idp.jwksFetches()).toBe(start + 1);

    const next = await idp.rotate();
    const rotated = await verifier.verify(await idp.token({}, {}, next));
    expect(rotated.ok).toBe(true);
    expect(idp.jwksFetches()).toBe(start + 2);
    expect((await verifier.verify(await idp.token({}, {}, next))).ok).toBe(true);
    expect((await verifier.verify(await idp.token())).ok).toBe(true);
    expect(idp.jwksFetches()).toBe(start + 2);
  });

  it('does not refetch for every unknown kid within the cool-down', async () => {
    const eid = loadConfig({ NODE_ENV: 'test', ...idp.env() }).eid;
    const verifier = createTokenVerifier({
      eid,
      issuer: idp.issuer,
      keys: { jwksUrl: new URL(idp.jwksUrl) },
      log,
      jwksCooldownMs: 60_000,
    });
    expect((await verifier.verify(await idp.token())).ok).toBe(true);
    const after = idp.jwksFetches();
    for (let i = 0; i < 10; i++)
      expect((await verifier.verify(await idp.token({}, { kid: `unknown-${i}` }))).ok).toBe(false);
    expect(idp.jwksFetches()).toBe(after);
  });

  it('finds the JWKS through the issuer discovery document when EID_JWKS_URL is unset', async () => {
    const eid = loadConfig({ NODE_ENV: 'test', EID_ISSUER: idp.issuer, EID_AUDIENCE: 'auction-platform' }).eid;
    const verifier = createTokenVerifier({ eid, issuer: idp.issuer, keys: { discover: true }, log });
    const before = idp.requests.length;
    expect((await verifier.verify(await idp.token({ sub: '001085000201' }))).ok).toBe(true);
    expect(idp.requests.slice(before)).toEqual(['/.well-known/openid-configuration', '/jwks.json']);
  });

  it('logs the precise reason for a refusal, with the personal id masked', async () => {
    const lines: string[] = [];
    const capture = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(line) } as never,
    });
    const eid = loadConfig({ NODE_ENV: 'test', ...idp.env() }).eid;
    const verifier = createTokenVerifier({
      eid,
      issuer: idp.issuer,
      keys: { jwksUrl: new URL(idp.jwksUrl) },
      log: capture,
      jwksCooldownMs: 0,
    });
    const expired = await verifier.verify(
      await idp.token({
        sub: '001085000201',
        iat: Math.floor(Date.now() / 1000) - 1200,
        exp: Math.floor(Date.now() / 1000) - 600,
      }),
    );
    expect(expired).toMatchObject({ ok: false, reason: expect.stringContaining('ERR_JWT_EXPIRED') });
    const wrongSub = await verifier.verify(await idp.token({ sub: '0010850002019' }));
    expect(wrongSub).toMatchObject({ ok: false, reason: expect.stringContaining('12-digit') });
    expect(lines.join('')).toContain('ERR_JWT_EXPIRED');
    expect(lines.join('')).not.toContain('001085000201');
  });

  it('remembers a verified token no longer than its expiry', async () => {
    let now = Date.now();
    const eid = loadConfig({ NODE_ENV: 'test', ...idp.env() }).eid;
    const verifier = createTokenVerifier({
      eid,
      issuer: idp.issuer,
      keys: { jwksUrl: new URL(idp.jwksUrl) },
      log,
      now: () => new Date(now),
    });
    const iat = Math.floor(now / 1000);
    const token = await idp.token({ iat, exp: iat + 40 });
    expect((await verifier.verify(token)).ok).toBe(true);
    now += 20_000;
    expect((await verifier.verify(token)).ok).toBe(true);
    now += 60_000;
    expect(await verifier.verify(token)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('ERR_JWT_EXPIRED'),
    });
  });
});
