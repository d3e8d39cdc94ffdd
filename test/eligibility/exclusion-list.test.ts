// The exclusion list (issue 19; Law on Property Auction, Art. 38): who sees which entries (managers
// their organisations' and the platform-wide ones, a scoped regulator their province's and the
// platform-wide ones, regulators for the whole country and admins all), who may add and lift which,
// the filters, and invalid input refused field by field with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, exclusions, organisationManagers } from '../../db/schema.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import type { Json } from '../support/json.ts';
import { newOrganisation, person, type Actor } from '../auctions/factories.ts';

const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let t: TestPlatform;
const who = {} as Record<'admin' | 'regulator' | 'scopedRegulator' | 'managerA' | 'managerB' | 'bidder', Actor>;
let orgA = 0;
let orgB = 0;
let orgDaNang = 0;
/** One person with an entry of every kind: platform-wide, organisation A's, B's and Đà Nẵng's. */
const target = newPid();
const ids = {} as Record<'platform' | 'a' | 'b' | 'daNang', number>;

const add = (by: Actor, body: Record<string, unknown>) =>
  t.call('POST', '/api/exclusions', {
    token: by.token,
    body: { pid: target, reason: 'Lý do', source: 'Nguồn', ...body },
  });
const list = async (by: Actor, query = `pid=${target}`) => {
  const res = await t.call('GET', `/api/exclusions?${query}`, { token: by.token });
  expect(res.status, res.text).toBe(200);
  return res.json.items as Json[];
};
const written = async () => ({
  exclusions: (await t.database.db.select({ id: exclusions.id }).from(exclusions)).length,
  audit: (await t.database.db.select({ id: auditEvents.id }).from(auditEvents)).length,
});

beforeAll(async () => {
  const adminPid = newPid();
  t = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid } });
  const db = t.database.db;
  who.admin = { pid: adminPid, token: await t.idp.token({ sub: adminPid, loa: 2 }) };
  who.regulator = await person(t.idp, db, { roles: ['regulator'] });
  who.scopedRegulator = await person(t.idp, db, { roles: ['regulator'] });
  orgA = await newOrganisation(db);
  orgB = await newOrganisation(db);
  orgDaNang = await newOrganisation(db, 'da-nang');
  who.managerA = await person(t.idp, db, { roles: ['manager'], organisation: orgA });
  who.managerB = await person(t.idp, db, { roles: ['manager'], organisation: orgB });
  who.bidder = await person(t.idp, undefined);
  const scope = await t.call('PUT', `/api/admin/regulators/${who.scopedRegulator.pid}/scope`, {
    token: who.admin.token,
    body: { province: 'da-nang' },
  });
  expect(scope.status).toBe(200);
});
afterAll(async () => t?.stop());

describe('adding entries', () => {
  it('by each within their reach', async () => {
    const platform = await add(who.regulator, {});
    expect(platform.status, platform.text).toBe(201);
    ids.platform = platform.json.id;
    const a = await add(who.managerA, {});
    expect(a.json).toMatchObject({ organisationId: orgA });
    ids.a = a.json.id;
    const b = await add(who.admin, { organisationId: orgB });
    expect(b.json).toMatchObject({ organisationId: orgB, createdBy: who.admin.pid });
    ids.b = b.json.id;
    const daNang = await add(who.scopedRegulator, { organisationId: orgDaNang });
    expect(daNang.status, daNang.text).toBe(201);
    ids.daNang = daNang.json.id;
    expect((await add(who.admin, { organisationId: null })).json.organisationId).toBeNull();
  });

  it('refused beyond it (403), for organisations that do not exist (404), writing nothing', async () => {
    const before = await written();
    const cases: [Actor, Record<string, unknown>, number, string][] = [
      [who.managerA, { organisationId: orgB }, 403, 'not_organisation_manager'],
      [who.managerA, { organisationId: null }, 403, 'exclusion_platform_wide'],
      [who.scopedRegulator, {}, 403, 'exclusion_platform_wide'],
      [who.scopedRegulator, { organisationId: orgA }, 403, 'outside_scope'],
      [who.regulator, { organisationId: 2_000_000 }, 404, 'organisation_not_found'],
    ];
    for (const [by, body, status, reason] of cases) {
      const res = await add(by, body);
      expect([res.status, res.json.error?.reason], JSON.stringify(body)).toEqual([status, reason]);
    }
    expect((await add(who.bidder, {})).status).toBe(403);
    expect((await t.call('POST', '/api/exclusions', { body: { pid: target } })).status).toBe(401);
    expect(await written()).toEqual(before);
  });

  it('refuses invalid input field by field (422), writing nothing', async () => {
    const before = await written();
    const bad = await t.call('POST', '/api/exclusions', {
      token: who.regulator.token,
      body: { pid: '0123', reason: '', source: 'a\u0007b', endsAt: 'tomorrow', organisationId: -1, extra: true },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fieldErrors).toMatchObject({
      pid: { code: 'NOT_PID' },
      reason: { code: 'REQUIRED' },
      source: { code: 'CONTAINS_CONTROL' },
      endsAt: { code: 'NOT_DATE_TIME' },
      organisationId: { code: 'TOO_SMALL' },
    });
    const missing = await t.call('POST', '/api/exclusions', { token: who.regulator.token, body: { pid: target } });
    expect(missing.json.error.fieldErrors).toMatchObject({
      reason: { code: 'REQUIRED' },
      source: { code: 'REQUIRED' },
    });
    // The end is in the future.
    const past = await add(who.regulator, { endsAt: new Date(clock.now().getTime() - 1000).toISOString() });
    expect(past.status).toBe(422);
    expect(past.json.error.fieldErrors).toEqual({ endsAt: { code: 'NOT_IN_FUTURE' } });
    // A manager of two organisations names one (with the end checked in the same answer).
    const both = await person(t.idp, t.database.db, { roles: ['manager'], organisation: orgA });
    await t.database.db.insert(organisationManagers).values({ organisationId: orgB, pid: both.key });
    const unnamed = await add(both, { endsAt: clock.now().toISOString() });
    expect(unnamed.status).toBe(422);
    expect(unnamed.json.error.fieldErrors).toEqual({
      organisationId: { code: 'EXCLUSION_ORGANISATION_REQUIRED', count: 2 },
      endsAt: { code: 'NOT_IN_FUTURE' },
    });
    expect(await written()).toEqual(before);
    expect((await add(both, { organisationId: orgB })).status).toBe(201);
  });
});

describe('the list', () => {
  it('shows each their reach: managers and scoped regulators the platform-wide entries and their own', async () => {
    const kinds = async (by: Actor) => {
      const items = await list(by);
      return Object.entries(ids)
        .filter(([, id]) => items.some((e) => e.id === id))
        .map(([kind]) => kind)
        .sort();
    };
    expect(await kinds(who.managerA)).toEqual(['a', 'platform']);
    expect(await kinds(who.managerB)).toEqual(['b', 'platform']);
    expect(await kinds(who.scopedRegulator)).toEqual(['daNang', 'platform']);
    expect(await kinds(who.regulator)).toEqual(['a', 'b', 'daNang', 'platform']);
    expect(await kinds(who.admin)).toEqual(['a', 'b', 'daNang', 'platform']);
    expect((await t.call('GET', '/api/exclusions', { token: who.bidder.token })).status).toBe(403);
    expect((await t.call('GET', '/api/exclusions')).status).toBe(401);
    // Newest first, with the reason and the source for staff.
    const items = await list(who.admin);
    expect(items.map((e) => e.id)).toEqual([...items.map((e) => e.id)].sort((x, y) => y - x));
    expect(items.find((e) => e.id === ids.a)).toMatchObject({
      pid: target,
      reason: 'Lý do',
      source: 'Nguồn',
      createdBy: who.managerA.pid,
      active: true,
    });
  });

  it('filters by person and by whether entries are in force', async () => {
    const other = newPid();
    expect(await list(who.admin, `pid=${other}`)).toEqual([]);
    const bad = await t.call('GET', '/api/exclusions?pid=12&active=yes', { token: who.admin.token });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.json.error.fieldErrors).sort()).toEqual(['active', 'pid']);
    const lifted = await t.call('POST', `/api/exclusions/${ids.b}/lift`, { token: who.managerB.token });
    expect(lifted.status).toBe(200);
    const active = await list(who.admin, `pid=${target}&active=true`);
    expect(active.map((e) => e.id)).not.toContain(ids.b);
    expect(active.map((e) => e.id)).toContain(ids.a);
    expect((await list(who.admin, `pid=${target}&active=false`)).map((e) => e.id)).toEqual([ids.b]);
  });
});

describe('lifting', () => {
  it('by whoever may add such an entry; others are refused before the body is read', async () => {
    const before = await written();
    const cases: [Actor, number, number, string][] = [
      // A manager sees the platform-wide entry but may not lift it; another organisation's is not found.
      [who.managerA, ids.platform, 403, 'exclusion_platform_wide'],
      [who.managerB, ids.a, 404, 'exclusion_not_found'],
      [who.scopedRegulator, ids.platform, 403, 'exclusion_platform_wide'],
      [who.scopedRegulator, ids.a, 404, 'exclusion_not_found'],
      [who.admin, 2_000_000, 404, 'exclusion_not_found'],
    ];
    for (const [by, id, status, reason] of cases) {
      const res = await t.call('POST', `/api/exclusions/${id}/lift`, { token: by.token, body: { note: 5 } });
      expect([res.status, res.json.error?.reason]).toEqual([status, reason]);
    }
    expect((await t.call('POST', `/api/exclusions/${ids.a}/lift`, { token: who.bidder.token })).status).toBe(403);
    const badNote = await t.call('POST', `/api/exclusions/${ids.a}/lift`, {
      token: who.managerA.token,
      body: { note: 5 },
    });
    expect(badNote.status).toBe(422);
    expect(badNote.json.error.fieldErrors).toMatchObject({ note: { code: 'INVALID_TYPE' } });
    expect(await written()).toEqual(before);
    expect(
      (await t.call('POST', `/api/exclusions/${ids.daNang}/lift`, { token: who.scopedRegulator.token })).status,
    ).toBe(200);
    expect((await t.call('POST', `/api/exclusions/${ids.platform}/lift`, { token: who.regulator.token })).status).toBe(
      200,
    );
    const a = await t.call('POST', `/api/exclusions/${ids.a}/lift`, { token: who.managerA.token, body: {} });
    expect(a.json).toMatchObject({ id: ids.a, active: false, liftedBy: who.managerA.pid });
    // In force now: the admin's platform-wide entry, and the organisation B entry of its two-organisation manager.
    expect(await list(who.admin, `pid=${target}&active=true`)).toEqual([
      expect.objectContaining({ organisationId: orgB }),
      expect.objectContaining({ organisationId: null, createdBy: who.admin.pid }),
    ]);
  });
});
