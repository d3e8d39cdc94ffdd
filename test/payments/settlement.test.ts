// After the hammer (server/payments/settlement.ts, refunds.ts, money-trail.ts): losers' deposits due for
// refund within 3 working days, the refund file and its confirmation, the winner's deposit retained
// and the balance owed within 30 calendar days, reminders, the balance paid, and a winner who does not
// pay: award defaulted, deposit forfeited, the part paid refunded, barred from the category (403
// BIDDER_BARRED on registering). Every step keeps the lot's money trail adding up.
import { personKey } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Json } from '../support/json.ts';
import type { LotChange } from '../../server/shared/events.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { bars, jobs, payments, refunds } from '../../db/schema.ts';
import { eventually, lotBody, person, publishedLot, type Actor } from '../auctions/factories.ts';
import { auditOf, noticesOf, registrationRow, SECRET, sendNotification } from './support.ts';

const MIN = 60_000;
const DAY = 86_400_000;
let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
let otherManager: Actor;
let regulator: Actor;
let tx = 0;

beforeAll(async () => {
  tp = await startTestPlatform({ clock, env: { PAYMENT_WEBHOOK_SECRET: SECRET } });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  otherManager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  regulator = await person(tp.idp, tp.database.db, { roles: ['regulator'] });
});
afterAll(async () => tp?.stop());

interface Bidder extends Actor {
  registrationId: number;
  bidderCode: string;
  reference: string;
  account: string;
}

/** Pays by the provider's webhook, from the payer's account. */
async function pay(reference: string, amount: number, account: string, name = 'NGUYEN VAN A'): Promise<Json> {
  const res = await sendNotification(tp, clock, {
    transactionId: `FT${++tx}`,
    reference: `DAU GIA ${reference}`,
    amount,
    paidAt: clock.now().toISOString(),
    payerAccount: account,
    payerName: name,
    payerBank: 'Vietcombank',
  } as never);
  expect(res.status).toBe(200);
  return res.json;
}

/** A lot taking bids: each bidder registered and their deposit paid through the bank. */
async function biddingLot(bidders: Actor[], overrides: Record<string, unknown> = {}) {
  const lot = await publishedLot(tp.call, manager, lotBody(clock.now(), overrides));
  const out: Bidder[] = [];
  for (const [i, b] of bidders.entries()) {
    const reg = await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token, body: {} });
    expect(reg.status).toBe(201);
    const account = `00710001234${i}${lot.id}`;
    expect(await pay(reg.json.payment.reference, lot.deposit, account)).toMatchObject({ outcome: 'accepted' });
    out.push({
      ...b,
      registrationId: reg.json.id,
      bidderCode: reg.json.bidderCode,
      reference: reg.json.payment.reference,
      account,
    });
  }
  clock.advance(Date.parse(lot.startsAt) - clock.now().getTime());
  return { lot, bidders: out };
}

const bid = async (lotId: number, who: Actor, amount: number) =>
  expect((await tp.call('POST', `/api/lots/${lotId}/bids`, { token: who.token, body: { amount } })).status).toBe(201);

async function closeAtEnd(lot: Json): Promise<Json> {
  clock.advance(Date.parse(lot.endsAt) - clock.now().getTime() + 2_000);
  return eventually(async () => {
    const r = (await tp.call('GET', `/api/lots/${lot.id}/result`)).json;
    return r.status === 'closed' || r.status === 'failed' ? r : undefined;
  }, `lot ${lot.id} to close`);
}

const trail = async (lotId: number, who: Actor = manager) => {
  const res = await tp.call('GET', `/api/lots/${lotId}/money`, { token: who.token });
  expect(res.status).toBe(200);
  return res.json;
};

/** The winner signs the record with a fresh sign-in (server/award): the award then waits for the balance. */
async function signRecord(lotId: number, winner: Actor): Promise<void> {
  const signed = await tp.call('POST', `/api/lots/${lotId}/confirmation`, {
    token: await tp.idp.token({ sub: winner.pid, loa: 2, auth_time: Math.floor(Date.now() / 1000) }),
  });
  expect(signed.json.award).toMatchObject({ state: 'awarded' });
}

const noticeKinds = async (pid: string) => (await noticesOf(tp, pid)).map((n) => n.kind);

describe('the close settles the money', () => {
  let lot: Json;
  let a: Bidder;
  let b: Bidder;
  let c: Bidder;

  beforeAll(async () => {
    const people = [await person(tp.idp, undefined), await person(tp.idp, undefined), await person(tp.idp, undefined)];
    const live = await biddingLot(people);
    lot = live.lot;
    [a, b, c] = live.bidders;
    // Each bidder attends (a registered bidder who never takes part forfeits the deposit: issue 18).
    await bid(lot.id, c, 40_000_000);
    await bid(lot.id, b, 45_000_000);
    await bid(lot.id, a, 50_000_000);
    const off = tp.platform.ctx.events.on('lot', (c) => c.lotId === lot.id && c.reason === 'closed' && closing.push(c));
    expect(await closeAtEnd(lot)).toMatchObject({ status: 'closed', winnerBidderCode: a.bidderCode });
    off();
  });
  const closing: LotChange[] = [];

  it('tells watchers the award with the close', () => {
    expect(closing).toHaveLength(1);
    expect(closing[0].award).toMatchObject({
      state: 'awaiting_confirmation',
      bidderCode: a.bidderCode,
      price: 50_000_000,
    });
    expect(closing[0].award?.deadline).not.toBeNull();
  });

  it("owes the losers' deposits back within 3 working days, and tells them", async () => {
    const t = await trail(lot.id);
    // Tuesday 1 December 2026, 16:10 in Vietnam: Wednesday, Thursday, Friday; the end of Friday, Vietnam time.
    const friday = '2026-12-04T16:59:59.999Z';
    expect(t.refunds.map((r: Json) => [r.bidderCode, r.reason, r.amount, r.state, r.dueAt])).toEqual([
      [b.bidderCode, 'deposit', 4_000_000, 'due', friday],
      [c.bidderCode, 'deposit', 4_000_000, 'due', friday],
    ]);
    for (const loser of [b, c]) {
      expect((await registrationRow(tp, loser.registrationId)).depositState).toBe('refundable');
      expect(await noticeKinds(loser.pid)).toContain('refund_due');
    }
  });

  it("retains the winner's deposit toward the price and owes the balance within 30 calendar days", async () => {
    const t = await trail(lot.id);
    const balance = t.payments.find((p: Json) => p.kind === 'balance');
    expect(balance).toMatchObject({
      bidderCode: a.bidderCode,
      amount: 46_000_000,
      received: 0,
      state: 'pending',
      dueAt: '2026-12-31T16:59:59.999Z',
    });
    expect(t.payments.find((p: Json) => p.reference === a.reference).state).toBe('retained');
    const [notice] = (await noticesOf(tp, a.pid)).filter((n) => n.kind === 'balance_due');
    expect(notice.data).toMatchObject({ reference: balance.reference, amount: 46_000_000, price: 50_000_000 });
    // The winner sees what to pay in their registrations.
    const mine = await tp.call('GET', '/api/me/registrations', { token: a.token });
    expect(mine.json.items.find((i: Json) => i.lot.id === lot.id)).toMatchObject({
      award: 'awaiting_confirmation',
      balance: { reference: balance.reference, amount: 46_000_000, state: 'pending' },
      refunds: [],
    });
    const theirs = await tp.call('GET', '/api/me/registrations', { token: b.token });
    expect(theirs.json.items.find((i: Json) => i.lot.id === lot.id)).toMatchObject({
      award: null,
      balance: null,
      refunds: [{ reason: 'deposit', amount: 4_000_000, state: 'due', reference: b.reference }],
    });
    const result = (await tp.call('GET', `/api/lots/${lot.id}/result`)).json;
    // The award waits for the winner's signature: 24 working hours from the close (Wednesday 16:10 in Vietnam).
    expect(result.award).toEqual({
      state: 'awaiting_confirmation',
      bidderCode: a.bidderCode,
      price: 50_000_000,
      deadline: '2026-12-02T09:10:00.000Z',
    });
    expect(t.totals).toMatchObject({
      expected: 3 * 4_000_000 + 46_000_000,
      received: 12_000_000,
      retained: 4_000_000,
      dueForRefund: 8_000_000,
      held: 0,
      onDeposit: 0,
    });
    expect(t.balanced).toBe(true);
  });

  it('writes the refund file for the bank: the accounts the deposits came from', async () => {
    const res = await tp.call('GET', `/api/lots/${lot.id}/refunds.csv`, { token: manager.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = res.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'STT,Mã hoàn tiền,Mã người tham gia,Tên người nhận,Số tài khoản nhận,Ngân hàng nhận,Số tiền,Nội dung,Hạn chót',
    );
    const ids = lines.slice(1).map((l) => l.split(',')[1]);
    expect(lines.slice(1).map((l) => l.split(',').slice(2))).toEqual([
      [
        b.bidderCode,
        'NGUYEN VAN A',
        b.account,
        'Vietcombank',
        '4000000',
        `HOAN TIEN HT${ids[0]} ${b.reference}`,
        '04/12/2026',
      ],
      [
        c.bidderCode,
        'NGUYEN VAN A',
        c.account,
        'Vietcombank',
        '4000000',
        `HOAN TIEN HT${ids[1]} ${c.reference}`,
        '04/12/2026',
      ],
    ]);
    expect((await tp.call('GET', `/api/lots/${lot.id}/refunds.csv`, { token: otherManager.token })).status).toBe(403);
    expect((await tp.call('GET', `/api/lots/${lot.id}/refunds.csv`, { token: regulator.token })).status).toBe(403);
  });

  it('records a refund sent with the bank reference: refunded, audited, the payer told; once', async () => {
    const due = (await trail(lot.id)).refunds.find((r: Json) => r.bidderCode === b.bidderCode);
    const path = `/api/payments/refunds/${due.id}/sent`;
    expect((await tp.call('POST', path, { token: otherManager.token, body: { bankReference: 'X' } })).status).toBe(403);
    expect((await tp.call('POST', path, { token: regulator.token, body: { bankReference: 'X' } })).status).toBe(403);
    const future = new Date(clock.now().getTime() + DAY).toISOString();
    const early = await tp.call('POST', path, { token: manager.token, body: { bankReference: 'X', sentAt: future } });
    expect(early.status).toBe(422);
    const sent = await tp.call('POST', path, { token: manager.token, body: { bankReference: 'FT-OUT-1' } });
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ state: 'sent', bankReference: 'FT-OUT-1', amount: 4_000_000 });
    const again = await tp.call('POST', path, { token: manager.token, body: { bankReference: 'FT-OUT-1' } });
    expect(again.json).toEqual(sent.json);
    const other = await tp.call('POST', path, { token: manager.token, body: { bankReference: 'FT-OUT-2' } });
    expect(other.status).toBe(409);
    expect((await registrationRow(tp, b.registrationId)).depositState).toBe('refunded');
    expect(await noticeKinds(b.pid)).toContain('refund_sent');
    expect((await auditOf(tp, 'refund.sent')).map((e) => e.data)).toContainEqual(
      expect.objectContaining({ bankReference: 'FT-OUT-1', bidderCode: b.bidderCode, amount: 4_000_000 }),
    );
    const t = await trail(lot.id, regulator);
    expect(t.totals).toMatchObject({ received: 12_000_000, refunded: 4_000_000, dueForRefund: 4_000_000 });
    expect(t.balanced).toBe(true);
    // The v1 mark on the registration settles the other refund the same way.
    const mark = await tp.call('POST', `/api/lots/${lot.id}/registrations/${c.registrationId}/refund`, {
      token: manager.token,
    });
    expect(mark.status).toBe(200);
    expect(mark.json.depositState).toBe('refunded');
    expect((await trail(lot.id)).totals).toMatchObject({ refunded: 8_000_000, dueForRefund: 0 });
  });

  it('takes the balance in parts, then tells the winner it is paid and drops the deadline', async () => {
    // The winner signs the record first (issue 18): the award then waits for the balance.
    await signRecord(lot.id, a);
    const balance = (await trail(lot.id)).payments.find((p: Json) => p.kind === 'balance');
    expect(await pay(balance.reference, 20_000_000, a.account)).toMatchObject({ outcome: 'accepted' });
    expect(await noticeKinds(a.pid)).toContain('balance_partial');
    expect(await pay(balance.reference, 26_000_001, a.account)).toMatchObject({
      outcome: 'held',
      holdReason: 'overpaid',
    });
    expect(await pay(balance.reference, 26_000_000, a.account)).toMatchObject({ outcome: 'accepted' });
    expect(await noticeKinds(a.pid)).toContain('balance_received');
    const pending = await tp.database.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.key, `balance-deadline:${(await paymentId(balance.reference))!}`), eq(jobs.state, 'pending')));
    expect(pending).toEqual([]);
    const t = await trail(lot.id);
    expect(t.totals).toMatchObject({ retained: 50_000_000, held: 26_000_001, received: 12_000_000 + 72_000_001 });
    expect(t.balanced).toBe(true);
    // Past the deadline nothing changes: the award stands.
    clock.advance(31 * DAY);
    await new Promise((r) => setTimeout(r, 500));
    expect((await tp.call('GET', `/api/lots/${lot.id}/result`)).json.award.state).toBe('awarded');
  });
});

async function paymentId(reference: string): Promise<number | undefined> {
  const [p] = await tp.database.db.select().from(payments).where(eq(payments.reference, reference));
  return p?.id;
}

describe('a winner who does not pay the balance in time', () => {
  let lot: Json;
  let winner: Bidder;
  let loser: Bidder;
  let balanceRef: string;

  beforeAll(async () => {
    const live = await biddingLot([await person(tp.idp, undefined), await person(tp.idp, undefined)]);
    lot = live.lot;
    [winner, loser] = live.bidders;
    await bid(lot.id, loser, 40_000_000);
    await bid(lot.id, winner, 45_000_000);
    expect(await closeAtEnd(lot)).toMatchObject({ status: 'closed', winnerBidderCode: winner.bidderCode });
    balanceRef = (await trail(lot.id)).payments.find((p: Json) => p.kind === 'balance').reference;
    // The winner signs the record (issue 18), so that the award then waits for the balance.
    await signRecord(lot.id, winner);
  });

  it('is reminded 7 days and 1 day before the deadline', async () => {
    const deadline = Date.parse((await tp.call('GET', `/api/lots/${lot.id}/result`)).json.award.deadline);
    clock.advance(deadline - 7 * DAY + MIN - clock.now().getTime());
    await eventually(
      async () => ((await noticeKinds(winner.pid)).includes('balance_reminder') ? true : undefined),
      'the 7-day reminder',
    );
    const [reminder] = (await noticesOf(tp, winner.pid)).filter((n) => n.kind === 'balance_reminder');
    expect(reminder.data).toMatchObject({ reference: balanceRef, daysLeft: 7, outstanding: 41_000_000 });
    // Part of the balance arrives before the deadline.
    expect(await pay(balanceRef, 10_000_000, winner.account)).toMatchObject({ outcome: 'accepted' });
    clock.advance(6 * DAY);
    await eventually(
      async () =>
        (await noticeKinds(winner.pid)).filter((k) => k === 'balance_reminder').length === 2 ? true : undefined,
      'the 1-day reminder',
    );
  });

  it('defaults at the deadline: award defaulted, deposit forfeited, the part paid refunded, barred 12 months', async () => {
    const deadline = Date.parse((await tp.call('GET', `/api/lots/${lot.id}/result`)).json.award.deadline);
    const events: LotChange[] = [];
    const off = tp.platform.ctx.events.on('lot', (c) => c.lotId === lot.id && events.push(c));
    clock.advance(deadline + 1_000 - clock.now().getTime());
    const result = await eventually(async () => {
      const r = (await tp.call('GET', `/api/lots/${lot.id}/result`)).json;
      return r.award.state === 'defaulted' ? r : undefined;
    }, 'the default');
    // Watchers are told: a `lot` event with the new award, once the default committed.
    const told = await eventually(async () => events.find((e) => e.reason === 'award'), 'the award event');
    off();
    expect(told).toMatchObject({
      status: 'closed',
      ended: true,
      winnerBidderCode: winner.bidderCode,
      award: { state: 'defaulted', bidderCode: winner.bidderCode, deadline: null },
    });
    expect((await tp.call('GET', `/api/lots/${lot.id}`)).json.award).toEqual(told.award);
    expect(result).toMatchObject({ status: 'closed', award: { state: 'defaulted', bidderCode: winner.bidderCode } });
    expect((await registrationRow(tp, winner.registrationId)).depositState).toBe('forfeited');
    const t = await trail(lot.id);
    expect(t.payments.find((p: Json) => p.reference === winner.reference).state).toBe('forfeited');
    expect(t.payments.find((p: Json) => p.reference === balanceRef)).toMatchObject({
      state: 'refund_due',
      received: 10_000_000,
    });
    expect(t.refunds.find((r: Json) => r.reason === 'balance')).toMatchObject({
      amount: 10_000_000,
      state: 'due',
      bidderCode: winner.bidderCode,
    });
    expect(t.totals).toMatchObject({ forfeited: 4_000_000, received: 8_000_000 + 10_000_000 });
    expect(t.balanced).toBe(true);
    const [bar] = await tp.database.db
      .select()
      .from(bars)
      .where(eq(bars.pid, personKey(winner.pid)));
    expect(bar).toMatchObject({ category: 'licence-plate', lotId: lot.id, reason: 'payment_default' });
    const ymd = (d: Date) => [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
    const [y, m, d] = ymd(bar.startsAt);
    expect(ymd(bar.endsAt)).toEqual([y + 1, m, d]);
    expect(await noticeKinds(winner.pid)).toEqual(
      expect.arrayContaining(['payment_deadline_missed', 'bar_recorded', 'refund_due']),
    );
    expect((await auditOf(tp, 'award.defaulted')).map((e) => e.lotId)).toContain(lot.id);
    expect((await auditOf(tp, 'bar.recorded')).map((e) => e.lotId)).toContain(lot.id);
    // A late transfer toward the cancelled balance is not accepted.
    expect(await pay(balanceRef, 31_000_000, winner.account)).toMatchObject({
      outcome: 'held',
      holdReason: 'already_settled',
    });
  });

  it('refuses the barred person a registration in that category, with the end date, and nothing else', async () => {
    const plate = await publishedLot(tp.call, otherManager, lotBody(clock.now()));
    const refused = await tp.call('POST', `/api/lots/${plate.id}/registrations`, { token: winner.token, body: {} });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'BIDDER_BARRED', params: { category: 'licence-plate' } });
    const [bar] = await tp.database.db
      .select()
      .from(bars)
      .where(eq(bars.pid, personKey(winner.pid)));
    expect(refused.json.error.params.until).toBe(bar.endsAt.toISOString());
    const land = await publishedLot(tp.call, otherManager, lotBody(clock.now(), { category: 'land-use' }));
    expect(
      (await tp.call('POST', `/api/lots/${land.id}/registrations`, { token: winner.token, body: {} })).status,
    ).toBe(201);
    // Nothing was written for the refused registration.
    const plateRefunds = await tp.database.db.select().from(refunds).where(eq(refunds.lotId, plate.id));
    expect(plateRefunds).toEqual([]);
  });

  it("confirms a refund from the bank's debit notification naming its code, once, and nothing else", async () => {
    const due = (await trail(lot.id)).refunds.find((r: Json) => r.reason === 'balance' && r.state === 'due');
    const file = await tp.call('GET', `/api/lots/${lot.id}/refunds.csv`, { token: manager.token });
    expect(file.text).toContain(`HOAN TIEN HT${due.id} ${balanceRef}`);
    const debit = (transactionId: string, memo: string, amount: number) =>
      sendNotification(tp, clock, {
        transactionId,
        reference: memo,
        amount,
        paidAt: clock.now().toISOString(),
        direction: 'debit',
      } as never);
    const unmatched = async (transactionId: string, memo: string, amount: number, why: string) => {
      const res = await debit(transactionId, memo, amount);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ direction: 'debit', outcome: 'unmatched', unmatchedReason: why });
    };
    await unmatched('OUT-1', `HOAN TIEN ${balanceRef}`, 10_000_000, 'no_refund_code');
    await unmatched('OUT-2', `HOAN TIEN HT${due.id}7 ${balanceRef}`, 10_000_000, 'unknown_refund');
    await unmatched('OUT-3', `HOAN TIEN HT${due.id}`, 9_000_000, 'amount_mismatch');
    expect((await trail(lot.id)).refunds.find((r: Json) => r.id === due.id).state).toBe('due');

    const memo = `CK HOAN TIEN HT${due.id} ${balanceRef}`;
    const confirmed = await debit('OUT-4', memo, 10_000_000);
    expect(confirmed.json).toMatchObject({ outcome: 'refund_confirmed', refundId: due.id, duplicate: false });
    expect((await debit('OUT-4', memo, 10_000_000)).json).toMatchObject({
      outcome: 'refund_confirmed',
      duplicate: true,
    });
    await unmatched('OUT-5', memo, 10_000_000, 'already_sent');
    const t = await trail(lot.id);
    expect(t.refunds.find((r: Json) => r.id === due.id)).toMatchObject({ state: 'sent', bankReference: 'OUT-4' });
    expect(t.payments.find((p: Json) => p.reference === balanceRef).state).toBe('refunded');
    expect(t.balanced).toBe(true);
    const sent = (await auditOf(tp, 'refund.sent')).filter((e) => e.subject === String(due.id));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ actorPid: null, data: expect.objectContaining({ confirmedBy: 'bank' }) });
    expect((await noticesOf(tp, winner.pid)).filter((n) => n.kind === 'refund_sent')).toHaveLength(1);
  });

  it('signs the money trail beside the record, naming it; the verifier recomputes it', async () => {
    const path = `/api/records/lots/${lot.id}/money-trail`;
    expect((await tp.call('GET', path, { token: otherManager.token })).status).toBe(403);
    expect((await tp.call('GET', path, { token: winner.token })).status).toBe(403);
    const signed = await tp.call('GET', path, { token: manager.token });
    expect(signed.status).toBe(200);
    const doc = JSON.parse(Buffer.from(signed.json.payload, 'base64url').toString('utf8'));
    const record = await tp.call('GET', `/api/records/lots/${lot.id}`, { token: regulator.token });
    const recordPayload = JSON.parse(Buffer.from(record.json.payload, 'base64url').toString('utf8'));
    expect(doc).toMatchObject({
      type: 'money-trail',
      lot: { id: lot.id, status: 'closed' },
      record: { finalHash: recordPayload.finalHash },
      trail: { balanced: true, totals: (await trail(lot.id)).totals },
    });
    // Bidder codes and bank references only: no account, name or bank of a payer.
    expect(JSON.stringify(doc)).not.toMatch(/NGUYEN|Vietcombank|0071000123/);
    const verdict = await tp.call('POST', '/api/records/verify', { body: signed.json });
    expect(verdict.json).toMatchObject({
      valid: true,
      signed: true,
      kind: 'money-trail',
      details: { lotId: lot.id, forfeited: 4_000_000, finalHash: recordPayload.finalHash },
    });
    expect((await tp.call('GET', path, { token: regulator.token })).status).toBe(200);
    const views = (await auditOf(tp, 'record.viewed')).filter((e) => e.lotId === lot.id);
    expect(views.map((e) => e.data.format)).toEqual(expect.arrayContaining(['money-trail', 'json']));
    // Not before the lot has ended: the record it names does not exist yet.
    const open = await publishedLot(tp.call, manager, lotBody(clock.now()));
    const early = await tp.call('GET', `/api/records/lots/${open.id}/money-trail`, { token: manager.token });
    expect(early.status).toBe(409);
    expect(early.json.error.code).toBe('RECORD_NOT_READY');
  });
});

describe('a cancelled lot', () => {
  it('owes every deposit received back', async () => {
    const lot = await publishedLot(tp.call, manager, lotBody(clock.now()));
    const who = await person(tp.idp, undefined);
    const reg = await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: who.token, body: {} });
    await pay(reg.json.payment.reference, 4_000_000, '0071000999');
    const cancelled = await tp.call('POST', `/api/lots/${lot.id}/cancel`, {
      token: manager.token,
      body: { reason: 'The asset was withdrawn by its owner.' },
    });
    expect(cancelled.status).toBe(200);
    const t = await trail(lot.id);
    expect(t.refunds).toEqual([expect.objectContaining({ reason: 'deposit', amount: 4_000_000, state: 'due' })]);
    expect(t.totals).toMatchObject({ received: 4_000_000, dueForRefund: 4_000_000 });
    expect(t.balanced).toBe(true);
    expect((await tp.call('GET', `/api/lots/${lot.id}/result`)).json.award).toBeNull();
  });
});

describe('deadlines across Tết', () => {
  it('owes a deposit closed on Thursday 4 February 2027 back by Tuesday 16 February, Tết skipped', async () => {
    // Tết 2027: off from Friday 5 to Thursday 11 February (a compensatory day for the Saturday).
    const start = Date.parse('2027-02-04T01:00:00Z');
    expect(clock.now().getTime()).toBeLessThan(start);
    clock.advance(start - clock.now().getTime());
    const live = await biddingLot([await person(tp.idp, undefined), await person(tp.idp, undefined)]);
    const [winner, loser] = live.bidders;
    await bid(live.lot.id, loser, 40_000_000);
    await bid(live.lot.id, winner, 45_000_000);
    expect(await closeAtEnd(live.lot)).toMatchObject({ status: 'closed', winnerBidderCode: winner.bidderCode });
    const t = await trail(live.lot.id);
    expect(t.refunds.map((r: Json) => [r.bidderCode, r.dueAt])).toEqual([
      [loser.bidderCode, '2027-02-16T16:59:59.999Z'],
    ]);
    // 30 calendar days after 4 February end on Saturday 6 March, a day off: the Monday after.
    expect(t.payments.find((p: Json) => p.kind === 'balance').dueAt).toBe('2027-03-08T16:59:59.999Z');
    expect(t.balanced).toBe(true);
  });
});
