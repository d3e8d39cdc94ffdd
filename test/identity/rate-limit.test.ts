// Per-client limits: sign-in attempts and repeated token failures answer 429 RATE_LIMITED with
// Retry-After; other clients are unaffected; X-Forwarded-For counts only behind a trusted proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importJWK, SignJWT } from 'jose';
import { loadOrCreateDemoKeys } from '../../server/identity/demo/keys.ts';
import { SIGNIN_LIMIT, TOKEN_FAILURE_LIMIT } from '../../server/identity/rate-limit.ts';
import { startDemoPlatform, type DemoPlatform } from './support.ts';

let trusted: DemoPlatform;
let direct: DemoPlatform;
beforeAll(async () => {
  [trusted, direct] = await Promise.all([startDemoPlatform({ env: { TRUST_PROXY: 'true' } }), startDemoPlatform()]);
});
afterAll(async () => {
  await Promise.all([trusted?.stop(), direct?.stop()]);
});

async function demoToken(demo: DemoPlatform, pid: string): Promise<string> {
  const keys = await loadOrCreateDemoKeys(demo.dataDir);
  return new SignJWT({ loa: 2 }).setProtectedHeader({ alg: 'ES256', kid: keys.signing.kid }).setIssuer(`${demo.base}/demo-idp`).setAudience('auction-platform').setSubject(pid).setIssuedAt().setExpirationTime('10m').sign(await importJWK(keys.signing, 'ES256'));
}

describe('rate limits', () => {
  it('limits sign-in attempts per client address', async () => {
    const signin = (ip: string) => fetch(`${trusted.base}/auth/signin`, { redirect: 'manual', headers: { 'x-forwarded-for': `10.0.0.1, ${ip}` } });
    for (let i = 0; i < SIGNIN_LIMIT.limit; i++) expect((await signin('192.0.2.10')).status).toBe(302);
    const limited = await signin('192.0.2.10');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error.code).toBe('RATE_LIMITED');
    expect((await signin('192.0.2.11')).status).toBe(302);
  });

  it('refuses every token from a client after repeated token failures, valid ones included', async () => {
    const good = await demoToken(trusted, '001085000201');
    const me = (token: string, ip: string) => fetch(`${trusted.base}/api/me`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': ip } });
    expect((await me(good, '192.0.2.20')).status).toBe(200);
    for (let i = 0; i < TOKEN_FAILURE_LIMIT.limit; i++) expect((await me(`${good}x`, '192.0.2.20')).status).toBe(401);
    const limited = await me(good, '192.0.2.20');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error.code).toBe('RATE_LIMITED');
    expect((await me(good, '192.0.2.21')).status).toBe(200);
  });

  it('ignores X-Forwarded-For when not behind a trusted proxy, so it cannot be used to dodge the limit', async () => {
    const good = await demoToken(direct, '001085000201');
    for (let i = 0; i < TOKEN_FAILURE_LIMIT.limit; i++) {
      const res = await fetch(`${direct.base}/api/me`, { headers: { authorization: 'Bearer not-a-token', 'x-forwarded-for': `192.0.2.${i}` } });
      expect(res.status).toBe(401);
    }
    const limited = await fetch(`${direct.base}/api/me`, { headers: { authorization: `Bearer ${good}`, 'x-forwarded-for': '192.0.2.250' } });
    expect(limited.status).toBe(429);
  });
});
