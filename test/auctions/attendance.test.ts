// Attendance (issue 18; server/attendance): a registered bidder is present from their first signed-in
// watch, page view or bid in the bidding window; at the close approved bidders never present forfeit
// their deposits (Art. 39), unless the lot had a technical fault (shed bids, a suspension): then they
// are held for the manager's decision (forfeit or excuse). The record lists attendance and still
// verifies; a record whose no-show states contradict the chain does not.
import { personKey } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { execFileSync, spawnSync } from 'node:child_process';
import type { Json } from '../support/json.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { lots, payments, refunds, registrations, shedBids } from '../../db/schema.ts';
import { presenceOf, PRESENCE_COARSE_MS } from '../../server/attendance/presence.ts';
import { writeFaultsBeforeClose } from '../../server/attendance/no-shows.ts';
import { recordProblem } from '../../server/records/verify.ts';
import { AuctionRecordSchema, type AuctionRecord } from '../../server/records/record-format.ts';
import { connect, request, type ClientSocket } from '../realtime/support.ts';
import { eventually, lotBody, person, publishedLot, type Actor } from './factories.ts';
import { auditOf, noticesOf, registrationRow, SECRET, sendNotification } from '../payments/support.ts';

const MIN = 60_000;
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let tp: TestPlatform;
let manager: Actor;
let otherManager: Actor;
let regulator: Actor;
let admin: Actor;
let tx = 0;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  const adminPid = newPid();
  tp = await startTestPlatform({ clock, env: { PAYMENT_WEBHOOK_SECRET: SECRET, ADMIN_PIDS: adminPid } });
  admin = { pid: adminPid, token: await tp.idp.token({ sub: adminPid, loa: 2 }) };
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  otherManager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  regulator = await person(tp.idp, tp.database.db, { roles: ['regulator'] });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await tp?.stop();
});

interface Bidder extends Actor {
  registrationId: number;
  bidderCode: string;
  reference: string;
}

const people = (n: number): Promise<Actor[]> => Promise.all(Array.from({ length: n }, () => person(tp.idp, undefined)));

/** A lot registered by everyone; `approved` of them pay their deposit through the bank (approved). */
async function registeredLot(t: TestPlatform, bidders: Actor[], opts: { approved?: number; manager?: Actor } = {}) {
  const lot = await publishedLot(t.call, opts.manager ?? manager, lotBody(clock.now()));
  const out: Bidder[] = [];
  for (const [i, b] of bidders.entries()) {
    const reg = await t.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token, body: {} });
    expect(reg.status, reg.text).toBe(201);
    if (i < (opts.approved ?? bidders.length)) {
      const paid = await sendNotification(t, clock, {
        transactionId: `FT-ATT-${++tx}`,
        reference: `DAU GIA ${reg.json.payment.reference}`,
        amount: lot.deposit,
        paidAt: clock.now().toISOString(),
      });
      expect(paid.json).toMatchObject({ outcome: 'accepted' });
    }
    out.push({
      ...b,
      registrationId: reg.json.id,
      bidderCode: reg.json.bidderCode,
      reference: reg.json.payment.reference,
    });
  }
  return { lot, bidders: out };
}

const toStart = (lot: Json, plusMs = 0): void => clock.set(Date.parse(lot.startsAt) + plusMs);

async function closeAtEnd(t: TestPlatform, lot: Json): Promise<Json> {
  clock.set(Date.parse(lot.endsAt) + 2_000);
  return eventually(async () => {
    const r = (await t.call('GET', `/api/lots/${lot.id}/result`)).json;
    return r.status === 'closed' || r.status === 'failed' ? r : undefined;
  }, `lot ${lot.id} to close`);
}

async function watch(t: TestPlatform, who: Actor, lotId: number): Promise<ClientSocket> {
  const s = await connect(t.base, { token: who.token });
  sockets.push(s);
  expect(await request(s, 'watch', { lotId })).toMatchObject({ ok: true });
  return s;
}

const bidHttp = async (lotId: number, who: Actor, amount: number) =>
  expect((await tp.call('POST', `/api/lots/${lotId}/bids`, { token: who.token, body: { amount } })).status).toBe(201);

const attendance = async (lotId: number, who: Actor = manager) => {
  const res = await tp.call('GET', `/api/lots/${lotId}/attendance`, { token: who.token });
  expect(res.status, res.text).toBe(200);
  return res.json;
};
const entryOf = (a: Json, b: Bidder) => a.items.find((i: Json) => i.bidderCode === b.bidderCode);
const depositOf = async (t: TestPlatform, b: Bidder) =>
  (await t.database.db.select().from(payments).where(eq(payments.reference, b.reference)))[0];
const refundsOf = async (t: TestPlatform, paymentId: number) =>
  t.database.db.select().from(refunds).where(eq(refunds.paymentId, paymentId));
const kinds = async (t: TestPlatform, who: Actor) => (await noticesOf(t, who.pid)).map((n) => n.kind);
const iso = (lot: Json, plusMs: number): string => new Date(Date.parse(lot.startsAt) + plusMs).toISOString();

async function signedRecord(t: TestPlatform, lotId: number): Promise<{ jws: Json; record: AuctionRecord }> {
  const res = await t.call('GET', `/api/records/lots/${lotId}?format=json`, { token: regulator.token });
  expect(res.status, res.text).toBe(200);
  const record = AuctionRecordSchema.parse(JSON.parse(Buffer.from(res.json.payload, 'base64url').toString('utf8')));
  return { jws: res.json, record };
}

describe('presence and no-shows at the close', () => {
  let lot: Json;
  let watcher: Bidder, viewer: Bidder, httpBidder: Bidder, socketBidder: Bidder, silent: Bidder, early: Bidder;
  let pending: Bidder;

  beforeAll(async () => {
    const registered = await registeredLot(tp, await people(7), { approved: 6 });
    lot = registered.lot;
    [watcher, viewer, httpBidder, socketBidder, silent, early, pending] = registered.bidders;
    // Before the window: a page view and a watch, which do not count.
    clock.set(Date.parse(lot.startsAt) - MIN);
    expect((await tp.call('GET', `/api/lots/${lot.id}`, { token: early.token })).status).toBe(200);
    (await watch(tp, early, lot.id)).close();
    toStart(lot, 1 * MIN);
    (await watch(tp, watcher, lot.id)).close();
    toStart(lot, 2 * MIN);
    expect((await tp.call('GET', `/api/lots/${lot.id}`, { token: viewer.token })).status).toBe(200);
    toStart(lot, 3 * MIN);
    await bidHttp(lot.id, httpBidder, 40_000_000);
    toStart(lot, 4 * MIN);
    // A bid over the socket, without ever watching the lot.
    const s = await connect(tp.base, { token: socketBidder.token });
    sockets.push(s);
    expect(await request(s, 'bid', { lotId: lot.id, amount: 45_000_000 })).toMatchObject({ ok: true });
    s.close();
    toStart(lot, 40 * MIN);
    (await watch(tp, watcher, lot.id)).close();
    expect(await closeAtEnd(tp, lot)).toMatchObject({ status: 'closed', winnerBidderCode: socketBidder.bidderCode });
  });

  it('counts a watch, a page view and a bid (HTTP or socket) in the window as presence', async () => {
    const a = await attendance(lot.id);
    expect(entryOf(a, watcher)).toMatchObject({
      firstSeenAt: iso(lot, 1 * MIN),
      lastSeenAt: iso(lot, 40 * MIN),
      bidsPlaced: 0,
      noShow: null,
      decisionPending: false,
    });
    expect(entryOf(a, viewer)).toMatchObject({ firstSeenAt: iso(lot, 2 * MIN), bidsPlaced: 0, noShow: null });
    expect(entryOf(a, httpBidder)).toMatchObject({ firstSeenAt: iso(lot, 3 * MIN), bidsPlaced: 1, noShow: null });
    expect(entryOf(a, socketBidder)).toMatchObject({ firstSeenAt: iso(lot, 4 * MIN), bidsPlaced: 1, noShow: null });
    expect(a).toMatchObject({ lotId: lot.id, forfeitPolicy: true });
  });

  it('makes a silent approved bidder and one seen only before the window no-shows who forfeit', async () => {
    const a = await attendance(lot.id);
    for (const b of [silent, early]) {
      expect(entryOf(a, b)).toMatchObject({ firstSeenAt: null, lastSeenAt: null, noShow: 'forfeited' });
      expect((await registrationRow(tp, b.registrationId)).depositState).toBe('forfeited');
      expect((await depositOf(tp, b)).state).toBe('forfeited');
      expect(await kinds(tp, b)).toContain('no_show_forfeited');
      expect(await kinds(tp, b)).not.toContain('refund_due');
    }
    // A registration never approved is not a no-show; nor is anyone who attended.
    expect(entryOf(a, pending)).toMatchObject({ noShow: null, firstSeenAt: null });
    for (const b of [watcher, viewer, httpBidder]) {
      expect((await depositOf(tp, b)).state).toBe('refund_due');
      expect(await kinds(tp, b)).not.toContain('no_show_forfeited');
    }
    expect((await depositOf(tp, socketBidder)).state).toBe('retained');
  });

  it('audits the no-shows by bidder code, with no personal id', async () => {
    const [event] = (await auditOf(tp, 'attendance.no_show')).filter((e) => e.lotId === lot.id);
    expect(event.data).toEqual({
      bidderCodes: [silent.bidderCode, early.bidderCode],
      state: 'forfeited',
      forfeitPolicy: true,
      forceMajeure: null,
    });
    expect(event.actorPid).toBeNull();
    const text = JSON.stringify(event.data);
    for (const b of [silent, early]) expect(text).not.toContain(b.pid);
    const [settled] = (await auditOf(tp, 'deposit.settled')).filter((e) => e.lotId === lot.id);
    expect((settled.data as Json).forfeited).toEqual([silent.registrationId, early.registrationId]);
  });

  it('keeps the money trail balanced', async () => {
    const res = await tp.call('GET', `/api/lots/${lot.id}/money`, { token: manager.token });
    expect(res.json).toMatchObject({ balanced: true, totals: { forfeited: 2 * lot.deposit } });
  });

  it('lists attendance in the signed record, which verifies', async () => {
    const { jws, record } = await signedRecord(tp, lot.id);
    const byCode = new Map(record.attendance!.map((x) => [x.bidderCode, x]));
    expect(record.attendance).toHaveLength(7);
    expect(byCode.get(watcher.bidderCode)).toEqual({
      bidderCode: watcher.bidderCode,
      firstSeenAt: iso(lot, 1 * MIN),
      lastSeenAt: iso(lot, 40 * MIN),
      bidsPlaced: 0,
      noShow: null,
    });
    expect(byCode.get(socketBidder.bidderCode)).toMatchObject({ bidsPlaced: 1, firstSeenAt: iso(lot, 4 * MIN) });
    expect(byCode.get(silent.bidderCode)).toMatchObject({ firstSeenAt: null, bidsPlaced: 0, noShow: 'forfeited' });
    const verdict = await tp.call('POST', '/api/records/verify', { raw: JSON.stringify(jws) });
    expect(verdict.json).toMatchObject({ valid: true, signed: true });
  });

  it('finds a record whose attendance contradicts its ledger or chained history', async () => {
    const { record } = await signedRecord(tp, lot.id);
    const at = (code: string) => record.attendance!.findIndex((x) => x.bidderCode === code);
    const tampered = (change: (r: AuctionRecord) => void): string | undefined => {
      const copy = structuredClone(record);
      change(copy);
      return recordProblem(copy)?.code;
    };
    expect(recordProblem(record)).toBeUndefined();
    expect(tampered((r) => (r.attendance![at(silent.bidderCode)].noShow = null))).toBe(
      'ATTENDANCE_NO_SHOW_NOT_CHAINED',
    );
    expect(tampered((r) => (r.attendance![at(watcher.bidderCode)].noShow = 'excused'))).toBe(
      'ATTENDANCE_NO_SHOW_PRESENT',
    );
    expect(tampered((r) => (r.attendance![at(httpBidder.bidderCode)].bidsPlaced = 2))).toBe('ATTENDANCE_BIDS_MISMATCH');
    expect(
      tampered(
        (r) =>
          (r.attendance![at(viewer.bidderCode)].firstSeenAt = new Date(Date.parse(lot.startsAt) - 1).toISOString()),
      ),
    ).toBe('ATTENDANCE_TIMES_INVALID');
    // A bid is presence: a bidder shown absent contradicts the ledger.
    expect(
      tampered((r) => {
        const e = r.attendance![at(httpBidder.bidderCode)];
        e.firstSeenAt = null;
        e.lastSeenAt = null;
      }),
    ).toBe('ATTENDANCE_TIMES_INVALID');
    expect(tampered((r) => r.attendance!.splice(at(pending.bidderCode), 1))).toBe('ATTENDANCE_REGISTRATIONS_MISMATCH');
    // Records issued before attendance existed carry none and still verify.
    expect(tampered((r) => delete r.attendance)).toBeUndefined();
  });

  it('refuses to sign a record once a no-show state was changed in the database behind the chain', async () => {
    const where = eq(registrations.id, silent.registrationId);
    await tp.database.db.update(registrations).set({ noShow: 'excused' }).where(where);
    try {
      const res = await tp.call('GET', `/api/records/lots/${lot.id}?format=json`, { token: regulator.token });
      expect(res.status).toBe(409);
      expect(res.json.error).toMatchObject({ code: 'RECORD_INCONSISTENT' });
    } finally {
      await tp.database.db.update(registrations).set({ noShow: 'forfeited' }).where(where);
    }
  });

  const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined;
  it.skipIf(!hasPdftotext)('prints "Danh sách người tham gia" in the PDF record', async () => {
    const res = await fetch(`${tp.base}/api/records/lots/${lot.id}?format=pdf`, {
      headers: { authorization: `Bearer ${regulator.token}` },
    });
    expect(res.status).toBe(200);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], {
      input: Buffer.from(await res.arrayBuffer()),
      encoding: 'utf8',
    }).replace(/\s+/g, ' ');
    expect(text).toContain('Danh sách người tham gia (7)');
    expect(text).toContain('Có mặt lần đầu');
    expect(text).toContain('Số lượt trả giá');
    expect(text).toContain('không được hoàn trả tiền đặt trước');
  });
});

describe('presence is written only within the bidding window, coarsely', () => {
  it('does not write a sighting before the window, even one noted directly, and keeps the last one coarse', async () => {
    const [b] = await people(1);
    const { lot, bidders } = await registeredLot(tp, [b]);
    const row = () => registrationRow(tp, bidders[0].registrationId);
    const start = Date.parse(lot.startsAt);
    const log = presenceOf(tp.platform.ctx);
    await log.flush(tp.database.db, clock.now());
    log.seen(lot.id, personKey(b.pid), new Date(start - 1));
    expect(log.stats().pending).toBe(1);
    await log.flush(tp.database.db, clock.now());
    expect((await row()).firstSeenAt).toBeNull();
    // Nothing was stored, so the next sighting is noted at once.
    log.seen(lot.id, personKey(b.pid), new Date(start));
    await log.flush(tp.database.db, new Date(start));
    expect(await row()).toMatchObject({ firstSeenAt: new Date(start), lastSeenAt: new Date(start) });
    // Seen again within PRESENCE_COARSE_MS of what was stored: not noted; after it: noted.
    log.seen(lot.id, personKey(b.pid), new Date(start + PRESENCE_COARSE_MS - 1));
    expect(log.stats().pending).toBe(0);
    log.seen(lot.id, personKey(b.pid), new Date(start + PRESENCE_COARSE_MS));
    expect(log.stats().pending).toBe(1);
    await log.flush(tp.database.db, new Date(start + PRESENCE_COARSE_MS));
    expect(await row()).toMatchObject({
      firstSeenAt: new Date(start),
      lastSeenAt: new Date(start + PRESENCE_COARSE_MS),
    });
  });
});

describe('a lot that failed for too few approved bidders', () => {
  it('has no no-shows: the silent bidder is refunded', async () => {
    const { lot, bidders } = await registeredLot(tp, await people(2), { approved: 1 });
    toStart(lot);
    expect(await closeAtEnd(tp, lot)).toMatchObject({ status: 'failed' });
    expect(entryOf(await attendance(lot.id), bidders[0])).toMatchObject({ noShow: null });
    expect((await depositOf(tp, bidders[0])).state).toBe('refund_due');
  });
});

describe('force majeure: no-shows held for the manager', () => {
  let lot: Json;
  let a: Bidder, b: Bidder, h1: Bidder, h2: Bidder, h3: Bidder;

  beforeAll(async () => {
    const registered = await registeredLot(tp, await people(5));
    lot = registered.lot;
    [a, b, h1, h2, h3] = registered.bidders;
    toStart(lot, MIN);
    await bidHttp(lot.id, a, 40_000_000);
    await bidHttp(lot.id, b, 45_000_000);
    // The platform shed bids in the window (what the bid path's shed log writes).
    await tp.database.db
      .insert(shedBids)
      .values({ lotId: lot.id, minute: new Date(Date.parse(lot.startsAt) + 5 * MIN), reason: 'overloaded', count: 3 });
    await closeAtEnd(tp, lot);
  });

  it('holds the no-shows: deposits neither forfeited nor refunded, the manager told', async () => {
    const att = await attendance(lot.id, regulator);
    for (const h of [h1, h2, h3]) {
      expect(entryOf(att, h)).toMatchObject({ noShow: 'held', decisionPending: true });
      expect((await registrationRow(tp, h.registrationId)).depositState).toBe('received');
      const deposit = await depositOf(tp, h);
      expect(deposit.state).toBe('paid');
      expect(await refundsOf(tp, deposit.id)).toEqual([]);
      expect(await kinds(tp, h)).toContain('no_show_held');
    }
    expect((await depositOf(tp, a)).state).toBe('refund_due');
    expect((await noticesOf(tp, manager.pid)).filter((n) => n.lotId === lot.id).map((n) => n.kind)).toContain(
      'no_show_decision_due',
    );
    const [event] = (await auditOf(tp, 'attendance.no_show')).filter((e) => e.lotId === lot.id);
    expect(event.data).toMatchObject({ state: 'held', forceMajeure: { suspendedAt: null, shedBids: 3 } });
    const money = await tp.call('GET', `/api/lots/${lot.id}/money`, { token: manager.token });
    expect(money.json).toMatchObject({ balanced: true, totals: { onDeposit: 3 * lot.deposit } });
  });

  it('lets only the lot’s manager, regulators and admins read the attendance', async () => {
    expect((await tp.call('GET', `/api/lots/${lot.id}/attendance`, { token: admin.token })).status).toBe(200);
    expect((await tp.call('GET', `/api/lots/${lot.id}/attendance`)).status).toBe(401);
    for (const who of [otherManager, h1]) {
      const res = await tp.call('GET', `/api/lots/${lot.id}/attendance`, { token: who.token });
      expect(res.status).toBe(403);
    }
    expect((await tp.call('GET', '/api/lots/999999/attendance', { token: regulator.token })).status).toBe(404);
  });

  /** The decision as `who` (null: anonymous). */
  const decide = (rid: number, body: unknown, who: Actor | null = manager) =>
    tp.call('POST', `/api/lots/${lot.id}/no-shows/${rid}`, { token: who?.token, body });
  const snapshot = async () => ({
    regs: JSON.stringify(
      await tp.database.db
        .select()
        .from(registrations)
        .where(eq(registrations.lotId, lot.id))
        .orderBy(registrations.id),
    ),
    payments: JSON.stringify(await tp.database.db.select().from(payments).where(eq(payments.lotId, lot.id))),
    // What a decision writes (other audit entries, a result notice's, may come from background jobs).
    decisions: (await auditOf(tp, 'attendance.no_show_decided')).length,
    notices: JSON.stringify(
      await Promise.all([h1, h2, h3].map(async (h) => (await kinds(tp, h)).filter((k) => /^(no_show|refund)/.test(k)))),
    ),
  });

  it('refuses everyone else, bad input, and a bidder not held, changing nothing', async () => {
    const before = await snapshot();
    expect((await decide(h1.registrationId, { decision: 'forfeit' }, null)).status).toBe(401);
    for (const who of [otherManager, regulator, h1]) {
      const res = await decide(h1.registrationId, { decision: 'forfeit' }, who);
      expect(res.status, res.text).toBe(403);
    }
    expect((await decide(h1.registrationId, { decision: 'forfeit' }, otherManager)).json.error).toMatchObject({
      reason: 'not_lot_manager_or_admin',
    });
    for (const body of [
      { decision: 'maybe' },
      {},
      { decision: 'forfeit', extra: 1 },
      { decision: 'excuse', note: 'a\u0000b' },
      { decision: 'excuse', note: '' },
      { decision: 'excuse', note: 'x'.repeat(1001) },
      'forfeit',
    ]) {
      const res = await decide(h1.registrationId, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
    const malformed = await tp.call('POST', `/api/lots/${lot.id}/no-shows/${h1.registrationId}`, {
      token: manager.token,
      raw: '{"decision":',
    });
    expect(malformed.status).toBe(400);
    for (const raw of ['', 'decision=forfeit']) {
      const res = await tp.call('POST', `/api/lots/${lot.id}/no-shows/${h1.registrationId}`, {
        token: manager.token,
        raw,
        headers: { 'content-type': raw ? 'application/x-www-form-urlencoded' : 'application/json' },
      });
      expect([400, 415, 422], `${JSON.stringify(raw)}: ${res.text}`).toContain(res.status);
    }
    expect((await decide(99_999_999, { decision: 'forfeit' })).status).toBe(404);
    expect((await decide(0, { decision: 'forfeit' })).status).toBe(422);
    const attended = await decide(a.registrationId, { decision: 'forfeit' });
    expect(attended.status).toBe(409);
    expect(attended.json.error).toMatchObject({
      code: 'INVALID_STATE',
      reason: 'no_show_not_held',
      params: { noShow: 'attended' },
    });
    expect(await snapshot()).toEqual(before);
  });

  it('forfeits a held deposit on the manager’s decision, once', async () => {
    const res = await decide(h1.registrationId, { decision: 'forfeit', note: 'No fault reported by this bidder' });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ bidderCode: h1.bidderCode, noShow: 'forfeited', decisionPending: false });
    expect((await registrationRow(tp, h1.registrationId)).depositState).toBe('forfeited');
    expect((await depositOf(tp, h1)).state).toBe('forfeited');
    expect(await kinds(tp, h1)).toContain('no_show_forfeited');
    const [event] = (await auditOf(tp, 'attendance.no_show_decided')).filter((e) => e.lotId === lot.id);
    expect(event).toMatchObject({ actorPid: personKey(manager.pid), subject: String(h1.registrationId) });
    expect(event.data).toEqual({
      bidderCode: h1.bidderCode,
      decision: 'forfeit',
      state: 'forfeited',
      note: 'No fault reported by this bidder',
      forfeited: lot.deposit,
      refund: null,
    });
    const again = await decide(h1.registrationId, { decision: 'excuse' });
    expect(again.status).toBe(409);
    expect(again.json.error.params).toEqual({ noShow: 'forfeited' });
  });

  it('excuses a held no-show on an admin’s decision: the deposit is due for refund like a loser’s', async () => {
    const res = await decide(h2.registrationId, { decision: 'excuse' }, admin);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ noShow: 'excused', decisionPending: false });
    expect((await registrationRow(tp, h2.registrationId)).depositState).toBe('refundable');
    const deposit = await depositOf(tp, h2);
    expect(deposit.state).toBe('refund_due');
    const [refund] = await refundsOf(tp, deposit.id);
    expect(refund).toMatchObject({ reason: 'deposit', amount: lot.deposit, state: 'due' });
    expect(await kinds(tp, h2)).toEqual(expect.arrayContaining(['no_show_excused', 'refund_due']));
    const money = await tp.call('GET', `/api/lots/${lot.id}/money`, { token: manager.token });
    expect(money.json).toMatchObject({ balanced: true, totals: { onDeposit: lot.deposit, forfeited: lot.deposit } });
  });

  it('shows the decisions in the record, which verifies', async () => {
    const { jws, record } = await signedRecord(tp, lot.id);
    const state = (x: Bidder) => record.attendance!.find((e) => e.bidderCode === x.bidderCode)?.noShow;
    expect([state(h1), state(h2), state(h3), state(a)]).toEqual(['forfeited', 'excused', 'held', null]);
    expect(record.history.filter((e) => e.action === 'attendance.no_show_decided')).toHaveLength(2);
    const verdict = await tp.call('POST', '/api/records/verify', { raw: JSON.stringify(jws) });
    expect(verdict.json).toMatchObject({ valid: true });
  });
});

describe('bids shed by this process and not yet written', () => {
  it('are written before the close decides, and hold the no-shows', async () => {
    const { lot, bidders } = await registeredLot(tp, await people(3));
    const [a, b, silent] = bidders;
    toStart(lot, MIN);
    await bidHttp(lot.id, a, 40_000_000);
    await bidHttp(lot.id, b, 45_000_000);
    // What the shed-bid flush writes, registered as the platform registers it (server/modules.ts):
    // here it writes one count for this lot, the first time the close asks.
    let written = false;
    writeFaultsBeforeClose(tp.platform.ctx, async () => {
      if (written) return;
      written = true;
      await tp.database.db
        .insert(shedBids)
        .values({ lotId: lot.id, minute: new Date(Date.parse(lot.endsAt) - MIN), reason: 'timeout', count: 1 });
    });
    await closeAtEnd(tp, lot);
    expect(written).toBe(true);
    expect(entryOf(await attendance(lot.id), silent)).toMatchObject({ noShow: 'held', decisionPending: true });
  });
});

describe('a lot with a technical suspension on record', () => {
  it('holds its no-shows, naming the suspension', async () => {
    const { lot, bidders } = await registeredLot(tp, await people(3));
    const [a, b, silent] = bidders;
    toStart(lot, MIN);
    await bidHttp(lot.id, a, 40_000_000);
    await bidHttp(lot.id, b, 45_000_000);
    const suspendedAt = new Date(Date.parse(lot.startsAt) + 10 * MIN);
    await tp.database.db.update(lots).set({ suspendedAt }).where(eq(lots.id, lot.id));
    await closeAtEnd(tp, lot);
    expect(entryOf(await attendance(lot.id), silent)).toMatchObject({ noShow: 'held', decisionPending: true });
    const [event] = (await auditOf(tp, 'attendance.no_show')).filter((e) => e.lotId === lot.id);
    expect(event.data).toMatchObject({
      bidderCodes: [silent.bidderCode],
      state: 'held',
      forceMajeure: { suspendedAt: suspendedAt.toISOString(), shedBids: 0 },
    });
  });
});

describe('with NO_SHOW_FORFEIT=false', () => {
  let off: TestPlatform;
  beforeAll(async () => {
    off = await startTestPlatform({ clock, env: { PAYMENT_WEBHOOK_SECRET: SECRET, NO_SHOW_FORFEIT: 'false' } });
  });
  afterAll(async () => off?.stop());

  it('marks no-shows excused and refunds their deposits like other losers’', async () => {
    const m = await person(off.idp, off.database.db, { roles: ['manager'] });
    const bidders3 = await Promise.all([1, 2, 3].map(() => person(off.idp, undefined)));
    const { lot, bidders } = await registeredLot(off, bidders3, { manager: m });
    const [a, b, silent] = bidders;
    toStart(lot, MIN);
    for (const [who, amount] of [
      [a, 40_000_000],
      [b, 45_000_000],
    ] as const)
      expect((await off.call('POST', `/api/lots/${lot.id}/bids`, { token: who.token, body: { amount } })).status).toBe(
        201,
      );
    await closeAtEnd(off, lot);
    const res = await off.call('GET', `/api/lots/${lot.id}/attendance`, { token: m.token });
    expect(res.json).toMatchObject({ forfeitPolicy: false });
    expect(entryOf(res.json, silent)).toMatchObject({ noShow: 'excused', decisionPending: false, firstSeenAt: null });
    expect((await depositOf(off, silent)).state).toBe('refund_due');
    expect((await registrationRow(off, silent.registrationId)).depositState).toBe('refundable');
    const kindsOff = (await noticesOf(off, silent.pid)).map((n) => n.kind);
    expect(kindsOff).toContain('refund_due');
    expect(kindsOff.filter((k) => k.startsWith('no_show'))).toEqual([]);
    const [event] = (await auditOf(off, 'attendance.no_show')).filter((e) => e.lotId === lot.id);
    expect(event.data).toMatchObject({ bidderCodes: [silent.bidderCode], state: 'excused', forfeitPolicy: false });
  });
});
