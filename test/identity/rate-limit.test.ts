// Per-client limits: sign-in attempts and repeated token failures answer 429 RATE_LIMITED with
// Retry-After; other clients are unaffected; X-Forwarded-For counts only behind a trusted proxy.
// Token failures never lock out tokens that verify (issue 13, item 4), and API requests and socket
// connects have budgets per person and per address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importJWK, SignJWT } from 'jose';
import { loadOrCreateDemoKeys } from '../../server/identity/demo/keys.ts';
import { SIGNIN_LIMIT, TOKEN_FAILURE_LIMIT } from '../../server/identity/rate-limit.ts';
import { connect, type ClientSocket } from '../realtime/support.ts';
import { startDemoPlatform, type DemoPlatform } from './support.ts';

let trusted: DemoPlatform;
let direct: DemoPlatform;
/** Behind a trusted proxy, with small budgets so that tests can reach them. */
let tight: DemoPlatform;
const TIGHT = { person: 5, address: 4, personSockets: 3, addressSockets: 4 };
beforeAll(async () => {
  [trusted, direct, tight] = await Promise.all([
    startDemoPlatform({ env: { TRUST_PROXY: 'true' } }),
    startDemoPlatform(),
    startDemoPlatform({
      env: {
        TRUST_PROXY: 'true',
        RATE_LIMIT_PERSON_BURST: String(TIGHT.person),
        RATE_LIMIT_PERSON_PER_SECOND: '1',
        RATE_LIMIT_ADDRESS_BURST: String(TIGHT.address),
        RATE_LIMIT_ADDRESS_PER_SECOND: '1',
        SOCKET_CONNECTS_PERSON_BURST: String(TIGHT.personSockets),
        SOCKET_CONNECTS_PERSON_PER_MINUTE: '1',
        SOCKET_CONNECTS_ADDRESS_BURST: String(TIGHT.addressSockets),
        SOCKET_CONNECTS_ADDRESS_PER_MINUTE: '1',
      },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([trusted?.stop(), direct?.stop(), tight?.stop()]);
});

async function demoToken(demo: DemoPlatform, pid: string): Promise<string> {
  const keys = await loadOrCreateDemoKeys(demo.dataDir);
  return new SignJWT({ loa: 2 })
    .setProtectedHeader({ alg: 'ES256', kid: keys.signing.kid })
    .setIssuer(`${demo.base}/demo-idp`)
    .setAudience('auction-platform')
    .setSubject(pid)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(await importJWK(keys.signing, 'ES256'));
}

describe('rate limits', () => {
  it('limits sign-in attempts per client address', async () => {
    const signin = (ip: string) =>
      fetch(`${trusted.base}/auth/signin`, { redirect: 'manual', headers: { 'x-forwarded-for': `10.0.0.1, ${ip}` } });
    for (let i = 0; i < SIGNIN_LIMIT.limit; i++) expect((await signin('192.0.2.10')).status).toBe(302);
    const limited = await signin('192.0.2.10');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error.code).toBe('RATE_LIMITED');
    expect((await signin('192.0.2.11')).status).toBe(302);
  });

  it('keeps serving valid tokens from an address after 60 bad tokens from it, and refuses only the failures with 429', async () => {
    const good = await demoToken(trusted, '001085000201');
    const me = (token: string, ip: string, scheme = 'Bearer') =>
      fetch(`${trusted.base}/api/me`, { headers: { authorization: `${scheme} ${token}`, 'x-forwarded-for': ip } });
    expect((await me(good, '192.0.2.20')).status).toBe(200);
    for (let i = 0; i < TOKEN_FAILURE_LIMIT.limit - 1; i++)
      expect((await me(`${good}x`, '192.0.2.20')).status).toBe(401);
    // The 60th failure is refused with 429 already, and so is every failure after it.
    for (const [token, scheme] of [
      [`${good}x`, 'Bearer'],
      ['not-a-token', 'Bearer'],
      ['x', 'Basic'],
    ]) {
      const limited = await me(token, '192.0.2.20', scheme);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await limited.json()).error.code).toBe('RATE_LIMITED');
    }
    // Honest people behind the same address (a carrier NAT, a balancer) are not locked out.
    const ok = await me(good, '192.0.2.20');
    expect(ok.status).toBe(200);
    expect((await ok.json()).pid).toBe('001085000201');
    expect((await me(await demoToken(trusted, '079190000202'), '192.0.2.20')).status).toBe(200);
    // Other addresses' failures are still plain 401s.
    expect((await me(`${good}x`, '192.0.2.21')).status).toBe(401);
  });

  it('keeps socket connections with valid tokens open from an address whose bad tokens are refused', async () => {
    const headers = { 'x-forwarded-for': '192.0.2.30' };
    for (let i = 0; i < TOKEN_FAILURE_LIMIT.limit - 1; i++)
      await expect(connect(trusted.base, { token: 'not-a-token', headers })).rejects.toMatchObject({
        data: { error: { code: 'UNAUTHENTICATED' } },
      });
    await expect(connect(trusted.base, { token: 'not-a-token', headers })).rejects.toMatchObject({
      data: { error: { code: 'RATE_LIMITED' } },
    });
    const socket = await connect(trusted.base, { token: await demoToken(trusted, '001085000201'), headers });
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it('ignores X-Forwarded-For when not behind a trusted proxy, so it cannot be used to dodge the limit', async () => {
    const good = await demoToken(direct, '001085000201');
    for (let i = 0; i < TOKEN_FAILURE_LIMIT.limit - 1; i++) {
      const res = await fetch(`${direct.base}/api/me`, {
        headers: { authorization: 'Bearer not-a-token', 'x-forwarded-for': `192.0.2.${i}` },
      });
      expect(res.status).toBe(401);
    }
    const limited = await fetch(`${direct.base}/api/me`, {
      headers: { authorization: 'Bearer not-a-token', 'x-forwarded-for': '192.0.2.250' },
    });
    expect(limited.status).toBe(429);
    expect(
      (
        await fetch(`${direct.base}/api/me`, {
          headers: { authorization: `Bearer ${good}`, 'x-forwarded-for': '192.0.2.251' },
        })
      ).status,
    ).toBe(200);
  });
});

describe('request and connection budgets', () => {
  it('refuses a flood of parallel requests from one person with 429 and Retry-After, at the default limits, without touching others', async () => {
    const flooder = await demoToken(trusted, '031195000204');
    // Waves of 300 at once (a burst of 200, then 50 a second): a loaded machine that serves the first
    // wave slowly enough for the bucket to refill meets the limit in a later one.
    const answers: Response[] = [];
    for (let wave = 0; wave < 4 && !answers.some((r) => r.status === 429); wave++) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 300 }, () =>
            fetch(`${trusted.base}/api/me`, {
              headers: { authorization: `Bearer ${flooder}`, 'x-forwarded-for': '192.0.2.40' },
            }),
          ),
        )),
      );
    }
    const limited = answers.filter((r) => r.status === 429);
    expect(answers.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(200);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited[0].json()).error).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/for this account/),
    });
    // Another person on the same address is served.
    const other = await fetch(`${trusted.base}/api/me`, {
      headers: { authorization: `Bearer ${await demoToken(trusted, '092080000205')}`, 'x-forwarded-for': '192.0.2.40' },
    });
    expect(other.status).toBe(200);
  });

  it('limits each person and each anonymous address separately; signed-in people are not counted against their address', async () => {
    const me = (token: string | undefined, ip: string) =>
      fetch(`${tight.base}/api/${token ? 'me' : 'lots'}`, {
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'x-forwarded-for': ip },
      });
    const an = await demoToken(tight, '001085000201');
    for (let i = 0; i < TIGHT.person; i++) expect((await me(an, '192.0.2.50')).status).toBe(200);
    const limited = await me(an, '192.0.2.51');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Anonymous requests from that address have their own budget, untouched by An's requests.
    for (let i = 0; i < TIGHT.address; i++) expect((await me(undefined, '192.0.2.50')).status).toBe(200);
    const anon = await me(undefined, '192.0.2.50');
    expect(anon.status).toBe(429);
    expect((await anon.json()).error.code).toBe('RATE_LIMITED');
    // A signed-in person behind the exhausted address, and anonymous visitors elsewhere, are served.
    expect((await me(await demoToken(tight, '079190000202'), '192.0.2.50')).status).toBe(200);
    expect((await me(undefined, '192.0.2.52')).status).toBe(200);
    // Health checks (a balancer's) are never limited.
    expect((await fetch(`${tight.base}/api/health`, { headers: { 'x-forwarded-for': '192.0.2.50' } })).status).toBe(
      200,
    );
  });

  it('limits socket connections per anonymous address and per person', async () => {
    const open: ClientSocket[] = [];
    try {
      const headers = { 'x-forwarded-for': '192.0.2.60' };
      for (let i = 0; i < TIGHT.addressSockets; i++) open.push(await connect(tight.base, { headers }));
      await expect(connect(tight.base, { headers })).rejects.toMatchObject({
        data: { error: { code: 'RATE_LIMITED', message: expect.stringMatching(/try again in \d+ s/) } },
      });
      open.push(await connect(tight.base, { headers: { 'x-forwarded-for': '192.0.2.61' } }));
      // A signed-in person behind the exhausted address connects, up to their own budget.
      const token = await demoToken(tight, '048088000203');
      for (let i = 0; i < TIGHT.personSockets; i++) open.push(await connect(tight.base, { token, headers }));
      await expect(connect(tight.base, { token, headers: { 'x-forwarded-for': '192.0.2.62' } })).rejects.toMatchObject({
        data: { error: { code: 'RATE_LIMITED' } },
      });
      open.push(await connect(tight.base, { token: await demoToken(tight, '092080000205'), headers }));
    } finally {
      for (const s of open) s.close();
    }
  });
});
