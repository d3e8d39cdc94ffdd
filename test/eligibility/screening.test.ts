// Eligibility screening at registration (issue 19; Law on Property Auction, Art. 38): the
// organisation's own staff, people the asset's owner bars from the lot and people on the exclusion
// list (platform-wide, or for the lot's organisation only) are refused with 403 NOT_ELIGIBLE and a
// reason, and nothing is written; an entry that has ended or was lifted refuses no more; the refusal
// names the entry's source and end, never its reason. The owner's exclusions are kept by the lot's
// managers until registration closes, and audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { auditEvents, bars, registrations } from '../../db/schema.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import type { Json } from '../support/json.ts';
import { lotBody, person, publishedLot, type Actor, type KeyedActor } from '../auctions/factories.ts';

const MIN = 60_000;
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let t: TestPlatform;
let admin: Actor;
let regulator: KeyedActor;
let managerA: KeyedActor;
let managerB: KeyedActor;
let lotA: Json;
let lotB: Json;
const SECRET_REASON = 'Lý do nội bộ: đã thông đồng dìm giá ở phiên trước';

/** A lot whose registration stays open for five hours of the test clock. */
const longLot = (manager: Actor): Promise<Json> => {
  const now = clock.now().getTime();
  return publishedLot(
    t.call,
    manager,
    lotBody(now, {
      registrationClosesAt: new Date(now + 300 * MIN).toISOString(),
      startsAt: new Date(now + 300 * MIN).toISOString(),
      endsAt: new Date(now + 360 * MIN).toISOString(),
    }),
  );
};

const register = (who: Actor, lot: Json) =>
  t.call('POST', `/api/lots/${lot.id}/registrations`, { token: who.token, body: { acceptRules: true } });

const counts = async (lotId: number) => ({
  registrations: (await t.database.db.select().from(registrations).where(eq(registrations.lotId, lotId))).length,
  audit: (await t.database.db.select({ id: auditEvents.id }).from(auditEvents)).length,
});

/** A refusal: 403 NOT_ELIGIBLE with the reason, nothing written, the exclusion's reason never told. */
async function refused(who: Actor, lot: Json, reason: string): Promise<Json> {
  const before = await counts(lot.id);
  const res = await register(who, lot);
  expect(res.status, res.text).toBe(403);
  expect(res.json.error).toMatchObject({ code: 'NOT_ELIGIBLE', reason });
  expect(res.text).not.toContain(SECRET_REASON);
  expect(await counts(lot.id)).toEqual(before);
  return res.json.error;
}

const exclude = (by: Actor, body: Record<string, unknown>) =>
  t.call('POST', '/api/exclusions', { token: by.token, body: { reason: SECRET_REASON, source: 'QĐ 7/2026', ...body } });

beforeAll(async () => {
  const adminPid = newPid();
  t = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid } });
  admin = { pid: adminPid, token: await t.idp.token({ sub: adminPid, loa: 2 }) };
  regulator = await person(t.idp, t.database.db, { roles: ['regulator'] });
  managerA = await person(t.idp, t.database.db, { roles: ['manager'] });
  managerB = await person(t.idp, t.database.db, { roles: ['manager'] });
  lotA = await longLot(managerA);
  lotB = await longLot(managerB);
});
afterAll(async () => t?.stop());

describe('registration screening (Art. 38)', () => {
  it('refuses the staff of the organisation running the lot, and lets them bid on another’s', async () => {
    const colleague = await person(t.idp, t.database.db, { roles: ['manager'], organisation: lotA.organisationId });
    await refused(colleague, lotA, 'manager_cannot_register');
    await refused(managerA, lotA, 'manager_cannot_register');
    expect((await register(colleague, lotB)).status).toBe(201);
  });

  it('refuses people the asset’s owner bars from the lot, on that lot only, until removed', async () => {
    const bidder = await person(t.idp, undefined);
    const added = await t.call('POST', `/api/lots/${lotA.id}/exclusions`, {
      token: managerA.token,
      body: { pid: bidder.pid, reason: SECRET_REASON },
    });
    expect(added.status, added.text).toBe(201);
    expect(added.json).toMatchObject({ lotId: lotA.id, pid: bidder.pid, reason: SECRET_REASON, addedBy: managerA.pid });
    const error = await refused(bidder, lotA, 'owner_excluded');
    expect(error).not.toHaveProperty('params');
    expect((await register(bidder, lotB)).status).toBe(201);
    // Named once per lot.
    const again = await t.call('POST', `/api/lots/${lotA.id}/exclusions`, {
      token: managerA.token,
      body: { pid: bidder.pid, reason: 'Lần nữa' },
    });
    expect(again.status).toBe(409);
    expect(again.json.error.reason).toBe('lot_exclusion_exists');
    const removed = await t.call('DELETE', `/api/lots/${lotA.id}/exclusions/${bidder.pid}`, { token: managerA.token });
    expect(removed.status).toBe(200);
    expect(removed.json.items.map((e: Json) => e.pid)).not.toContain(bidder.pid);
    expect((await register(bidder, lotA)).status).toBe(201);
    const gone = await t.call('DELETE', `/api/lots/${lotA.id}/exclusions/${bidder.pid}`, { token: managerA.token });
    expect(gone.status).toBe(404);
    expect(gone.json.error.reason).toBe('lot_exclusion_not_found');
    // Both changes are on the lot's audit trail, naming the person.
    const trail = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.lotId, lotA.id), eq(auditEvents.subject, bidder.key)))
      .orderBy(asc(auditEvents.id));
    expect(trail.map((e) => [e.action, e.actorPid])).toEqual([
      ['lot_exclusion.added', managerA.key],
      ['lot_exclusion.removed', managerA.key],
    ]);
    expect(trail[0].data).toEqual({ reason: SECRET_REASON });
    expect(trail[0].subjectHash).toBe(bidder.key);
  });

  it('refuses people excluded platform-wide on every organisation’s lots, naming the source and the end', async () => {
    const bidder = await person(t.idp, undefined);
    const endsAt = new Date(clock.now().getTime() + 30 * 24 * 60 * MIN).toISOString();
    const entry = await exclude(regulator, { pid: bidder.pid, endsAt });
    expect(entry.status, entry.text).toBe(201);
    expect(entry.json).toMatchObject({
      pid: bidder.pid,
      organisationId: null,
      source: 'QĐ 7/2026',
      endsAt,
      active: true,
      createdBy: regulator.pid,
    });
    for (const lot of [lotA, lotB])
      expect((await refused(bidder, lot, 'excluded')).params).toEqual({ endsAt, source: 'QĐ 7/2026' });
  });

  it('refuses people excluded by one organisation on its lots only', async () => {
    const bidder = await person(t.idp, undefined);
    // A manager's entry covers their own (only) organisation by default, until lifted.
    const entry = await exclude(managerA, { pid: bidder.pid });
    expect(entry.status, entry.text).toBe(201);
    expect(entry.json).toMatchObject({ organisationId: lotA.organisationId, endsAt: null, active: true });
    expect((await refused(bidder, lotA, 'excluded')).params).toEqual({ endsAt: null, source: 'QĐ 7/2026' });
    expect((await register(bidder, lotB)).status).toBe(201);
  });

  it('no longer refuses once the entry has ended', async () => {
    const bidder = await person(t.idp, undefined);
    const entry = await exclude(admin, {
      pid: bidder.pid,
      endsAt: new Date(clock.now().getTime() + MIN).toISOString(),
    });
    expect(entry.status).toBe(201);
    await refused(bidder, lotA, 'excluded');
    clock.advance(2 * MIN);
    expect((await register(bidder, lotA)).status).toBe(201);
    const listed = await t.call('GET', `/api/exclusions?pid=${bidder.pid}`, { token: admin.token });
    expect(listed.json.items).toEqual([expect.objectContaining({ id: entry.json.id, active: false, liftedAt: null })]);
  });

  it('no longer refuses once the entry is lifted; lifting twice is 409; both audited', async () => {
    const bidder = await person(t.idp, undefined);
    const entry = await exclude(managerB, { pid: bidder.pid });
    await refused(bidder, lotB, 'excluded');
    const lifted = await t.call('POST', `/api/exclusions/${entry.json.id}/lift`, {
      token: managerB.token,
      body: { note: 'Quyết định đã bị hủy' },
    });
    expect(lifted.status, lifted.text).toBe(200);
    expect(lifted.json).toMatchObject({ active: false, liftedBy: managerB.pid, liftedAt: clock.now().toISOString() });
    expect((await register(bidder, lotB)).status).toBe(201);
    const twice = await t.call('POST', `/api/exclusions/${entry.json.id}/lift`, { token: admin.token });
    expect(twice.status).toBe(409);
    expect(twice.json.error.reason).toBe('exclusion_already_lifted');
    const trail = await t.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.subject, bidder.key))
      .orderBy(asc(auditEvents.id));
    const added = trail.find((e) => e.action === 'exclusion.added');
    expect(added).toMatchObject({ actorPid: managerB.key, lotId: null });
    expect(added?.data).toEqual({
      exclusionId: entry.json.id,
      organisationId: lotB.organisationId,
      reason: SECRET_REASON,
      source: 'QĐ 7/2026',
      endsAt: null,
    });
    const liftedEvent = trail.find((e) => e.action === 'exclusion.lifted');
    expect(liftedEvent).toMatchObject({ actorPid: managerB.key });
    expect(liftedEvent?.data).toEqual({
      exclusionId: entry.json.id,
      organisationId: lotB.organisationId,
      note: 'Quyết định đã bị hủy',
    });
  });

  it('still refuses people barred by a forfeit with BIDDER_BARRED, not NOT_ELIGIBLE', async () => {
    const bidder = await person(t.idp, undefined);
    expect((await t.call('GET', '/api/me', { token: bidder.token })).status).toBe(200);
    const now = clock.now();
    await t.database.db.insert(bars).values({
      pid: bidder.key,
      category: lotA.category,
      reason: 'Không thanh toán đúng hạn',
      startsAt: now,
      endsAt: new Date(now.getTime() + 24 * 60 * MIN),
      createdAt: now,
    });
    const before = await counts(lotA.id);
    const res = await register(bidder, lotA);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: 'BIDDER_BARRED', reason: 'person_barred' });
    expect(await counts(lotA.id)).toEqual(before);
  });
});

describe('the owner’s exclusions of a lot', () => {
  it('are kept by the lot’s managers and admins, read by regulators, until registration closes', async () => {
    const pid = newPid();
    const path = `/api/lots/${lotB.id}/exclusions`;
    const body = { pid, reason: 'Người có tài sản đề nghị' };
    const other = await t.call('POST', path, { token: managerA.token, body });
    expect(other.status).toBe(403);
    expect(other.json.error.reason).toBe('not_lot_manager_or_admin');
    expect((await t.call('POST', path, { token: regulator.token, body })).status).toBe(403);
    expect((await t.call('POST', path, { token: admin.token, body })).status).toBe(201);
    const read = await t.call('GET', path, { token: regulator.token });
    expect(read.status).toBe(200);
    expect(read.json.items).toEqual([expect.objectContaining({ pid, addedBy: admin.pid })]);
    expect((await t.call('GET', path, { token: managerA.token })).status).toBe(403);
    // After registration closes: fixed.
    const now = clock.now().getTime();
    const closing = await publishedLot(
      t.call,
      managerB,
      lotBody(now, {
        registrationClosesAt: new Date(now + MIN).toISOString(),
        startsAt: new Date(now + MIN).toISOString(),
        endsAt: new Date(now + 400 * MIN).toISOString(),
      }),
    );
    const early = await t.call('POST', `/api/lots/${closing.id}/exclusions`, { token: managerB.token, body });
    expect(early.status).toBe(201);
    clock.advance(MIN);
    const late = await t.call('POST', `/api/lots/${closing.id}/exclusions`, {
      token: managerB.token,
      body: { ...body, pid: newPid() },
    });
    expect(late.status).toBe(409);
    expect(late.json.error).toMatchObject({
      reason: 'lot_exclusions_closed',
      params: { deadline: closing.registrationClosesAt },
    });
    const removeLate = await t.call('DELETE', `/api/lots/${closing.id}/exclusions/${pid}`, { token: managerB.token });
    expect(removeLate.json.error.reason).toBe('lot_exclusions_closed');
    expect(
      (await t.call('GET', `/api/lots/${closing.id}/exclusions`, { token: managerB.token })).json.items,
    ).toHaveLength(1);
  });

  it('refuse invalid bodies field by field, writing nothing', async () => {
    const before = await counts(lotA.id);
    const res = await t.call('POST', `/api/lots/${lotA.id}/exclusions`, {
      token: managerA.token,
      body: { pid: '12345', reason: '   ', extra: 1 },
    });
    expect(res.status).toBe(422);
    expect(res.json.error.fieldErrors).toMatchObject({
      pid: { code: 'NOT_PID' },
      reason: { code: 'REQUIRED' },
      _: { code: 'UNKNOWN_FIELDS', keys: ['extra'] },
    });
    expect(await counts(lotA.id)).toEqual(before);
  });
});
