// Open sockets end with their sign-in (issue 13 item 6): sign-out disconnects that session's sockets,
// a role change that person's, a session's expiry its sockets, and every bid checks the session again
// (a read cached for a few seconds), so a revocation that did not reach a process still stops bids
// there. In-process on the test database (PGlite or PostgreSQL) through the real demo provider; then
// two processes sharing PostgreSQL and Redis, where a sign-out on one process disconnects the socket
// on the other, through Redis, and through the sessions sweep while Redis is cut. The two-process
// cases need PostgreSQL (TEST_DATABASE_URL) and Redis (REDIS_URL, default redis://127.0.0.1:6379):
// without them they are skipped with the reason printed, except under CI=true with PostgreSQL.
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personKey } from '../../server/privacy/personal-data.ts';
import { sessions } from '../../db/schema.ts';
import { SHED_MESSAGES } from '../../server/bidding/shed-reasons.ts';
import { sha256, SESSION_CHECK_CACHE_MS } from '../../server/identity/sessions.ts';
import { SESSION_ENDED_MESSAGE, SESSION_SWEEP_MS } from '../../server/realtime/socket-people.ts';
import type { OutbidEvent } from '../../server/realtime/events.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { createPostgresDatabase, onPostgres } from '../support/db.ts';
import { postgresAndRedisMissing, redisThroughProxy } from '../support/faults.ts';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import type { TcpProxy } from '../support/tcp-proxy.ts';
import { Browser, signInAs, startDemoPlatform, type DemoPlatform } from '../identity/support.ts';
import { connect, request, type ClientSocket } from './support.ts';

/** A disconnection the tests wait for: sign-out and role changes act at once, expiry within a sweep. */
const DISCONNECT_MS = 5_000;

const BIDDER = '001085000201';
const OTHER_BIDDER = '079190000202';
const STAFF = '048088000203';
const ADMIN = '001082000501';

/** A bid on a lot that does not exist: NOT_FOUND while signed in at level 2. */
const probe = (s: ClientSocket) => request(s, 'bid', { lotId: 999_999, amount: 50_000_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the disconnect reason and how long after `since` it came; rejects after `ms`. */
function disconnected(
  s: ClientSocket,
  ms = DISCONNECT_MS,
  since = performance.now(),
): Promise<{ reason: string; ms: number }> {
  return new Promise((resolve, reject) => {
    if (!s.connected) return reject(new Error('the socket was already disconnected'));
    const timer = setTimeout(() => reject(new Error(`not disconnected within ${ms} ms`)), ms);
    s.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve({ reason, ms: performance.now() - since });
    });
  });
}

async function csrfOf(browser: Browser, base: string): Promise<string> {
  const me = await browser.request(`${base}/api/me`);
  expect(me.status).toBe(200);
  return ((await me.json()) as { csrfToken: string }).csrfToken;
}

async function signOut(browser: Browser, base: string): Promise<void> {
  const csrf = await csrfOf(browser, base);
  const res = await browser.request(`${base}/auth/signout`, { method: 'POST', headers: { 'x-csrf-token': csrf } });
  expect(res.status).toBe(204);
}

describe('one process', () => {
  const clock = new ManualClock(Date.now());
  let p: DemoPlatform;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    p = await startDemoPlatform({ clock, env: { SESSION_IDLE_MINUTES: '30', SESSION_MAX_HOURS: '1' } });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await p?.stop();
  });

  async function socketOf(browser: Browser): Promise<ClientSocket> {
    const s = await connect(p.base, { headers: { cookie: browser.cookieHeader(), origin: p.base } });
    sockets.push(s);
    expect(await probe(s)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    return s;
  }

  it("sign-out disconnects that session's sockets at once, and its personal events stop; the person's other session keeps its own", async () => {
    const { browser: first } = await signInAs(p.base, BIDDER);
    const { browser: second } = await signInAs(p.base, BIDDER);
    const [a1, a2, b] = [await socketOf(first), await socketOf(first), await socketOf(second)];
    const heard = { a: [] as OutbidEvent[], b: [] as OutbidEvent[] };
    a1.on('outbid', (e) => heard.a.push(e));
    b.on('outbid', (e) => heard.b.push(e));

    const started = performance.now();
    const ends = [disconnected(a1, DISCONNECT_MS, started), disconnected(a2, DISCONNECT_MS, started)];
    await signOut(first, p.base);
    const [e1, e2] = await Promise.all(ends);
    expect([e1.reason, e2.reason]).toEqual(['io server disconnect', 'io server disconnect']);
    console.log(
      `sign-out: the session's sockets were disconnected ${Math.round(Math.max(e1.ms, e2.ms))} ms after the request was sent`,
    );

    p.platform.ctx.events.publish('personal', {
      // Personal rooms are the person key's (every pid column and Person.pid hold it).
      pid: personKey(BIDDER),
      event: { type: 'outbid', lotId: 999_999, seq: 1, amount: 1 },
    });
    await expect.poll(() => heard.b.length, { timeout: DISCONNECT_MS }).toBe(1);
    expect(heard.a).toEqual([]);
    expect(b.connected).toBe(true);
    expect(await probe(b)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a bid checks the session again: a revocation that did not reach this process refuses the bid and ends the socket', async () => {
    const { browser } = await signInAs(p.base, OTHER_BIDDER);
    const s = await socketOf(browser);
    // The new socket's session has been re-read by the sweep; it is not due again before it ends.
    await sleep(2 * SESSION_SWEEP_MS);
    expect(await probe(s)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // As another process would revoke it while Redis is away: in the database, no event here.
    await p.database.db
      .update(sessions)
      .set({ revokedAt: clock.now() })
      .where(eq(sessions.idHash, sha256(browser.cookies.get('auction_session')!)));
    await sleep(SESSION_CHECK_CACHE_MS + 100);
    const end = disconnected(s);
    expect(await probe(s)).toEqual({
      ok: false,
      error: { code: 'UNAUTHENTICATED', message: SESSION_ENDED_MESSAGE, reason: 'session_ended' },
    });
    expect((await end).reason).toBe('io server disconnect');
  });

  it("a role change disconnects that person's sockets, and no one else's", async () => {
    const { browser: admin } = await signInAs(p.base, ADMIN);
    const { browser: staff } = await signInAs(p.base, STAFF);
    const { browser: bystander } = await signInAs(p.base, OTHER_BIDDER);
    const [staffSocket, bystanderSocket] = [await socketOf(staff), await socketOf(bystander)];
    const csrf = await csrfOf(admin, p.base);
    const setRoles = async (roles: string[]): Promise<void> => {
      const res = await admin.request(`${p.base}/api/admin/roles/${STAFF}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ roles }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    };

    let end = disconnected(staffSocket);
    await setRoles(['manager']);
    expect((await end).reason).toBe('io server disconnect');

    // Revoking it again ends the socket opened since (the browser reconnects with its roles as they are now).
    const again = await socketOf(staff);
    end = disconnected(again);
    await setRoles([]);
    expect((await end).reason).toBe('io server disconnect');
    expect(bystanderSocket.connected).toBe(true);
    expect(await probe(bystanderSocket)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a read that fails or times out refuses the bid with UNAVAILABLE (not placed) and is not kept', async (ctx) => {
    if (!onPostgres()) {
      console.log(
        'Skipping: holding a lock on the sessions table from another connection needs PostgreSQL (TEST_DATABASE_URL); embedded PGlite has one connection.',
      );
      return ctx.skip();
    }
    const { browser } = await signInAs(p.base, STAFF);
    const s = await socketOf(browser);
    await sleep(2 * SESSION_SWEEP_MS + SESSION_CHECK_CACHE_MS);
    const sql = postgres(p.database.url!, { max: 1, onnotice: () => {} });
    let release = (): void => {};
    const held = new Promise<void>((r) => (release = r));
    const locked = new Promise<void>((ready, fail) => {
      sql
        .begin(async (tx) => {
          await tx`lock table sessions in access exclusive mode`;
          ready();
          await held;
        })
        .catch(fail);
    });
    try {
      await locked;
      const refused = await probe(s);
      expect(refused.ok).toBe(false);
      expect(!refused.ok && refused.error.code).toBe('UNAVAILABLE');
      expect([SHED_MESSAGES.database_unavailable, SHED_MESSAGES.timeout]).toContain(
        !refused.ok && refused.error.message,
      );
    } finally {
      release();
      await sql.end();
    }
    // Not kept: the next bid reads the session again and goes ahead.
    expect(await probe(s)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(s.connected).toBe(true);
  });

  // Last: these move the platform's clock by more than an hour.
  it("a session's expiry disconnects its sockets within a sweep; use over HTTP keeps them until the absolute end", async () => {
    const { browser } = await signInAs(p.base, BIDDER);
    const s = await socketOf(browser);
    // 50 minutes in use (each request counts as use), so the 30-minute idle limit is never reached.
    for (let i = 0; i < 2; i++) {
      clock.advance(25 * 60_000);
      expect((await browser.request(`${p.base}/api/me`)).status).toBe(200);
    }
    await sleep(3 * SESSION_SWEEP_MS);
    expect(s.connected).toBe(true);
    // Past SESSION_MAX_HOURS (1 h) since sign-in.
    const end = disconnected(s);
    clock.advance(15 * 60_000);
    const { reason, ms } = await end;
    expect(reason).toBe('io server disconnect');
    console.log(`absolute expiry: the socket was disconnected ${Math.round(ms)} ms after the clock passed it`);

    const { browser: idle } = await signInAs(p.base, OTHER_BIDDER);
    const idleSocket = await socketOf(idle);
    const idleEnd = disconnected(idleSocket);
    clock.advance(31 * 60_000);
    expect((await idleEnd).reason).toBe('io server disconnect');
  });
});

const missing = await postgresAndRedisMissing('two-process revocation tests');

describe.skipIf(Boolean(missing))('two processes sharing PostgreSQL and Redis', () => {
  const adminPid = newPid();
  const prefix = `auction-revoke-${process.pid}-${Date.now()}`;
  let idp: TestIdp;
  let proxy: TcpProxy;
  let a: ServerProcess;
  let b: ServerProcess;
  let drop = async (): Promise<void> => {};
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    idp = await startTestIdp();
    const redis = await redisThroughProxy();
    proxy = redis.proxy;
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    const env = {
      ...idp.env(),
      EID_CLIENT_ID: 'auction-web',
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      ADMIN_PIDS: adminPid,
      LOG_LEVEL: 'warn',
    };
    a = await startServerProcess(env);
    b = await startServerProcess(env);
  }, 120_000);

  afterAll(async () => {
    proxy?.restore();
    for (const s of sockets) s.close();
    await Promise.all([a?.stop('SIGTERM'), b?.stop('SIGTERM')]);
    await drop();
    await proxy?.close();
    await idp?.close();
  });

  /** Browser sign-in on process A with the loopback provider (authorization code + PKCE). */
  async function signInOnA(pid: string): Promise<Browser> {
    idp.signInAs = { sub: pid, loa: 2 };
    const browser = new Browser();
    const start = await browser.request(`${a.base}/auth/signin`);
    const back = await browser.request(start.headers.get('location')!);
    const done = await browser.request(back.headers.get('location')!);
    expect(done.status).toBe(303);
    expect(browser.cookies.get('auction_session')).toBeTruthy();
    return browser;
  }

  async function socketOnB(options: { cookie?: string; token?: string }): Promise<ClientSocket> {
    const s = await connect(
      b.base,
      options.cookie ? { headers: { cookie: options.cookie } } : { token: options.token },
    );
    sockets.push(s);
    expect(await probe(s)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    return s;
  }

  it('sign-out on A disconnects the socket that session holds on B, through Redis', async () => {
    const browser = await signInOnA(newPid());
    const s = await socketOnB({ cookie: browser.cookieHeader() });
    const started = performance.now();
    const end = disconnected(s, DISCONNECT_MS, started);
    await signOut(browser, a.base);
    const { reason, ms } = await end;
    expect(reason).toBe('io server disconnect');
    console.log(`sign-out on A: the socket on B was disconnected ${Math.round(ms)} ms after the request was sent`);
  }, 60_000);

  it("a role change made on A disconnects that person's socket on B", async () => {
    const pid = newPid();
    const s = await socketOnB({ token: await idp.token({ sub: pid }) });
    const end = disconnected(s);
    const res = await fetch(`${a.base}/api/admin/roles/${pid}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await idp.token({ sub: adminPid })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roles: ['regulator'] }),
    });
    expect(res.status, await res.text()).toBe(200);
    expect((await end).reason).toBe('io server disconnect');
  }, 60_000);

  it("while Redis is cut, a sign-out on A still ends the session's socket on B (B re-reads its sessions while Redis is down)", async () => {
    const browser = await signInOnA(newPid());
    const s = await socketOnB({ cookie: browser.cookieHeader() });
    proxy.cut();
    try {
      const started = performance.now();
      // Detection of the cut (the link's probe) plus a sweep, on a loaded machine.
      const end = disconnected(s, 15_000, started);
      await signOut(browser, a.base);
      const { reason, ms } = await end;
      expect(reason).toBe('io server disconnect');
      console.log(
        `sign-out on A with Redis cut: the socket on B was disconnected ${Math.round(ms)} ms after the request was sent`,
      );
    } finally {
      proxy.restore();
    }
  }, 60_000);
});
