// Browser sessions over real HTTP, signed in through the real demo provider: cookie attributes, what
// is stored, CSRF refusal, sign-out, idle and absolute expiry (controlled clock), and replays.
import type { Json } from '../support/json.ts';
import { eq } from 'drizzle-orm';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, sessions } from '../../db/schema.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { loadOrCreateDemoKeys } from '../../server/identity/demo/keys.ts';
import { DEMO_CLIENT_ID } from '../../server/identity/demo/provider.ts';
import { SessionStore, sha256 } from '../../server/identity/sessions.ts';
import { createTokenVerifier, localKeys } from '../../server/identity/token-verifier.ts';
import { publicJwk } from '../../server/identity/demo/keys.ts';
import { startDemoPlatform, Browser, signInAs, type DemoPlatform } from './support.ts';
import { personKey } from '../../server/privacy/personal-data.ts';

const clock = new ManualClock(Date.now());
let demo: DemoPlatform;
beforeAll(async () => {
  demo = await startDemoPlatform({
    clock,
    env: { SESSION_IDLE_MINUTES: '30', SESSION_MAX_HOURS: '2', TRUST_PROXY: 'true' },
  });
});
afterAll(async () => {
  await demo?.stop();
});

async function meOf(browser: Browser): Promise<{ status: number; body: Json }> {
  const res = await browser.request(`${demo.base}/api/me`);
  return { status: res.status, body: await res.json() };
}

describe('browser sessions', () => {
  it('sets an httpOnly SameSite=Lax cookie of 32 random bytes and stores only its SHA-256', async () => {
    const browser = new Browser();
    const start = await browser.request(`${demo.base}/auth/signin`);
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location')!);
    expect(location.href.startsWith(`${demo.base}/demo-idp/auth?`)).toBe(true);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(location.searchParams.get('state')).toBeTruthy();
    expect(location.searchParams.get('nonce')).toBeTruthy();
    expect(location.searchParams.get('redirect_uri')).toBe(`${demo.base}/auth/callback`);

    const { final } = await signInAs(demo.base, '079190000202', browser);
    expect(final.url).toBe(`${demo.base}/`);
    const value = browser.cookies.get('auction_session')!;
    expect(Buffer.from(value, 'base64url')).toHaveLength(32);
    const rows = await demo.database.db
      .select()
      .from(sessions)
      .where(eq(sessions.pid, personKey('079190000202')));
    expect(rows).toHaveLength(1);
    expect(rows[0].idHash).toBe(sha256(value));
    expect(JSON.stringify(rows)).not.toContain(value);
  });

  it('marks the session cookie httpOnly and SameSite=Lax, and not Secure over http', async () => {
    const browser = new Browser();
    const page = await browser.navigate(`${demo.base}/auth/signin`);
    const action = /action="([^"]+\/login)"/.exec(await page.text())![1];
    let res = await browser.request(new URL(action, demo.base).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'pid=048088000203',
    });
    while (!res.headers.getSetCookie().some((c) => c.startsWith('auction_session='))) {
      expect([302, 303]).toContain(res.status);
      res = await browser.request(new URL(res.headers.get('location')!, demo.base).href);
    }
    const line = res.headers.getSetCookie().find((c) => c.startsWith('auction_session='))!;
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=Lax/i);
    expect(line).toMatch(/Path=\//);
    expect(line).not.toMatch(/Secure/i);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
  });

  it('refuses a cookie-authenticated change without the CSRF token, and accepts it with the token', async () => {
    const { browser } = await signInAs(demo.base, '001082000501');
    const me = await meOf(browser);
    expect(me.body.roles).toEqual(['admin']);
    const put = (headers: Record<string, string>) =>
      browser.request(`${demo.base}/api/admin/roles/079190000202`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ roles: ['regulator'] }),
      });
    const auditBefore = (await demo.database.db.select().from(auditEvents)).length;
    for (const headers of [
      {} as Record<string, string>,
      { 'x-csrf-token': 'wrong' },
      { 'x-csrf-token': me.body.csrfToken.slice(0, -1) + (me.body.csrfToken.endsWith('A') ? 'B' : 'A') },
    ]) {
      const res = await put(headers);
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe('CSRF_FAILED');
    }
    expect((await demo.database.db.select().from(auditEvents)).length).toBe(auditBefore);
    const ok = await put({ 'x-csrf-token': me.body.csrfToken });
    expect(ok.status).toBe(200);
    expect((await ok.json()).roles).toEqual(['regulator']);
  });

  it('gives Bearer clients no CSRF token and needs none from them', async () => {
    const { browser } = await signInAs(demo.base, '001085000201');
    const me = await meOf(browser);
    expect(me.body.csrfToken).toBeTruthy();
    const keys = await loadOrCreateDemoKeys(demo.dataDir);
    const token = await new SignJWT({ loa: 2, name: 'Ngô Thanh Phong' })
      .setProtectedHeader({ alg: 'ES256', kid: keys.signing.kid })
      .setIssuer(`${demo.base}/demo-idp`)
      .setAudience('auction-platform')
      .setSubject('001082000501')
      .setIssuedAt()
      .setExpirationTime('10m')
      .setJti(crypto.randomUUID())
      .sign(await importJWK(keys.signing, 'ES256'));
    const bearerMe = await fetch(`${demo.base}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await bearerMe.json()).not.toHaveProperty('csrfToken');
    const put = await fetch(`${demo.base}/api/admin/roles/079190000202`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roles: [] }),
    });
    expect(put.status).toBe(200);
  });

  it('signs out: the session is revoked, the cookie cleared, and a kept copy of the cookie no longer works', async () => {
    const { browser } = await signInAs(demo.base, '031195000204');
    const value = browser.cookies.get('auction_session')!;
    const { body } = await meOf(browser);
    const refused = await browser.request(`${demo.base}/auth/signout`, { method: 'POST' });
    expect(refused.status).toBe(403);
    expect((await meOf(browser)).status).toBe(200);
    const out = await browser.request(`${demo.base}/auth/signout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: `csrf=${body.csrfToken}`,
    });
    expect(out.status).toBe(303);
    expect(browser.cookies.has('auction_session')).toBe(false);
    const replay = await fetch(`${demo.base}/api/me`, { headers: { cookie: `auction_session=${value}` } });
    expect(replay.status).toBe(401);
    const [row] = await demo.database.db
      .select()
      .from(sessions)
      .where(eq(sessions.idHash, sha256(value)));
    expect(row.revokedAt).not.toBeNull();
    const audits = await demo.database.db.select().from(auditEvents).where(eq(auditEvents.action, 'session.revoked'));
    expect(audits.some((a) => a.actorPid === personKey('031195000204'))).toBe(true);
  });

  it('ends the earlier session when the same browser signs in again', async () => {
    const { browser } = await signInAs(demo.base, '001085000201');
    const first = browser.cookies.get('auction_session')!;
    await signInAs(demo.base, '079190000202', browser);
    expect(browser.cookies.get('auction_session')).not.toBe(first);
    expect((await fetch(`${demo.base}/api/me`, { headers: { cookie: `auction_session=${first}` } })).status).toBe(401);
    expect((await meOf(browser)).body.pid).toBe('079190000202');
  });

  it('sends strict security headers on sign-in responses, and no referrer from the callback', async () => {
    const res = await fetch(`${demo.base}/auth/callback?code=x&state=y`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('tells a browser why sign-in failed in the interface language, never in the server’s English alone', async () => {
    const page = async (cookie?: string): Promise<{ status: number; html: string }> => {
      const res = await fetch(`${demo.base}/auth/callback?code=x&state=y`, {
        redirect: 'manual',
        headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) },
      });
      return { status: res.status, html: await res.text() };
    };
    const vi = await page();
    expect(vi.status).toBe(401);
    expect(vi.html).toContain('<html lang="vi">');
    expect(vi.html).toContain('Lượt đăng nhập đã hết hạn hoặc được bắt đầu ở nơi khác. Vui lòng đăng nhập lại.');
    expect(vi.html).toContain('signin_expired');
    expect(vi.html).not.toContain('The sign-in has expired');
    const en = await page('lang=en');
    expect(en.html).toContain('<html lang="en">');
    expect(en.html).toContain('The sign-in has expired or was started elsewhere. Please sign in again.');
  });

  it('ends a session left idle longer than the idle limit', async () => {
    const { browser } = await signInAs(demo.base, '092080000205');
    expect((await meOf(browser)).status).toBe(200);
    clock.advance(29 * 60_000);
    expect((await meOf(browser)).status).toBe(200);
    clock.advance(29 * 60_000);
    expect((await meOf(browser)).status).toBe(200);
    clock.advance(31 * 60_000);
    expect((await meOf(browser)).status).toBe(401);
  });

  it('ends an active session at the absolute limit', async () => {
    const { browser } = await signInAs(demo.base, '092080000205');
    for (let i = 0; i < 4; i++) {
      clock.advance(25 * 60_000);
      expect((await meOf(browser)).status).toBe(200);
    }
    clock.advance(25 * 60_000);
    expect((await meOf(browser)).status).toBe(401);
  });

  it('refuses a replayed callback (same code, state and sign-in cookie): no second session', async () => {
    const browser = new Browser();
    const page = await browser.navigate(`${demo.base}/auth/signin`);
    const signInCookie = browser.cookies.get('auction_signin')!;
    const action = /action="([^"]+\/login)"/.exec(await page.text())![1];
    let res = await browser.request(new URL(action, demo.base).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'pid=001085000201',
    });
    while (!res.headers.get('location')?.includes('/auth/callback'))
      res = await browser.request(new URL(res.headers.get('location')!, demo.base).href);
    const callback = new URL(res.headers.get('location')!, demo.base).href;
    const first = await browser.request(callback);
    expect(first.status).toBe(303);
    const before = (await demo.database.db.select().from(sessions)).length;
    const replay = await fetch(callback, { redirect: 'manual', headers: { cookie: `auction_signin=${signInCookie}` } });
    expect(replay.status).toBe(401);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('auction_session='))).toBe(false);
    expect((await demo.database.db.select().from(sessions)).length).toBe(before);
  });

  it('refuses a callback without the sign-in cookie or with a forged state', async () => {
    const browser = new Browser();
    await browser.request(`${demo.base}/auth/signin`);
    const noCookie = await fetch(
      `${demo.base}/auth/callback?code=abc&state=xyz&iss=${encodeURIComponent(`${demo.base}/demo-idp`)}`,
      { redirect: 'manual' },
    );
    expect(noCookie.status).toBe(401);
    const forged = await browser.request(
      `${demo.base}/auth/callback?code=abc&state=forged&iss=${encodeURIComponent(`${demo.base}/demo-idp`)}`,
    );
    expect(forged.status).toBe(401);
  });

  it('exchanges an ID token for a session at most once (same jti or nonce)', async () => {
    const store = new SessionStore(demo.platform.ctx);
    const keys = await loadOrCreateDemoKeys(demo.dataDir);
    const issuer = `${demo.base}/demo-idp`;
    const verifier = createTokenVerifier({
      eid: demo.platform.ctx.config.eid,
      issuer,
      keys: localKeys({ keys: [publicJwk(keys.signing) as Record<string, unknown>] }),
      log: demo.platform.ctx.log,
    });
    const key = await importJWK(keys.signing, 'ES256');
    const mint = (claims: Record<string, unknown>) =>
      new SignJWT({ loa: 2, name: 'Lê Thị Cúc', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: keys.signing.kid })
        .setIssuer(issuer)
        .setAudience(DEMO_CLIENT_ID)
        .setSubject('079190000202')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key);
    const idToken = await mint({ nonce: 'n-1', jti: 'j-1' });
    const verified = await verifier.verify(idToken, { audience: DEMO_CLIENT_ID, nonce: 'n-1' });
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect((await store.create(verified.token, issuer)).ok).toBe(true);
    const again = await store.create(verified.token, issuer);
    expect(again).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    // Another token with the same nonce (but a new jti) is refused too.
    const sameNonce = await verifier.verify(await mint({ nonce: 'n-1', jti: 'j-2' }), {
      audience: DEMO_CLIENT_ID,
      nonce: 'n-1',
    });
    expect(sameNonce.ok && (await store.create(sameNonce.token, issuer)).ok).toBe(false);
  });
});
