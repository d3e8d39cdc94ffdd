// Browser sign-in against a configured (non-demo) e-ID provider, found by OpenID discovery: the
// loopback provider checks PKCE like a real one; the ID token passes the platform's jose verifier
// with the client id as audience; an ID token is never exchanged for a session twice.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from '../../db/schema.ts';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { Browser, startDemoPlatform, type DemoPlatform } from './support.ts';
import { personKey } from '../../server/privacy/personal-data.ts';

let idp: TestIdp;
let platform: DemoPlatform;
let withoutClient: DemoPlatform;

beforeAll(async () => {
  idp = await startTestIdp();
  [platform, withoutClient] = await Promise.all([
    startDemoPlatform({ env: { ...idp.env(), EID_CLIENT_ID: 'auction-web' } }),
    startDemoPlatform({ env: idp.env() }),
  ]);
});
afterAll(async () => {
  await Promise.all([platform?.stop(), withoutClient?.stop()]);
  await idp?.close();
});

/** Walks sign-in up to the provider's redirect back to /auth/callback; returns that URL. */
async function toCallback(browser: Browser): Promise<string> {
  const start = await browser.request(`${platform.base}/auth/signin?returnTo=/lots/7`);
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin + authorize.pathname).toBe(`${idp.issuer}/authorize`);
  expect(authorize.searchParams.get('client_id')).toBe('auction-web');
  expect(authorize.searchParams.has('prompt')).toBe(false);
  const back = await browser.request(authorize.href);
  return back.headers.get('location')!;
}

describe('sign-in with a configured e-ID provider', () => {
  it('signs a person in and returns them where they started', async () => {
    const pid = newPid();
    idp.signInAs = { sub: pid, loa: 2, name: 'Lê Văn Tám' };
    const browser = new Browser();
    const done = await browser.request(await toCallback(browser));
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/lots/7');
    const me = await (await browser.request(`${platform.base}/api/me`)).json();
    expect(me).toMatchObject({ pid, name: 'Lê Văn Tám', level: 2, roles: [] });
    expect(idp.requests).toContain('/.well-known/openid-configuration');
  });

  it('keeps the level the provider asserted (level 1 may sign in and browse)', async () => {
    const pid = newPid();
    idp.signInAs = { sub: pid, loa: 1 };
    const browser = new Browser();
    await browser.request(await toCallback(browser));
    expect(await (await browser.request(`${platform.base}/api/me`)).json()).toMatchObject({ pid, level: 1 });
  });

  it('refuses an ID token the platform would not accept as a Bearer token (sub not 12 digits)', async () => {
    idp.signInAs = { sub: 'not-a-pid', loa: 2 };
    const browser = new Browser();
    const res = await browser.request(await toCallback(browser), { headers: { accept: 'text/html' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(browser.cookies.has('auction_session')).toBe(false);
  });

  it('refuses to exchange the same ID token twice, even when the provider redeems a code twice', async () => {
    const pid = newPid();
    idp.signInAs = { sub: pid, loa: 2 };
    idp.reusableCodes = true;
    try {
      const browser = new Browser();
      const callback = await toCallback(browser);
      const signInCookie = browser.cookies.get('auction_signin')!;
      expect((await browser.request(callback)).status).toBe(303);
      const replay = await fetch(callback, {
        redirect: 'manual',
        headers: { cookie: `auction_signin=${signInCookie}` },
      });
      expect(replay.status).toBe(401);
      expect((await replay.json()).error.code).toBe('UNAUTHENTICATED');
      expect(replay.headers.getSetCookie().some((c) => c.startsWith('auction_session='))).toBe(false);
      expect(
        await platform.database.db
          .select()
          .from(sessions)
          .where(eq(sessions.pid, personKey(pid))),
      ).toHaveLength(1);
    } finally {
      idp.reusableCodes = false;
    }
  });

  it('ignores a returnTo that leaves the site', async () => {
    idp.signInAs = { sub: newPid(), loa: 2 };
    for (const returnTo of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      const browser = new Browser();
      const start = await browser.request(`${platform.base}/auth/signin?returnTo=${encodeURIComponent(returnTo)}`);
      const back = await browser.request(start.headers.get('location')!);
      const done = await browser.request(back.headers.get('location')!);
      expect(done.headers.get('location')).toBe('/');
    }
  });

  it('says plainly when browser sign-in is not configured', async () => {
    const res = await fetch(`${withoutClient.base}/auth/signin`, { redirect: 'manual' });
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('EID_CLIENT_ID'),
    });
  });
});
