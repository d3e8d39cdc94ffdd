import type { Json } from '../support/json.ts';
import { personKey, revealPeople } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents, registrations } from '../../db/schema.ts';
import { lotBody, person, publishedLot, registerAndApprove, type Actor } from './factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
let regulator: Actor;
let lot: Json;
const MIN = 60_000;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  regulator = await person(tp.idp, tp.database.db, { roles: ['regulator'] });
  lot = await publishedLot(tp.call, manager, lotBody(clock.now()));
});
afterAll(async () => tp?.stop());

const regCount = async (lotId: number): Promise<number> =>
  (await tp.database.db.select().from(registrations).where(eq(registrations.lotId, lotId))).length;

describe('registering for a lot', () => {
  it('registers a level-2 person with a random bidder code, recording the rules version and time', async () => {
    const b = await person(tp.idp, undefined, { name: 'Trần Thị Bình' });
    const res = await tp.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: b.token,
      body: { acceptRules: true, rulesVersion: 1 },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      lotId: lot.id,
      status: 'pending_deposit',
      depositState: 'pending',
      rulesVersion: 1,
      rulesAcceptedAt: clock.now().toISOString(),
    });
    expect(res.json.bidderCode).toMatch(/^B-[A-Z2-9]{4}$/);
    expect(res.json.bidderCode).not.toContain(b.pid.slice(-4));
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.subject, String(res.json.id)))
      .orderBy(asc(auditEvents.id));
    expect(audit.map((a) => [a.action, a.actorPid])).toEqual([['registration.created', personKey(b.pid)]]);
  });

  it('accepts an empty body', async () => {
    const b = await person(tp.idp, undefined);
    expect((await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token })).status).toBe(201);
  });

  it('registers a person only once per lot (ALREADY_REGISTERED)', async () => {
    const b = await person(tp.idp, undefined);
    const first = await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token, body: {} });
    expect(first.status).toBe(201);
    const before = await regCount(lot.id);
    const again = await Promise.all(
      [1, 2].map(() => tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token, body: {} })),
    );
    for (const r of again) {
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe('ALREADY_REGISTERED');
    }
    expect(await regCount(lot.id)).toBe(before);
  });

  it('refuses level 1 (LEVEL_TOO_LOW) and anonymous requests', async () => {
    const before = await regCount(lot.id);
    const low = await person(tp.idp, undefined, { level: 1 });
    const res = await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: low.token, body: {} });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('LEVEL_TOO_LOW');
    expect((await tp.call('POST', `/api/lots/${lot.id}/registrations`, { body: {} })).json.error.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(await regCount(lot.id)).toBe(before);
  });

  it('refuses the manager of the lot (NOT_ELIGIBLE: Art. 38)', async () => {
    const res = await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: manager.token, body: {} });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: 'NOT_ELIGIBLE', reason: 'manager_cannot_register' });
  });

  it('refuses outdated rules, bad bodies and unknown lots', async () => {
    const b = await person(tp.idp, undefined);
    const before = await regCount(lot.id);
    const stale = await tp.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: b.token,
      body: { rulesVersion: 7 },
    });
    expect(stale.status).toBe(422);
    expect(stale.json.error.fields.rulesVersion).toBeDefined();
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token, body: { acceptRules: false } }))
        .status,
    ).toBe(422);
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token, raw: '{' })).json.error.code,
    ).toBe('MALFORMED_REQUEST');
    expect(
      (await tp.call('POST', '/api/lots/987654/registrations', { token: b.token, body: {} })).json.error.code,
    ).toBe('NOT_FOUND');
    expect(await regCount(lot.id)).toBe(before);
  });

  it('refuses registration before the window opens and after it closes (REGISTRATION_CLOSED)', async () => {
    const t = clock.now().getTime();
    // The window (t+2m to t+4m) and the clock's detour stay before the shared lot's registration
    // closes (t+10m): moving past it would let the scheduler flip that lot live for the other tests.
    const later = await publishedLot(
      tp.call,
      manager,
      lotBody(t, {
        registrationOpensAt: new Date(t + 2 * MIN).toISOString(),
        registrationClosesAt: new Date(t + 4 * MIN).toISOString(),
        startsAt: new Date(t + 4 * MIN).toISOString(),
      }),
    );
    const b = await person(tp.idp, undefined);
    const early = await tp.call('POST', `/api/lots/${later.id}/registrations`, { token: b.token, body: {} });
    expect(early.status).toBe(409);
    expect(early.json.error.code).toBe('REGISTRATION_CLOSED');
    clock.advance(5 * MIN); // now past the registration close (t + 4m) of `later`
    try {
      const late = await tp.call('POST', `/api/lots/${later.id}/registrations`, { token: b.token, body: {} });
      expect(late.json.error.code).toBe('REGISTRATION_CLOSED');
      expect(await regCount(later.id)).toBe(0);
    } finally {
      clock.advance(-5 * MIN);
    }
  });

  it('gives bidder codes unique within the lot', async () => {
    const rows = await tp.database.db
      .select({ code: registrations.bidderCode })
      .from(registrations)
      .where(eq(registrations.lotId, lot.id));
    expect(new Set(rows.map((r) => r.code)).size).toBe(rows.length);
  });
});

describe('approving registrations', () => {
  it('lets the lot manager approve once the deposit is received, with an audit event', async () => {
    const b = await person(tp.idp, undefined);
    const reg = await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token, body: {} });
    const res = await tp.call('POST', `/api/lots/${lot.id}/registrations/${reg.json.id}/approve`, {
      token: manager.token,
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'approved', depositState: 'received' });
    const again = await tp.call('POST', `/api/lots/${lot.id}/registrations/${reg.json.id}/approve`, {
      token: manager.token,
    });
    expect(again.json.status).toBe('approved');
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.subject, String(reg.json.id)))
      .orderBy(asc(auditEvents.id));
    expect(audit.map((a) => [a.action, a.actorPid])).toEqual([
      ['registration.created', personKey(b.pid)],
      ['registration.approved', personKey(manager.pid)],
    ]);
  });

  it('refuses approval by anyone but the lot manager, and unknown registrations', async () => {
    const b = await person(tp.idp, undefined);
    const other = await person(tp.idp, tp.database.db, { roles: ['manager'] });
    const reg = await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token, body: {} });
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/registrations/${reg.json.id}/approve`, { token: other.token })).json
        .error.code,
    ).toBe('FORBIDDEN');
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/registrations/${reg.json.id}/approve`, { token: b.token })).json.error
        .code,
    ).toBe('FORBIDDEN');
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/registrations/999999/approve`, { token: manager.token })).json.error
        .code,
    ).toBe('NOT_FOUND');
    const [row] = await tp.database.db.select().from(registrations).where(eq(registrations.id, reg.json.id));
    expect(row).toMatchObject({ status: 'pending_deposit', depositState: 'pending' });
  });
});

describe('reading registrations', () => {
  it("gives the lot's manager bidder codes only while the lot has not ended (exploit: the manager's token on a scheduled lot)", async () => {
    const rows = await tp.database.db.select().from(registrations).where(eq(registrations.lotId, lot.id));
    expect(rows.length).toBeGreaterThan(2);
    const mgr = await tp.call('GET', `/api/lots/${lot.id}/registrations`, { token: manager.token });
    expect(mgr.status).toBe(200);
    expect(mgr.json.identities).toBe('hidden');
    expect(mgr.json.items).toHaveLength(rows.length);
    for (const item of mgr.json.items) {
      expect(Object.keys(item).sort()).toEqual([
        'approvedAt',
        'bidderCode',
        'createdAt',
        'depositState',
        'id',
        'payment',
        'rulesAcceptedAt',
        'rulesVersion',
        'status',
      ]);
      // The payment names the deposit transfer by its reference, never by the person.
      expect(Object.keys(item.payment).sort()).toEqual([
        'account',
        'amount',
        'dueAt',
        'qr',
        'received',
        'reference',
        'state',
      ]);
    }
    expect(mgr.json.items.map((i: Json) => i.bidderCode).sort()).toEqual(rows.map((r) => r.bidderCode).sort());
    // Nothing identifying anywhere in the body, not even under another key.
    // The rows hold person keys; the people behind them, revealed, are not named either.
    const shown = await revealPeople(
      tp.database.db,
      rows.map((r) => r.pid),
    );
    for (const r of rows) {
      expect(mgr.text).not.toContain(r.pid);
      expect(shown.get(r.pid)?.pid).toMatch(/^[0-9]{12}$/);
      expect(mgr.text).not.toContain(shown.get(r.pid)!.pid!);
    }
    expect(mgr.text).not.toContain('Trần Thị Bình');
    // A read that showed no identity is not an identity read: nothing audited.
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lot.id))
      .orderBy(asc(auditEvents.id));
    expect(audit.filter((e) => e.action === 'registrations.viewed')).toEqual([]);
  });

  it("shows who registered to regulators, and to the lot's manager once the lot has ended, auditing each such read", async () => {
    const ended = await publishedLot(tp.call, manager, lotBody(clock.now()));
    const b = await person(tp.idp, undefined, { name: 'Lê Văn Cường' });
    const [reg] = await registerAndApprove(tp.call, manager, ended.id, [b]);
    const byRegulator = await tp.call('GET', `/api/lots/${ended.id}/registrations`, { token: regulator.token });
    expect(byRegulator.status).toBe(200);
    expect(byRegulator.json).toMatchObject({
      identities: 'shown',
      items: [
        { id: reg.registrationId, bidderCode: reg.bidderCode, pid: b.pid, name: 'Lê Văn Cường', identityReads: [] },
      ],
    });
    expect(
      (await tp.call('GET', `/api/lots/${ended.id}/registrations`, { token: manager.token })).json.items[0].pid,
    ).toBeUndefined();
    expect(
      (
        await tp.call('POST', `/api/lots/${ended.id}/cancel`, {
          token: manager.token,
          body: { reason: 'Tài sản bị rút khỏi đấu giá' },
        })
      ).status,
    ).toBe(200);
    const byManager = await tp.call('GET', `/api/lots/${ended.id}/registrations`, { token: manager.token });
    expect(byManager.json).toMatchObject({
      identities: 'shown',
      items: [{ bidderCode: reg.bidderCode, pid: b.pid, name: 'Lê Văn Cường' }],
    });
    expect(byManager.json.items[0].identityReads).toBeUndefined();
    const views = (
      await tp.database.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.lotId, ended.id))
        .orderBy(asc(auditEvents.id))
    ).filter((e) => e.action === 'registrations.viewed');
    expect(views.map((e) => [e.actorPid, e.data.purpose, e.data.role])).toEqual([
      // No purpose stated (issue 20: ?purpose= is optional; null is "not stated").
      [personKey(regulator.pid), null, 'regulator'],
      [personKey(manager.pid), null, 'manager'],
    ]);
  });

  it("refuses a lot's registrations to everyone else", async () => {
    const citizen = await person(tp.idp, undefined);
    expect((await tp.call('GET', `/api/lots/${lot.id}/registrations`, { token: citizen.token })).json.error.code).toBe(
      'FORBIDDEN',
    );
    const other = await person(tp.idp, tp.database.db, { roles: ['manager'] });
    expect((await tp.call('GET', `/api/lots/${lot.id}/registrations`, { token: other.token })).json.error.code).toBe(
      'FORBIDDEN',
    );
    expect((await tp.call('GET', `/api/lots/${lot.id}/registrations`)).json.error.code).toBe('UNAUTHENTICATED');
  });

  it("lists a person's own registrations with lot, code, status and deposit state", async () => {
    const b = await person(tp.idp, undefined);
    const [reg] = await registerAndApprove(tp.call, manager, lot.id, [b]);
    const res = await tp.call('GET', '/api/me/registrations', { token: b.token });
    expect(res.status).toBe(200);
    expect(res.json.items).toHaveLength(1);
    expect(res.json.items[0]).toMatchObject({
      id: reg.registrationId,
      lotId: lot.id,
      bidderCode: reg.bidderCode,
      status: 'approved',
      depositState: 'received',
      lot: { id: lot.id, title: lot.title },
      bids: [],
      outcome: null,
      leading: false,
    });
  });
});
