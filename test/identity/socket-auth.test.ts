// Identity.authenticateSocket, used by the realtime gateway at the socket.io handshake: a token is
// verified like a Bearer token, a session cookie like a browser request, and neither is anonymous.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import { createIdentity, type Identity } from '../../server/identity/index.ts';
import { systemClock } from '../../server/shared/clock.ts';
import { DomainEvents } from '../../server/shared/events.ts';
import { createLogger } from '../../server/shared/log.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { TOKEN_FAILURE_LIMIT } from '../../server/identity/rate-limit.ts';

let idp: TestIdp;
let database: TestDatabase;
let identity: Identity;

beforeAll(async () => {
  idp = await startTestIdp();
  database = await openTestDatabase();
  const log = createLogger({ level: 'silent' });
  const ctx: AppContext = {
    config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...idp.env() }),
    database,
    db: database.db,
    clock: systemClock,
    log,
    events: new DomainEvents(log),
  };
  identity = await createIdentity(ctx);
});
afterAll(async () => {
  await identity?.close();
  await database?.close();
  await idp?.close();
});

/** A session as sign-in would create it, from a verified token; returns the cookie header. */
async function sessionCookie(pid: string, loa = 2): Promise<string> {
  const verified = await identity.verifier.verify(await idp.token({ sub: pid, loa, nonce: crypto.randomUUID() }));
  if (!verified.ok) throw new Error(verified.reason);
  const created = await identity.sessions.create(verified.token, idp.issuer);
  if (!created.ok) throw new Error(created.message);
  return `theme=dark; auction_session=${created.value.id}`;
}

describe('socket handshake authentication', () => {
  it('lets a socket with neither token nor session in anonymously', async () => {
    expect(await identity.authenticateSocket({})).toEqual({ ok: true, value: {} });
    expect(await identity.authenticateSocket({ cookieHeader: 'theme=dark' })).toEqual({ ok: true, value: {} });
    expect(await identity.authenticateSocket({ cookieHeader: 'auction_session=forged-value-of-no-session' })).toEqual({
      ok: true,
      value: {},
    });
  });

  it('verifies a token like a Bearer token', async () => {
    const pid = newPid();
    const result = await identity.authenticateSocket({ token: await idp.token({ sub: pid, loa: 1 }), ip: '192.0.2.1' });
    expect(result).toMatchObject({
      ok: true,
      value: { person: { idNumber: pid, level: 1, roles: [], via: 'bearer' } },
    });
  });

  it('refuses a bad token rather than treating the socket as anonymous', async () => {
    for (const token of [
      `${await idp.token()}x`,
      await idp.token({ exp: Math.floor(Date.now() / 1000) - 600 }),
      42,
      { token: 'x' },
      'Bearer nonsense',
    ]) {
      expect(await identity.authenticateSocket({ token, ip: '192.0.2.2' })).toMatchObject({
        ok: false,
        code: 'UNAUTHENTICATED',
        reason: 'token_invalid',
      });
    }
  });

  it('finds the person of a live session cookie', async () => {
    const pid = newPid();
    const result = await identity.authenticateSocket({ cookieHeader: await sessionCookie(pid) });
    expect(result).toMatchObject({ ok: true, value: { person: { idNumber: pid, level: 2, via: 'session' } } });
  });

  it("re-checks a socket's session for a bid through a short cache, which a sign-out on this process drops at once", async () => {
    const pid = newPid();
    const cookieHeader = await sessionCookie(pid);
    const first = await identity.authenticateSocket({ cookieHeader }, { recheck: true });
    expect(first).toMatchObject({
      ok: true,
      value: { person: { idNumber: pid, via: 'session' }, sessionIdHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const session = await identity.sessions.find(cookieHeader.split('auction_session=')[1]);
    expect(await identity.sessions.revoke(session!)).toBe(true);
    expect(await identity.authenticateSocket({ cookieHeader }, { recheck: true })).toEqual({ ok: true, value: {} });
  });

  it('prefers the token when both are present', async () => {
    const tokenPid = newPid();
    const result = await identity.authenticateSocket({
      token: await idp.token({ sub: tokenPid }),
      cookieHeader: await sessionCookie(newPid()),
    });
    expect(result).toMatchObject({ ok: true, value: { person: { idNumber: tokenPid, via: 'bearer' } } });
  });

  it('counts token failures per address and then refuses failing tokens with RATE_LIMITED, never valid ones', async () => {
    for (let i = 0; i < TOKEN_FAILURE_LIMIT.limit; i++)
      await identity.authenticateSocket({ token: 'bad', ip: '192.0.2.99' });
    expect(await identity.authenticateSocket({ token: 'bad', ip: '192.0.2.99' })).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      reason: 'rate_limited',
    });
    expect(await identity.authenticateSocket({ token: 42, ip: '192.0.2.99' })).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      reason: 'rate_limited',
    });
    expect((await identity.authenticateSocket({ token: await idp.token(), ip: '192.0.2.99' })).ok).toBe(true);
    expect(await identity.authenticateSocket({ token: 'bad', ip: '192.0.2.98' })).toMatchObject({
      ok: false,
      code: 'UNAUTHENTICATED',
      reason: 'token_invalid',
    });
  });
});
