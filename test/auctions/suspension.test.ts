// A technical suspension and its re-run (issue 18; server/auctions/suspension.ts): who may suspend
// and re-run, what a bad request changes (nothing), a suspension in the middle of a bid storm (no bid
// accepted after it, every bid acknowledged before it in the ledger its signed document names), the
// scheduler leaving a suspended lot alone past its end, the suspension document verifying against
// the published keys, and the re-run: linked both ways, the approved registrants and their deposits
// carried over, the old lot cancelled without refunding them, only those registrants bidding.
import { personKey } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import type { Json } from '../support/json.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import type { LotChange } from '../../server/shared/events.ts';
import { auditEvents, jobs, lots, notifications, payments, refunds, registrations } from '../../db/schema.ts';
import { verifyJws, type Jwks } from '../../server/records/jws.ts';
import { SuspensionSchema } from '../../server/records/lot-fact-format.ts';
import { personHash } from '../../server/audit/person-hash.ts';
import { dueLots } from '../../server/auctions/closing.ts';
import { announcePrices } from '../../server/auctions/method-ticks.ts';
import { notOpen, refuseRerun, refuseSuspension } from '../../server/auctions/rules/index.ts';
import { RESULT_NOTICE_JOB } from '../../server/results/schedule.ts';
import {
  brokenLink,
  eventually,
  liveLot,
  lotBody,
  lotStanding,
  person,
  publishedLot,
  readLedger,
  registerAndApprove,
  type Actor,
  type Registered,
} from './factories.ts';

const MIN = 60_000;
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let tp: TestPlatform;
let manager: Actor;
let otherManager: Actor;
let regulator: Actor;
let admin: Actor;
const lotEvents: LotChange[] = [];

beforeAll(async () => {
  const adminPid = newPid();
  tp = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid } });
  admin = { pid: adminPid, token: await tp.idp.token({ sub: adminPid, loa: 2 }) };
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  otherManager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  regulator = await person(tp.idp, tp.database.db, { roles: ['regulator'] });
  tp.platform.ctx.events.on('lot', (c) => void lotEvents.push(c));
});
afterAll(async () => tp?.stop());

const people = (n: number) => Promise.all(Array.from({ length: n }, () => person(tp.idp, undefined)));
const t = () => ({ call: tp.call, clock });
const suspend = (lotId: number, who: Actor | undefined, body: unknown = { reason: 'Database failover' }) =>
  tp.call('POST', `/api/lots/${lotId}/suspend`, { token: who?.token, body });
const rerun = (lotId: number, who: Actor | undefined, body: unknown) =>
  tp.call('POST', `/api/lots/${lotId}/rerun`, { token: who?.token, body });
const bid = (lotId: number, who: Actor, amount: number) =>
  tp.call('POST', `/api/lots/${lotId}/bids`, { token: who.token, body: { amount } });
const getLot = async (lotId: number) => (await tp.call('GET', `/api/lots/${lotId}`)).json;
const auditOf = (lotId: number) =>
  tp.database.db.select().from(auditEvents).where(eq(auditEvents.lotId, lotId)).orderBy(asc(auditEvents.id));
const documentOf = (lotId: number, who: Actor | undefined) =>
  tp.call('GET', `/api/lots/${lotId}/documents/suspension`, { token: who?.token });
const payload = (jws: Json) => JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'));

describe('the rules', () => {
  const at = (iso: string) => new Date(iso);
  const lot = { startsAt: at('2026-01-01T10:00:00Z'), endsAt: at('2026-01-01T11:00:00Z') };
  it('suspends only while bidding is under way', () => {
    expect(refuseSuspension({ ...lot, status: 'live' }, at('2026-01-01T10:30:00Z'))).toBeUndefined();
    // Scheduled but started: live by the clock.
    expect(refuseSuspension({ ...lot, status: 'scheduled' }, at('2026-01-01T10:00:00Z'))).toBeUndefined();
    expect(refuseSuspension({ ...lot, status: 'scheduled' }, at('2026-01-01T09:59:59Z'))).toMatchObject({
      reason: 'lot_not_suspendable',
      params: { status: 'scheduled' },
    });
    expect(refuseSuspension({ ...lot, status: 'live' }, at('2026-01-01T11:00:00Z'))).toMatchObject({
      reason: 'bidding_ended',
    });
    for (const status of ['draft', 'suspended', 'closed', 'failed', 'cancelled'] as const)
      expect(refuseSuspension({ ...lot, status }, at('2026-01-01T10:30:00Z'))).toMatchObject({
        reason: 'lot_not_suspendable',
        params: { status },
      });
  });
  it('re-runs only a suspended lot, once', () => {
    const now = at('2026-01-01T10:30:00Z');
    expect(refuseRerun({ ...lot, status: 'suspended', rerunAs: null }, now)).toBeUndefined();
    expect(refuseRerun({ ...lot, status: 'scheduled', rerunAs: null }, now)).toMatchObject({
      reason: 'lot_not_suspended',
      params: { status: 'live' },
    });
    expect(refuseRerun({ ...lot, status: 'cancelled', rerunAs: 7 }, now)).toMatchObject({
      reason: 'lot_already_rerun',
      params: { rerunAs: 7 },
    });
  });
  it('refuses every bid on a suspended lot as lot_suspended (LOT_NOT_LIVE)', () => {
    expect(notOpen({ status: 'suspended', startsAt: lot.startsAt }, at('2026-01-01T10:30:00Z'))).toMatchObject({
      code: 'LOT_NOT_LIVE',
      reason: 'lot_suspended',
    });
  });
});

describe('who may suspend, and bad requests', () => {
  let lot: Json;
  let bidders: Registered[];
  beforeAll(async () => {
    ({ lot, bidders } = await liveLot(t(), manager, await people(2)));
  });

  it('refuses bidders, other managers and strangers, changing nothing', async () => {
    const before = (await auditOf(lot.id)).length;
    expect((await suspend(lot.id, undefined)).status).toBe(401);
    const asBidder = await suspend(lot.id, bidders[0]);
    expect(asBidder.status).toBe(403);
    const asOther = await suspend(lot.id, otherManager);
    expect(asOther.status).toBe(403);
    expect(asOther.json.error).toMatchObject({ code: 'FORBIDDEN', reason: 'not_lot_staff' });
    // Another manager learns nothing of the body's rules either.
    expect((await suspend(lot.id, otherManager, { reason: '' })).status).toBe(403);
    expect((await getLot(lot.id)).status).toBe('live');
    expect(await auditOf(lot.id)).toHaveLength(before);
  });

  it('refuses an empty, missing or malformed reason with 422, changing nothing', async () => {
    const before = (await auditOf(lot.id)).length;
    for (const body of [{ reason: '' }, { reason: '   ' }, {}, { reason: 5 }, { reason: 'x', extra: 1 }]) {
      const res = await suspend(lot.id, manager, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
    const nul = await suspend(lot.id, manager, { reason: 'a\u0000b' });
    expect(nul.status).toBe(422);
    const bodiless = await tp.call('POST', `/api/lots/${lot.id}/suspend`, { token: manager.token });
    expect([400, 415, 422]).toContain(bodiless.status);
    expect((await getLot(lot.id)).status).toBe('live');
    expect(await auditOf(lot.id)).toHaveLength(before);
    expect((await bid(lot.id, bidders[0], 40_000_000)).status).toBe(201);
  });

  it('refuses a lot whose bidding is not under way with 409', async () => {
    const upcoming = await publishedLot(tp.call, manager, lotBody(clock.now()));
    const res = await suspend(upcoming.id, manager);
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ reason: 'lot_not_suspendable', params: { status: 'scheduled' } });
    const draft = (await tp.call('POST', '/api/lots', { token: manager.token, body: lotBody(clock.now()) })).json;
    expect((await suspend(draft.id, manager)).json.error).toMatchObject({
      reason: 'lot_not_suspendable',
      params: { status: 'draft' },
    });
    // A draft does not exist for another manager.
    expect((await suspend(draft.id, otherManager)).status).toBe(404);
    expect((await suspend(99_999_999, regulator)).status).toBe(404);
    expect((await getLot(upcoming.id)).status).toBe('scheduled');
  });

  it('lets a regulator suspend, once; the lot is then refused again with 409', async () => {
    const res = await suspend(lot.id, regulator, { reason: '  Bids were not being recorded  ' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: lot.id,
      status: 'suspended',
      suspensionReason: 'Bids were not being recorded',
      suspendedAt: clock.now().toISOString(),
      biddingOpen: false,
      ended: false,
      rerunOf: null,
      rerunAs: null,
      managerActions: { suspend: false, rerun: true },
    });
    const again = await suspend(lot.id, manager);
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ reason: 'lot_not_suspendable', params: { status: 'suspended' } });
    const refused = await bid(lot.id, bidders[1], 45_000_000);
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: 'LOT_NOT_LIVE', reason: 'lot_suspended' });
    const withdraw = await tp.call('POST', `/api/lots/${lot.id}/bids/1/withdraw`, { token: bidders[0].token });
    expect(withdraw.status).toBe(409);
    expect(withdraw.json.error.code).toBe('LOT_NOT_LIVE');
  });

  it('lets the manager and an admin suspend', async () => {
    for (const who of [manager, admin]) {
      const { lot: other } = await liveLot(t(), manager, await people(1));
      const res = await suspend(other.id, who);
      expect(res.status).toBe(200);
      expect(res.json.status).toBe('suspended');
      const doc = payload((await documentOf(other.id, manager)).json);
      expect(doc.by.role).toBe(who === manager ? 'manager' : 'admin');
    }
  });

  it('lets only the manager or an admin re-run', async () => {
    const body = {
      startsAt: new Date(clock.now().getTime() + 60 * MIN).toISOString(),
      endsAt: new Date(clock.now().getTime() + 120 * MIN).toISOString(),
    };
    for (const who of [regulator, otherManager, bidders[0]]) {
      const res = await rerun(lot.id, who, body);
      expect(res.status).toBe(403);
    }
    expect((await rerun(lot.id, regulator, body)).json.error.reason).toBe('role_required');
    expect((await rerun(lot.id, otherManager, body)).json.error.reason).toBe('not_lot_manager_or_admin');
    expect((await rerun(lot.id, undefined, body)).status).toBe(401);
    expect((await getLot(lot.id)).status).toBe('suspended');
    const byAdmin = await rerun(lot.id, admin, body);
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.json.rerunOf).toBe(lot.id);
  });
});

describe('a suspension in the middle of a bid storm', () => {
  let lot: Json;
  let control: Json;
  let bidders: Registered[];
  let suspended: Json;
  const answers: { status: number; json: Json; amount: number; code: string; afterSuspension: boolean }[] = [];

  beforeAll(async () => {
    const body = lotBody(clock.now());
    lot = await publishedLot(tp.call, manager, body);
    // A lot with the same times, not suspended: the scheduler's witness.
    control = await publishedLot(tp.call, manager, { ...body, title: 'Control lot' });
    bidders = await registerAndApprove(tp.call, manager, lot.id, await people(6));
    clock.set(Date.parse(lot.startsAt));
    let amount = 40_000_000;
    let answered: Json | undefined;
    const storm = bidders.map(async (b) => {
      let after = 0;
      for (let i = 0; i < 60 && after < 4; i++) {
        const afterSuspension = answered !== undefined;
        if (afterSuspension) after++;
        const mine = (amount += 5_000_000);
        const res = await bid(lot.id, b, mine);
        answers.push({ status: res.status, json: res.json, amount: mine, code: b.bidderCode, afterSuspension });
      }
    });
    // Suspended while the bids are flowing: once the storm has got going, without waiting for it.
    const suspension = (async () => {
      await eventually(async () => (answers.length >= 30 ? true : undefined), 'the storm to get going');
      const res = await suspend(lot.id, manager, { reason: 'Overload: 1,200 bids shed in one minute' });
      answered = res.json;
      return res;
    })();
    const [res] = await Promise.all([suspension, ...storm]);
    expect(res.status).toBe(200);
    suspended = res.json;
  });

  it('answers every bid (accepted or refused, never a 5xx) and accepts some before the suspension', () => {
    expect(answers.filter((a) => a.status !== 201 && a.status !== 409)).toEqual([]);
    expect(answers.filter((a) => a.status === 201).length).toBeGreaterThan(0);
    expect(suspended.status).toBe('suspended');
  });

  it('accepts no bid after the suspension', () => {
    const after = answers.filter((a) => a.afterSuspension);
    expect(after.length).toBeGreaterThanOrEqual(bidders.length);
    for (const a of after) {
      expect(a.status).toBe(409);
      expect(a.json.error).toMatchObject({ code: 'LOT_NOT_LIVE', reason: 'lot_suspended' });
    }
  });

  it('has every acknowledged bid in the ledger its signed document names, and nothing after it', async () => {
    const ledger = await readLedger(tp.call, lot.id);
    const doc = payload((await documentOf(lot.id, manager)).json);
    expect(brokenLink(ledger)).toBe(-1);
    expect(doc.ledger.seq).toBe(ledger.length);
    expect(doc.ledger.seq).toBe(ledger.at(-1)?.seq ?? 0);
    expect(doc.ledger.lastHash).toBe(ledger.at(-1)?.hash);
    expect(doc.ledger.bidCount).toBe(ledger.filter((e) => e.kind === 'bid').length);
    const accepted = answers.filter((a) => a.status === 201);
    // Every acknowledgement is an entry, and every entry was acknowledged.
    expect(accepted.map((a) => a.json.seq).sort((x, y) => x - y)).toEqual(ledger.map((e) => e.seq));
    for (const a of accepted) {
      const entry = ledger.find((e) => e.seq === a.json.seq);
      expect(entry).toMatchObject({ amount: a.amount, bidderCode: a.code, kind: 'bid' });
      expect(Date.parse(entry.placedAt)).toBeLessThanOrEqual(Date.parse(doc.suspendedAt));
    }
    expect((await lotStanding(tp.database.db, lot.id)).seq).toBe(doc.ledger.seq);
    // A bid now, from anyone, is still refused.
    expect((await bid(lot.id, bidders[0], 999_000_000_000)).json.error.reason).toBe('lot_suspended');
  });

  it('tells everyone: one `lot` event with reason suspended', () => {
    const told = lotEvents.filter((e) => e.lotId === lot.id && e.reason === 'suspended');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      status: 'suspended',
      biddingOpen: false,
      minNextBid: null,
      ended: false,
      suspensionReason: 'Overload: 1,200 bids shed in one minute',
      suspendedAt: suspended.suspendedAt,
    });
  });

  it('is neither closed nor moved on by the scheduler past its end', async () => {
    clock.set(Date.parse(lot.endsAt) + 5 * MIN);
    expect(await dueLots(tp.platform.ctx)).not.toContain(lot.id);
    await eventually(async () => {
      const s = (await getLot(control.id)).status;
      return s === 'closed' || s === 'failed' ? s : undefined;
    }, 'the control lot to close');
    const after = await getLot(lot.id);
    expect(after.status).toBe('suspended');
    expect(after.closedAt).toBeNull();
    const actions = (await auditOf(lot.id)).map((e) => e.action);
    expect(actions).toContain('lot.suspended');
    expect(actions.filter((a) => ['lot.closed', 'lot.failed', 'lot.cancelled'].includes(a))).toEqual([]);
  });
});

describe('the suspension document', () => {
  let lot: Json;
  let bidders: Registered[];
  let stranger: Actor;
  beforeAll(async () => {
    ({ lot, bidders } = await liveLot(t(), manager, await people(2)));
    expect((await bid(lot.id, bidders[0], 40_000_000)).status).toBe(201);
    expect((await bid(lot.id, bidders[1], 45_000_000)).status).toBe(201);
    expect((await suspend(lot.id, regulator, { reason: 'The bid service stopped answering' })).status).toBe(200);
    stranger = (await people(1))[0];
  });

  it('verifies against the published keys and names the ledger, the reason, who and the audit entry', async () => {
    const res = await documentOf(lot.id, regulator);
    expect(res.status).toBe(200);
    const jwks = (await tp.call('GET', '/api/.well-known/jwks.json')).json as Jwks;
    const check = await verifyJws(res.json, jwks, 'suspension+json');
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    const doc = SuspensionSchema.parse(JSON.parse(new TextDecoder().decode(check.payload)));
    const ledger = await readLedger(tp.call, lot.id);
    const [audit] = (await auditOf(lot.id)).filter((e) => e.action === 'lot.suspended');
    expect(doc).toMatchObject({
      type: 'suspension',
      version: 1,
      lot: { id: lot.id, title: lot.title },
      ledger: { seq: 2, lastHash: ledger[1].hash, bidCount: 2 },
      reason: 'The bid service stopped answering',
      by: { role: 'regulator', personHash: personHash(regulator.pid) },
      audit: { id: audit.id, hash: audit.hash },
    });
    expect(doc.suspendedAt).toBe((await getLot(lot.id)).suspendedAt);
    expect(JSON.stringify(doc)).not.toContain(regulator.pid);
    // Another content type, or a changed payload, does not verify.
    expect((await verifyJws(res.json, jwks, 'auction-record+json')).ok).toBe(false);
    const altered = { ...doc, reason: 'Nothing happened' };
    const forged = { ...res.json, payload: Buffer.from(JSON.stringify(altered)).toString('base64url') };
    expect(await verifyJws(forged, jwks, 'suspension+json')).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
  });

  it('is for the manager, regulators, admins and the registrants only', async () => {
    for (const who of [manager, regulator, admin, bidders[0]])
      expect((await documentOf(lot.id, who)).status, who.pid).toBe(200);
    expect((await documentOf(lot.id, undefined)).status).toBe(401);
    for (const who of [otherManager, stranger]) {
      const res = await documentOf(lot.id, who);
      expect(res.status).toBe(403);
      expect(res.json.error.reason).toBe('not_lot_participant');
    }
  });

  it('does not exist for a lot never suspended', async () => {
    const { lot: other } = await liveLot(t(), manager, await people(1));
    const res = await documentOf(other.id, manager);
    expect(res.status).toBe(404);
    expect(res.json.error.reason).toBe('suspension_not_found');
  });
});

describe('the re-run', () => {
  let lot: Json;
  let approved: Registered[];
  let pending: Registered;
  let fresh: Json;
  const window = () => ({
    startsAt: new Date(clock.now().getTime() + 60 * MIN).toISOString(),
    endsAt: new Date(clock.now().getTime() + 120 * MIN).toISOString(),
  });

  beforeAll(async () => {
    const [a, b, c, d] = await people(4);
    lot = await publishedLot(
      tp.call,
      manager,
      lotBody(clock.now(), { province: 'ha-noi', softClose: { windowSeconds: 60, extendSeconds: 120 } }),
    );
    approved = await registerAndApprove(tp.call, manager, lot.id, [a, b, c]);
    [pending] = await registerAndApprove(tp.call, manager, lot.id, [d], { approve: false });
    clock.set(Date.parse(lot.startsAt));
    expect((await bid(lot.id, approved[0], 40_000_000)).status).toBe(201);
    expect((await bid(lot.id, approved[1], 45_000_000)).status).toBe(201);
    // The third approved bidder never bid on it: carried over all the same.
    expect((await suspend(lot.id, manager, { reason: 'Database failover lost acknowledgements' })).status).toBe(200);
  });

  it('refuses a bad window with 422 and a lot not suspended with 409, changing nothing', async () => {
    const lotCount = (await tp.database.db.select({ id: lots.id }).from(lots)).length;
    const now = clock.now().getTime();
    const bad: [unknown, string][] = [
      [{ startsAt: new Date(now - MIN).toISOString(), endsAt: new Date(now + 60 * MIN).toISOString() }, 'startsAt'],
      [{ startsAt: new Date(now).toISOString(), endsAt: new Date(now + 60 * MIN).toISOString() }, 'startsAt'],
      [{ startsAt: new Date(now + 60 * MIN).toISOString(), endsAt: new Date(now + 30 * MIN).toISOString() }, 'endsAt'],
      [{ startsAt: new Date(now + 60 * MIN).toISOString() }, 'endsAt'],
      [{ endsAt: new Date(now + 60 * MIN).toISOString() }, 'startsAt'],
      [{ startsAt: 'tomorrow', endsAt: new Date(now + 60 * MIN).toISOString() }, 'startsAt'],
      [{ ...window(), deposit: 1 }, '_'],
    ];
    for (const [body, field] of bad) {
      const res = await rerun(lot.id, manager, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys(res.json.error.fieldErrors ?? {}), JSON.stringify(body)).toContain(field);
    }
    const { lot: live } = await liveLot(t(), manager, await people(1));
    const notSuspended = await rerun(live.id, manager, window());
    expect(notSuspended.status).toBe(409);
    expect(notSuspended.json.error).toMatchObject({ reason: 'lot_not_suspended', params: { status: 'live' } });
    expect((await tp.database.db.select({ id: lots.id }).from(lots)).length).toBe(lotCount + 1);
    expect((await getLot(lot.id)).status).toBe('suspended');
  });

  it('schedules a new lot with the same terms, linked both ways; the old one cancelled', async () => {
    const before = lotEvents.length;
    const w = window();
    const res = await rerun(lot.id, manager, w);
    expect(res.status).toBe(201);
    fresh = res.json;
    const old = await getLot(lot.id);
    expect(fresh).toMatchObject({
      status: 'scheduled',
      rerunOf: lot.id,
      rerunAs: null,
      title: lot.title,
      description: lot.description,
      category: lot.category,
      province: 'ha-noi',
      method: lot.method,
      startingPrice: lot.startingPrice,
      priceStep: lot.priceStep,
      deposit: lot.deposit,
      softClose: { windowSeconds: 60, extendSeconds: 120 },
      rules: lot.rules,
      rulesVersion: lot.rulesVersion,
      startsAt: w.startsAt,
      endsAt: w.endsAt,
      scheduledEndsAt: w.endsAt,
      registrationOpen: false,
      bidCount: 0,
      seq: 0,
      currentPrice: null,
    });
    expect(fresh.id).not.toBe(lot.id);
    expect(Date.parse(fresh.registrationClosesAt)).toBeLessThanOrEqual(clock.now().getTime());
    expect(old).toMatchObject({
      status: 'cancelled',
      ended: true,
      rerunAs: fresh.id,
      suspensionReason: 'Database failover lost acknowledgements',
      managerActions: { rerun: false, suspend: false },
    });
    expect(old.cancelReason).toContain('Database failover lost acknowledgements');
    expect(old.cancelReason).toContain(String(fresh.id));
    const told = lotEvents.slice(before);
    expect(told.find((e) => e.lotId === lot.id)).toMatchObject({ reason: 'cancelled', rerunAs: fresh.id });
    expect(told.find((e) => e.lotId === fresh.id)).toMatchObject({ reason: 'published', rerunOf: lot.id });
    // Audited on both lots; the old lot's result notice asked for.
    const oldActions = (await auditOf(lot.id)).map((e) => e.action);
    expect(
      oldActions.filter((a) => ['lot.rerun_scheduled', 'lot.cancelled', 'deposit.settled', 'lot.closed'].includes(a)),
    ).toEqual(['lot.rerun_scheduled', 'lot.cancelled', 'deposit.settled']);
    const newAudit = await auditOf(fresh.id);
    expect(newAudit.map((e) => e.action)).toEqual([
      'lot.created',
      'lot.published',
      ...approved.flatMap(() => ['registration.created', 'registration.approved']),
    ]);
    expect(newAudit[0].data).toMatchObject({ rerunOf: lot.id });
    const notices = await tp.database.db.select().from(jobs).where(eq(jobs.kind, RESULT_NOTICE_JOB));
    expect(notices.some((j) => j.payload.lotId === lot.id)).toBe(true);
    // On the suspended lot the carried registrations show their deposit carried; each person is told.
    const oldRegs = await tp.database.db.select().from(registrations).where(eq(registrations.lotId, lot.id));
    expect(oldRegs.filter((r) => r.status === 'approved').every((r) => r.depositState === 'carried')).toBe(true);
    const told2 = await tp.database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.kind, 'lot_rerun'), eq(notifications.lotId, fresh.id)));
    expect(told2.map((n) => n.pid).sort()).toEqual(
      oldRegs
        .filter((r) => r.status === 'approved')
        .map((r) => r.pid)
        .sort(),
    );
  });

  it('refuses a second re-run with 409', async () => {
    const res = await rerun(lot.id, manager, window());
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ reason: 'lot_already_rerun', params: { rerunAs: fresh.id } });
    expect(await tp.database.db.select({ id: lots.id }).from(lots).where(eq(lots.rerunOf, lot.id))).toHaveLength(1);
  });

  it('carries every approved registration, with its code and its deposit, and nobody else', async () => {
    const copies = await tp.database.db
      .select()
      .from(registrations)
      .where(eq(registrations.lotId, fresh.id))
      .orderBy(asc(registrations.id));
    expect(copies.map((r) => [r.pid, r.bidderCode, r.status, r.depositState])).toEqual(
      approved.map((a) => [personKey(a.pid), a.bidderCode, 'approved', 'received']),
    );
    for (const [i, a] of approved.entries()) {
      const [deposit] = await tp.database.db
        .select()
        .from(payments)
        .where(and(eq(payments.registrationId, copies[i].id), eq(payments.kind, 'deposit')));
      expect(deposit).toMatchObject({ lotId: fresh.id, state: 'paid', received: lot.deposit, amount: lot.deposit });
      // The same payment as the registrant was given on the original lot: no new transfer.
      const [original] = await tp.database.db
        .select({ id: registrations.id })
        .from(registrations)
        .where(and(eq(registrations.lotId, lot.id), eq(registrations.pid, personKey(a.pid))));
      expect(await tp.database.db.select().from(payments).where(eq(payments.registrationId, original.id))).toHaveLength(
        0,
      );
      const mine = await tp.call('GET', '/api/me/registrations', { token: a.token });
      expect(mine.status).toBe(200);
    }
    // Nothing refunded on the old lot for them; both money trails add up.
    expect(await tp.database.db.select().from(refunds).where(eq(refunds.lotId, lot.id))).toEqual([]);
    for (const id of [lot.id, fresh.id]) {
      const trail = await tp.call('GET', `/api/lots/${id}/money`, { token: manager.token });
      expect(trail.status).toBe(200);
      expect(trail.json).toMatchObject({ balanced: true, problems: [] });
    }
    const freshTrail = (await tp.call('GET', `/api/lots/${fresh.id}/money`, { token: manager.token })).json;
    expect(freshTrail.payments).toHaveLength(approved.length);
  });

  it('takes no registration: the re-run is for the registrants of the original lot', async () => {
    const [newcomer] = await people(1);
    for (const who of [newcomer, pending]) {
      const res = await tp.call('POST', `/api/lots/${fresh.id}/registrations`, { token: who.token, body: {} });
      expect(res.status).toBe(409);
      expect(res.json.error.reason).toBe('registration_closed');
    }
  });

  it('lets the carried registrants bid when it opens, and nobody else', async () => {
    expect((await bid(fresh.id, approved[0], 40_000_000)).json.error.reason).toBe('bidding_not_open');
    clock.set(Date.parse(fresh.startsAt));
    const first = await bid(fresh.id, approved[1], 40_000_000);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ seq: 1, bidderCode: approved[1].bidderCode });
    expect((await bid(fresh.id, approved[2], 45_000_000)).status).toBe(201);
    expect((await bid(fresh.id, approved[0], 50_000_000)).status).toBe(201);
    const [newcomer] = await people(1);
    for (const who of [pending, newcomer]) {
      const res = await bid(fresh.id, who, 60_000_000);
      expect(res.status).toBe(403);
      expect(res.json.error).toMatchObject({ code: 'NOT_APPROVED', reason: 'not_registered' });
    }
    expect((await bid(fresh.id, manager, 60_000_000)).status).toBe(403);
    expect((await readLedger(tp.call, fresh.id)).map((e) => e.bidderCode)).toEqual([
      approved[1].bidderCode,
      approved[2].bidderCode,
      approved[0].bidderCode,
    ]);
  });

  it('closes with the carried deposits settled as any others, and both records issue', async () => {
    clock.set(Date.parse(fresh.endsAt) + 5_000);
    const result = await eventually(async () => {
      const r = (await tp.call('GET', `/api/lots/${fresh.id}/result`)).json;
      return r.status === 'closed' ? r : undefined;
    }, 're-run to close');
    expect(result).toMatchObject({ winnerBidderCode: approved[0].bidderCode, finalPrice: 50_000_000 });
    const byCode = new Map(
      (
        await tp.database.db
          .select({ code: registrations.bidderCode, state: payments.state })
          .from(payments)
          .innerJoin(registrations, eq(registrations.id, payments.registrationId))
          .where(and(eq(payments.lotId, fresh.id), eq(payments.kind, 'deposit')))
      ).map((r) => [r.code, r.state]),
    );
    expect(byCode.get(approved[0].bidderCode)).toBe('retained');
    expect(byCode.get(approved[1].bidderCode)).toBe('refund_due');
    expect(byCode.get(approved[2].bidderCode)).toBe('refund_due');
    expect(await tp.database.db.select().from(refunds).where(eq(refunds.lotId, fresh.id))).toHaveLength(2);
    for (const id of [lot.id, fresh.id]) {
      const record = await tp.call('GET', `/api/records/lots/${id}?format=json`, { token: regulator.token });
      expect(record.status, record.text).toBe(200);
    }
  });
});

describe('a suspended descending lot', () => {
  it('is not announced, flipped or closed by the scheduler, and re-runs on its own schedule', async () => {
    const { lot } = await liveLot(t(), manager, await people(1), {
      method: 'descending',
      intervalSeconds: 60,
      floorPrice: 20_000_000,
      endsAt: undefined,
    });
    expect((await suspend(lot.id, manager)).status).toBe(200);
    clock.advance(5 * MIN);
    const seen = new Map<number, number>();
    await announcePrices(tp.platform.ctx, seen);
    expect(seen.has(lot.id)).toBe(false);
    clock.set(Date.parse(lot.endsAt) + MIN);
    expect(await dueLots(tp.platform.ctx)).not.toContain(lot.id);
    const startsAt = new Date(clock.now().getTime() + 30 * MIN);
    const res = await rerun(lot.id, manager, { startsAt: startsAt.toISOString() });
    expect(res.status).toBe(201);
    const span = Date.parse(lot.endsAt) - Date.parse(lot.startsAt);
    expect(res.json).toMatchObject({ method: 'descending', intervalSeconds: 60, floorPrice: 20_000_000 });
    expect(Date.parse(res.json.endsAt) - startsAt.getTime()).toBe(span);
  });
});
