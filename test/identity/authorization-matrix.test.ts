// The authorization matrix: every /api route against anonymous, level 1, level 2, manager (of the
// lots used), regulator and admin, each answering exactly the expected status. Requests that are
// refused run before the one that is allowed, so a refusal is seen against the same state. Every
// route in the OpenAPI description must be listed here: a new route fails this test until it is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { lotBody, publishedLot, createLot, type Actor } from '../auctions/factories.ts';

type Who = 'anonymous' | 'level1' | 'level2' | 'manager' | 'regulator' | 'admin';
const REFUSED_FIRST: Who[] = ['anonymous', 'level1', 'level2', 'regulator', 'admin', 'manager'];
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let t: TestPlatform;
const actors = {} as Record<Exclude<Who, 'anonymous'>, Actor>;
const covered = new Set<string>();
const lots = {} as Record<'open' | 'draft' | 'publishable' | 'cancellable' | 'pictured', { id: number }>;
let registrationId = 0;
let imageId = 0;

interface Req {
  body?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

/** Calls one route as each person in turn and checks every status. */
async function matrix(method: string, template: string, path: string, expected: Record<Who, number>, request: (who: Who) => Req = () => ({}), order: Who[] = REFUSED_FIRST): Promise<void> {
  covered.add(`${method} ${template}`);
  const got: Partial<Record<Who, number>> = {};
  for (const who of order) {
    const r = request(who);
    const headers: Record<string, string> = { ...r.headers };
    if (who !== 'anonymous') headers.authorization = `Bearer ${actors[who].token}`;
    if (r.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(t.base + path, { method, headers, body: r.raw ? new Uint8Array(r.raw) : (r.body === undefined ? undefined : JSON.stringify(r.body)) });
    await res.arrayBuffer();
    got[who] = res.status;
  }
  expect(got, `${method} ${path}`).toEqual(expected);
}

const all = (status: number): Record<Who, number> => ({ anonymous: status, level1: status, level2: status, manager: status, regulator: status, admin: status });
const only = (allowed: Partial<Record<Who, number>>, refused = 403): Record<Who, number> => ({ anonymous: 401, level1: refused, level2: refused, manager: refused, regulator: refused, admin: refused, ...allowed });
const MIN = 60_000;

beforeAll(async () => {
  const adminPid = newPid();
  t = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid } });
  const token = (pid: string, loa = 2) => t.idp.token({ sub: pid, loa, iat: Math.floor(Date.now() / 1000) });
  actors.admin = { pid: adminPid, token: await token(adminPid) };
  for (const who of ['level1', 'level2', 'manager', 'regulator'] as const) {
    const pid = newPid();
    actors[who] = { pid, token: await token(pid, who === 'level1' ? 1 : 2) };
    expect((await t.call('GET', '/api/me', { token: actors[who].token })).status).toBe(200);
  }
  for (const who of ['manager', 'regulator'] as const) {
    expect((await t.call('PUT', `/api/admin/roles/${actors[who].pid}`, { token: actors.admin.token, body: { roles: [who] } })).status).toBe(200);
  }
  const now = clock.now();
  lots.open = await publishedLot(t.call, actors.manager, lotBody(now));
  lots.draft = await createLot(t.call, actors.manager, lotBody(now.getTime() + 60 * MIN));
  lots.publishable = await createLot(t.call, actors.manager, lotBody(now.getTime() + 60 * MIN));
  lots.cancellable = await publishedLot(t.call, actors.manager, lotBody(now.getTime() + 60 * MIN));
  lots.pictured = await publishedLot(t.call, actors.manager, lotBody(now.getTime() + 60 * MIN));
});
afterAll(async () => {
  await t?.stop();
});

describe('authorization matrix', () => {
  it('identity routes', async () => {
    await matrix('GET', '/me', '/api/me', { ...all(200), anonymous: 401 });
    await matrix('GET', '/admin/roles', '/api/admin/roles', only({ admin: 200 }));
    const target = actors.level2.pid;
    await matrix('PUT', '/admin/roles/{pid}', `/api/admin/roles/${target}`, only({ admin: 200 }), () => ({ body: { roles: [] } }));
  });

  it('lot routes', async () => {
    await matrix('GET', '/lots', '/api/lots', all(200));
    await matrix('GET', '/lots/{id}', `/api/lots/${lots.open.id}`, all(200));
    await matrix('GET', '/lots/{id}/result', `/api/lots/${lots.open.id}/result`, all(200));
    await matrix('POST', '/lots', '/api/lots', only({ manager: 201 }), () => ({ body: lotBody(clock.now().getTime() + 60 * MIN) }));
    await matrix('PATCH', '/lots/{id}', `/api/lots/${lots.draft.id}`, only({ manager: 200 }), () => ({ body: { title: 'Biển số 30K-999.99' } }));
    await matrix('POST', '/lots/{id}/publish', `/api/lots/${lots.publishable.id}/publish`, only({ manager: 200 }));
    await matrix('POST', '/lots/{id}/cancel', `/api/lots/${lots.cancellable.id}/cancel`, only({ manager: 200 }), () => ({ body: { reason: 'Tài sản bị rút khỏi đấu giá' } }));
  });

  it('image routes', async () => {
    // A published lot: its images are public (a draft is visible to its manager only).
    const lot = lots.pictured;
    await matrix('POST', '/lots/{id}/images', `/api/lots/${lot.id}/images`, only({ manager: 201 }), () => ({ raw: PNG, headers: { 'content-type': 'image/png' } }));
    const images = await t.call('GET', `/api/lots/${lot.id}/images`);
    imageId = images.json.items[0].id;
    await matrix('GET', '/lots/{id}/images', `/api/lots/${lot.id}/images`, all(200));
    await matrix('GET', '/images/{imageId}', `/api/images/${imageId}`, all(200));
    await matrix('GET', '/lots/{id}/cover', `/api/lots/${lot.id}/cover`, all(200));
    await matrix('DELETE', '/lots/{id}/images/{imageId}', `/api/lots/${lot.id}/images/${imageId}`, only({ manager: 204 }));
  });

  it('registration routes (level 1 gets LEVEL_TOO_LOW; a manager may not register on a lot they manage)', async () => {
    await matrix('POST', '/lots/{id}/registrations', `/api/lots/${lots.open.id}/registrations`, { anonymous: 401, level1: 403, level2: 201, manager: 403, regulator: 201, admin: 201 }, () => ({ body: { acceptRules: true } }));
    const level1 = await t.call('POST', `/api/lots/${lots.open.id}/registrations`, { token: actors.level1.token, body: { acceptRules: true } });
    expect(level1.json.error.code).toBe('LEVEL_TOO_LOW');
    const list = await t.call('GET', `/api/lots/${lots.open.id}/registrations`, { token: actors.manager.token });
    registrationId = list.json.items.find((r: { pid: string }) => r.pid === actors.level2.pid).id;
    await matrix('GET', '/lots/{id}/registrations', `/api/lots/${lots.open.id}/registrations`, only({ manager: 200, regulator: 200 }));
    await matrix('POST', '/lots/{id}/registrations/{rid}/approve', `/api/lots/${lots.open.id}/registrations/${registrationId}/approve`, only({ manager: 200 }));
    // Before the close no deposit is refundable: the manager passes the role check and meets the state rule.
    const regulatorReg = list.json.items.find((r: { pid: string }) => r.pid === actors.regulator.pid).id;
    await matrix('POST', '/lots/{id}/registrations/{rid}/refund', `/api/lots/${lots.open.id}/registrations/${regulatorReg}/refund`, only({ manager: 409 }));
    await matrix('GET', '/me/registrations', '/api/me/registrations', { ...all(200), anonymous: 401 });
  });

  it('bidding routes (level 1 gets LEVEL_TOO_LOW; only approved bidders bid)', async () => {
    clock.advance(10 * MIN);
    let key = 0;
    await matrix('POST', '/lots/{id}/bids', `/api/lots/${lots.open.id}/bids`, { anonymous: 401, level1: 403, level2: 201, manager: 403, regulator: 403, admin: 403 }, () => ({ body: { amount: 40_000_000 }, headers: { 'idempotency-key': `k-${++key}` } }));
    const level1 = await t.call('POST', `/api/lots/${lots.open.id}/bids`, { token: actors.level1.token, body: { amount: 45_000_000 }, headers: { 'idempotency-key': 'l1' } });
    expect(level1.json.error.code).toBe('LEVEL_TOO_LOW');
    await matrix('GET', '/lots/{id}/bids', `/api/lots/${lots.open.id}/bids?after=0`, all(200));
    await matrix('POST', '/lots/{id}/bids/{seq}/withdraw', `/api/lots/${lots.open.id}/bids/1/withdraw`, { anonymous: 401, level1: 403, level2: 201, manager: 403, regulator: 403, admin: 403 });
    await matrix('GET', '/lots/{id}/shed-bids', `/api/lots/${lots.open.id}/shed-bids`, only({ manager: 200, regulator: 200 }));
  });

  it('health routes answer everyone', async () => {
    await matrix('GET', '/health', '/api/health', all(200));
    await matrix('GET', '/health/live', '/api/health/live', all(200));
  });

  it('record routes', async () => {
    await matrix('GET', '/records/lots/{id}', `/api/records/lots/${lots.cancellable.id}?format=json`, only({ regulator: 200 }));
    const period = 'from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&format=csv';
    await matrix('GET', '/records/lots', `/api/records/lots?${period}`, only({ regulator: 200 }));
    await matrix('GET', '/records/audit', `/api/records/audit?${period}`, only({ regulator: 200 }));
    await matrix('GET', '/.well-known/jwks.json', '/api/.well-known/jwks.json', all(200));
    await matrix('POST', '/records/verify', '/api/records/verify', all(200), () => ({ body: { payload: 'e30', signatures: [{ protected: 'e30', signature: 'AAAA' }] } }));
  });

  it('covers every route in the OpenAPI description', async () => {
    const doc = (await t.call('GET', '/api/openapi.json')).json as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.filter((r) => !covered.has(r))).toEqual([]);
  });
});
