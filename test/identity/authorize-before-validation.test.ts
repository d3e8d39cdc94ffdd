// Authorization is decided before validation, on every route: a caller who may not call a route gets
// 401 or 403 whatever they send, never 400 or 422 (which would tell an outsider the route's input
// rules). The routes come from the OpenAPI description, each with the access it declares (`x-access`),
// so a new route is covered without editing this file, and a route that declares no access fails.
// Every route is called by every kind of caller with a bad body, query and headers: once with path
// ids naming real things (the lot's manager, another lot's manager, …) and once with ids that name
// nothing at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { lotBody, person, publishedLot, registerAndApprove, type Actor } from '../auctions/factories.ts';

type Caller = 'anonymous' | 'level1' | 'bidder' | 'otherManager' | 'manager' | 'regulator' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'level1', 'bidder', 'otherManager', 'manager', 'regulator', 'admin'];

/** Who may call a route with each declared access (with path ids naming the manager's own lot). */
function mayCall(access: string, who: Caller, ids: 'real' | 'invalid'): boolean {
  const roles: Record<Caller, string[]> = {
    anonymous: [],
    level1: [],
    bidder: [],
    otherManager: ['manager'],
    manager: ['manager'],
    regulator: ['regulator'],
    admin: ['admin'],
  };
  switch (access) {
    case 'anyone':
      return true;
    case 'signed-in':
      return who !== 'anonymous';
    case 'level-2':
      return who !== 'anonymous' && who !== 'level1';
    // With ids naming nothing, which lot is meant cannot be told: any manager may be its manager.
    case 'manager-of-lot':
      return who === 'manager' || (ids === 'invalid' && who === 'otherManager');
    case 'manager-of-lot|regulator':
      return who === 'manager' || who === 'regulator' || (ids === 'invalid' && who === 'otherManager');
    case 'manager-of-lot|admin':
      return who === 'manager' || who === 'admin' || (ids === 'invalid' && who === 'otherManager');
    case 'manager-of-lot|regulator|admin':
      return (
        who === 'manager' || who === 'regulator' || who === 'admin' || (ids === 'invalid' && who === 'otherManager')
      );
    // The lot's manager, or the registration's registrant (the bidder's own registration, issue 19).
    case 'manager-of-lot|registrant':
      return ids === 'invalid' ? who !== 'anonymous' : who === 'manager' || who === 'bidder';
    // Also those registered for the lot (the bidder is); with ids naming nothing, anyone signed in might be.
    case 'manager-of-lot|regulator|admin|registrant':
      return ids === 'invalid'
        ? who !== 'anonymous'
        : who === 'manager' || who === 'regulator' || who === 'admin' || who === 'bidder';
    default:
      return access.split('|').some((role) => roles[who].includes(role));
  }
}

const MIN = 60_000;
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let t: TestPlatform;
const actors = {} as Record<Exclude<Caller, 'anonymous'>, Actor>;
/** Real values for each path parameter: the manager's lot, a registration, a seq, an image, a person, a day. */
const real: Record<string, string> = {};
const NOWHERE: Record<string, string> = {
  id: 'x',
  rid: 'x',
  seq: 'x',
  imageId: 'x',
  pid: 'x',
  day: 'x',
  lotId: 'x',
  sequence: 'x',
  key: 'x',
};

interface Operation {
  'x-access'?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
}

beforeAll(async () => {
  const adminPid = newPid();
  t = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid } });
  actors.admin = { pid: adminPid, token: await t.idp.token({ sub: adminPid, loa: 2 }) };
  actors.level1 = await person(t.idp, undefined, { level: 1 });
  actors.bidder = await person(t.idp, undefined);
  actors.manager = await person(t.idp, t.database.db, { roles: ['manager'] });
  actors.otherManager = await person(t.idp, t.database.db, { roles: ['manager'] });
  actors.regulator = await person(t.idp, t.database.db, { roles: ['regulator'] });
  for (const who of ['level1', 'bidder'] as const)
    expect((await t.call('GET', '/api/me', { token: actors[who].token })).status).toBe(200);
  const lot = await publishedLot(t.call, actors.manager, lotBody(clock.now()));
  // The other manager has a lot of their own: they are a manager, just not of this lot.
  await publishedLot(t.call, actors.otherManager, lotBody(clock.now()));
  const [registered] = await registerAndApprove(t.call, actors.manager, lot.id, [actors.bidder]);
  clock.advance(10 * MIN);
  const bid = await t.call('POST', `/api/lots/${lot.id}/bids`, {
    token: actors.bidder.token,
    body: { amount: 40_000_000 },
    headers: { 'idempotency-key': 'first' },
  });
  expect(bid.status).toBe(201);
  Object.assign(real, {
    id: String(lot.id),
    rid: String(registered.registrationId),
    seq: String(bid.json.seq),
    imageId: '1',
    pid: actors.bidder.pid,
    day: '2027-02-12',
    lotId: String(lot.id),
    sequence: '1',
    // A relatedness flag's key (issue 19): its kind and bidder codes.
    key: `same_organisation:${registered.bidderCode},B-ZZZZ`,
  });
});
afterAll(async () => {
  await t?.stop();
});

/** The route's path with its parameters filled in, and a query giving every query parameter a bad value. */
function urlOf(path: string, op: Operation, values: Record<string, string>): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no test value for the path parameter {${name}} of ${path}`);
    return encodeURIComponent(values[name]);
  });
  const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => `${p.name}=%00x`);
  return `/api${filled}${query.length ? `?${query.join('&')}` : ''}`;
}

describe('authorization before validation', () => {
  it('refuses every caller who may not call a route with 401 or 403, whatever the input, on every route', async () => {
    const doc = (await t.call('GET', '/api/openapi.json')).json as {
      paths: Record<string, Record<string, Operation>>;
    };
    const undeclared: string[] = [];
    const wrong: string[] = [];
    const validated = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const route = `${method.toUpperCase()} ${path}`;
        const access = op['x-access'];
        if (!access) {
          undeclared.push(route);
          continue;
        }
        for (const ids of ['real', 'invalid'] as const) {
          const url = urlOf(path, op, ids === 'real' ? real : NOWHERE);
          for (const who of CALLERS) {
            const headers: Record<string, string> = { 'idempotency-key': ' ', 'content-type': 'application/json' };
            if (who !== 'anonymous') headers.authorization = `Bearer ${actors[who].token}`;
            const res = await fetch(t.base + url, {
              method: method.toUpperCase(),
              headers,
              // A JSON string: no route's body is one (and the route without a body schema gets one anyway).
              body: method === 'get' ? undefined : '"not what any route takes"',
            });
            await res.arrayBuffer();
            if (mayCall(access, who, ids)) {
              if (res.status === 400 || res.status === 422) validated.add(route);
              continue;
            }
            const expected = who === 'anonymous' ? [401] : [401, 403];
            if (!expected.includes(res.status)) wrong.push(`${route} (${ids} ids) as ${who}: ${res.status}`);
          }
        }
      }
    }
    expect(undeclared, 'routes that declare no x-access').toEqual([]);
    expect(wrong).toEqual([]);
    // The input really is invalid: the callers who may call these routes are told so.
    for (const route of [
      'POST /lots',
      'PATCH /lots/{id}',
      'POST /lots/{id}/cancel',
      'PUT /admin/roles/{pid}',
      'POST /lots/{id}/bids',
      'GET /lots/{id}/registrations/{rid}/identity',
      'GET /records/lots',
    ])
      expect(validated, route).toContain(route);
  });

  it('answers a signed-in bidder posting an empty body to POST /api/lots with 403, not 422', async () => {
    const res = await t.call('POST', '/api/lots', { token: actors.bidder.token, raw: '{}' });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('FORBIDDEN');
    expect(res.json.error).not.toHaveProperty('fieldErrors');
  });

  it("answers another lot's manager with the lot's refusal before looking at the body", async () => {
    const res = await t.call('PATCH', `/api/lots/${real.id}`, { token: actors.otherManager.token, body: { title: 5 } });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: 'FORBIDDEN', reason: 'not_lot_manager' });
    const own = await t.call('PATCH', `/api/lots/${real.id}`, { token: actors.manager.token, body: { title: 5 } });
    expect(own.status).toBe(422);
  });
});
