// The payment provider's webhook end to end: the registration's payment instruction, signatures
// (good, bad, stale, future, malformed), idempotency by transaction id, partial payments adding up to
// an approval, and every credit that must be held (overpaid, unknown reference, closed lot, barred
// person) or refused as late, with the manager's decisions on held credits.
import { personKey } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Json } from '../support/json.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { bars } from '../../db/schema.ts';
import { vietQrPayload } from '../../server/payments/vietqr.ts';
import { isValidReference } from '../../server/payments/reference.ts';
import type { PersonalEvent } from '../../server/shared/events.ts';
import { person, type Actor } from '../auctions/factories.ts';
import {
  auditOf,
  creditsOf,
  lotWithRegistration,
  moneyRowCounts,
  noticesOf,
  paymentByReference,
  refundsOfCredit,
  registrationRow,
  SECRET,
  sendNotification,
} from './support.ts';

const MIN = 60_000;
let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
let otherManager: Actor;
let regulator: Actor;
let admin: Actor;
const personal: { pid: string; event: PersonalEvent }[] = [];
let tx = 0;
const txId = () => `PAY-${++tx}`;

beforeAll(async () => {
  tp = await startTestPlatform({ clock, env: { PAYMENT_WEBHOOK_SECRET: SECRET } });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  otherManager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  regulator = await person(tp.idp, tp.database.db, { roles: ['regulator'] });
  admin = await person(tp.idp, tp.database.db, { roles: ['admin'] });
  tp.platform.ctx.events.on('personal', (p) => personal.push(p));
});
afterAll(async () => tp?.stop());

const paid = (reference: string, amount: number, at = clock.now()) => ({
  transactionId: txId(),
  reference,
  amount,
  paidAt: at.toISOString(),
});

describe('the payment instruction', () => {
  it('comes with the registration: amount, account, reference, due time, received, state and the VietQR', async () => {
    const bidder = await person(tp.idp, undefined);
    const { lot, reg } = await lotWithRegistration(tp, clock, manager, bidder);
    const p = reg.payment;
    expect(p).toMatchObject({
      amount: 4_000_000,
      account: tp.platform.ctx.config.money.account,
      dueAt: lot.registrationClosesAt,
      received: 0,
      state: 'pending',
    });
    expect(isValidReference(p.reference)).toBe(true);
    expect(p.qr).toBe(
      vietQrPayload({
        bin: p.account.bin,
        accountNumber: p.account.number,
        amount: 4_000_000,
        purpose: p.reference,
      }),
    );
    const mine = await tp.call('GET', '/api/me/registrations', { token: bidder.token });
    expect(mine.json.items.find((i: Json) => i.id === reg.id).payment).toEqual(p);
    const list = await tp.call('GET', `/api/lots/${lot.id}/registrations`, { token: manager.token });
    expect(list.json.items.find((i: Json) => i.id === reg.id).payment).toEqual(p);
    // Each registration gets its own reference.
    const other = await tp.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: (await person(tp.idp, undefined)).token,
    });
    expect(other.json.payment.reference).not.toBe(p.reference);
  });

  it('is in the API description', async () => {
    const doc = (await tp.call('GET', '/api/openapi.json')).json;
    expect(Object.keys(doc.components.schemas.Registration.properties)).toContain('payment');
    expect(Object.keys(doc.components.schemas.Payment.properties).sort()).toEqual(
      ['account', 'amount', 'dueAt', 'qr', 'received', 'reference', 'state'].sort(),
    );
    expect(doc.paths['/payments/notifications'].post).toBeDefined();
    expect(doc.components.schemas.PaymentNotification).toBeDefined();
    expect(Object.keys(doc.components.schemas.ManualDeposit.properties).sort()).toEqual(
      ['amount', 'bankReference', 'confirm', 'paidAt'].sort(),
    );
    // The approve route's answer: the Registration with the credit recorded.
    expect(JSON.stringify(doc.components.schemas.DepositReceived)).toContain('"credit"');
    expect(JSON.stringify(doc.paths['/lots/{id}/registrations/{rid}/approve'].post.responses[200])).toContain(
      'DepositReceived',
    );
  });
});

describe('signatures', () => {
  let reference: string;
  beforeAll(async () => {
    reference = (await lotWithRegistration(tp, clock, manager, await person(tp.idp, undefined))).reg.payment.reference;
  });

  it('refuses a bad signature (401), a stale or future one and a malformed header (400), changing nothing', async () => {
    const before = await moneyRowCounts(tp);
    const body = paid(reference, 1_000_000);
    const now = Math.floor(clock.now().getTime() / 1000);
    const bad = await sendNotification(tp, clock, body, { secret: 'not-the-secret' });
    expect(bad.status).toBe(401);
    expect(bad.json.error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'payment_signature_invalid' });
    const stale = await sendNotification(tp, clock, body, { at: now - 301 });
    expect(stale.status).toBe(400);
    expect(stale.json.error.reason).toBe('payment_signature_stale');
    const future = await sendNotification(tp, clock, body, { at: now + 301 });
    expect(future.status).toBe(400);
    expect(future.json.error.reason).toBe('payment_signature_future');
    for (const header of ['', 'v1=abc', `t=${now}`, `t=${now},v1=zz`]) {
      const res = await sendNotification(tp, clock, body, { header });
      expect(res.status, header).toBe(400);
      expect(res.json.error.reason).toBe('payment_signature_malformed');
    }
    const none = await tp.call('POST', '/api/payments/notifications', { body });
    expect(none.status).toBe(400);
    // A signed body that is not a notification: 400, with the fields named.
    const malformed = await sendNotification(tp, clock, { ...body, amount: 1.5 });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.reason).toBe('payment_notification_malformed');
    expect(Object.keys(malformed.json.error.fieldErrors)).toEqual(['amount']);
    expect((await sendNotification(tp, clock, '{not json')).status).toBe(400);
    expect(await moneyRowCounts(tp)).toEqual(before);
  });

  it('accepts a good signature within 5 minutes either way', async () => {
    const now = Math.floor(clock.now().getTime() / 1000);
    const early = await sendNotification(tp, clock, paid(reference, 1_000_000), { at: now - 300 });
    expect(early.status).toBe(200);
    const late = await sendNotification(tp, clock, paid(reference, 1_000_000), { at: now + 300 });
    expect(late.status).toBe(200);
    expect([early.json.outcome, late.json.outcome]).toEqual(['accepted', 'accepted']);
  });
});

describe('matching', () => {
  it('adds partial payments up; the deposit in full approves the registration, audited and told', async () => {
    const bidder = await person(tp.idp, undefined);
    const { lot, reg } = await lotWithRegistration(tp, clock, manager, bidder);
    const reference: string = reg.payment.reference;
    // The bank's memo, as a payer writes it: lowercase, spaced, inside a sentence.
    const memo = `nguyen van an ck ${reference.slice(0, 6).toLowerCase()} ${reference.slice(6)} dat truoc`;
    const first = await sendNotification(tp, clock, { ...paid(reference, 1_500_000), reference: memo });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ outcome: 'accepted', holdReason: null, reference, duplicate: false });
    expect(await paymentByReference(tp, reference)).toMatchObject({ received: 1_500_000, state: 'partial' });
    expect((await registrationRow(tp, reg.id)).status).toBe('pending_deposit');

    const second = await sendNotification(tp, clock, paid(reference, 2_500_000));
    expect(second.json.outcome).toBe('accepted');
    expect(await paymentByReference(tp, reference)).toMatchObject({ received: 4_000_000, state: 'paid' });
    expect(await registrationRow(tp, reg.id)).toMatchObject({
      status: 'approved',
      depositState: 'received',
      approvedBy: null,
    });
    const approvals = (await auditOf(tp, 'registration.approved')).filter((a) => a.subject === String(reg.id));
    expect(approvals).toHaveLength(1);
    expect(approvals[0].data).toMatchObject({
      reference,
      amount: 4_000_000,
      source: 'webhook',
      depositState: 'received',
    });
    const credited = (await auditOf(tp, 'payment.credited')).filter((a) => a.data.reference === reference);
    expect(credited.map((a) => [a.data.amount, a.data.outcome, a.data.state])).toEqual([
      [1_500_000, 'accepted', 'partial'],
      [4_000_000 - 1_500_000, 'accepted', 'paid'],
    ]);
    // No personal id in clear in the chained data.
    for (const a of [...credited, ...approvals]) expect(JSON.stringify(a.data)).not.toContain(bidder.pid);
    expect((await noticesOf(tp, bidder.pid)).map((n) => n.kind)).toEqual(['deposit_partial', 'deposit_received']);
    expect(personal).toContainEqual({
      pid: personKey(bidder.pid),
      event: {
        type: 'registration',
        lotId: lot.id,
        registrationId: reg.id,
        status: 'approved',
        depositState: 'received',
      },
    });
    const mine = await tp.call('GET', '/api/me/registrations', { token: bidder.token });
    expect(mine.json.items[0].payment).toMatchObject({ received: 4_000_000, state: 'paid' });
  });

  it('is idempotent by transaction id: a repeat answers the first outcome and changes nothing', async () => {
    const { reg } = await lotWithRegistration(tp, clock, manager, await person(tp.idp, undefined));
    const body = paid(reg.payment.reference, 1_000_000);
    const first = await sendNotification(tp, clock, body);
    expect(first.json).toMatchObject({ outcome: 'accepted', duplicate: false });
    const before = await moneyRowCounts(tp);
    clock.advance(1000);
    const again = await sendNotification(tp, clock, body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ...first.json, duplicate: true });
    // Even a repeat with other content keeps the first outcome (the provider's id names one transaction).
    const altered = await sendNotification(tp, clock, { ...body, amount: 3_000_000 });
    expect(altered.json).toEqual({ ...first.json, duplicate: true });
    expect(await moneyRowCounts(tp)).toEqual(before);
    expect((await paymentByReference(tp, reg.payment.reference)).received).toBe(1_000_000);
  });

  it('holds an overpayment, and the manager decides: accepting it would overpay, so it is returned', async () => {
    const bidder = await person(tp.idp, undefined);
    const { reg } = await lotWithRegistration(tp, clock, manager, bidder);
    const over = await sendNotification(tp, clock, paid(reg.payment.reference, 5_000_000));
    expect(over.json).toMatchObject({ outcome: 'held', holdReason: 'overpaid' });
    expect(await paymentByReference(tp, reg.payment.reference)).toMatchObject({ received: 0, state: 'pending' });
    expect((await registrationRow(tp, reg.id)).status).toBe('pending_deposit');
    expect((await noticesOf(tp, bidder.pid)).map((n) => n.kind)).toEqual(['payment_held']);

    const held = await tp.call('GET', '/api/payments/held', { token: manager.token });
    const item = held.json.items.find((i: Json) => i.id === over.json.creditId);
    expect(item).toMatchObject({
      holdReason: 'overpaid',
      amount: 5_000_000,
      payment: { reference: reg.payment.reference },
    });
    // Another lot's manager neither sees nor decides it; a regulator sees it but may not decide.
    const others = await tp.call('GET', '/api/payments/held', { token: otherManager.token });
    expect(others.json.items.map((i: Json) => i.id)).not.toContain(item.id);
    const byOther = await tp.call('POST', `/api/payments/credits/${item.id}/decision`, {
      token: otherManager.token,
      body: { decision: 'returned' },
    });
    expect(byOther.status).toBe(403);
    const seen = await tp.call('GET', '/api/payments/held', { token: regulator.token });
    expect(seen.json.items.map((i: Json) => i.id)).toContain(item.id);
    expect(
      (
        await tp.call('POST', `/api/payments/credits/${item.id}/decision`, {
          token: regulator.token,
          body: { decision: 'returned' },
        })
      ).status,
    ).toBe(403);

    const accept = await tp.call('POST', `/api/payments/credits/${item.id}/decision`, {
      token: manager.token,
      body: { decision: 'accepted' },
    });
    expect(accept.status).toBe(409);
    expect(accept.json.error).toMatchObject({ reason: 'credit_would_overpay', params: { outstanding: 4_000_000 } });
    const bad = await tp.call('POST', `/api/payments/credits/${item.id}/decision`, {
      token: manager.token,
      body: { decision: 'maybe' },
    });
    expect(bad.status).toBe(422);
    const returned = await tp.call('POST', `/api/payments/credits/${item.id}/decision`, {
      token: manager.token,
      body: { decision: 'returned' },
    });
    expect(returned.status).toBe(200);
    expect(returned.json).toMatchObject({ decision: 'returned', holdReason: 'overpaid' });
    expect(await refundsOfCredit(tp, item.id)).toMatchObject([
      { reason: 'returned_credit', amount: 5_000_000, state: 'due' },
    ]);
    expect((await auditOf(tp, 'payment.decided')).at(-1)!.data).toMatchObject({
      decision: 'returned',
      amount: 5_000_000,
      reference: reg.payment.reference,
    });
    // Decided once: no second decision, and it leaves the queue.
    const twice = await tp.call('POST', `/api/payments/credits/${item.id}/decision`, {
      token: manager.token,
      body: { decision: 'returned' },
    });
    expect(twice.json.error.reason).toBe('credit_not_held');
    const after = await tp.call('GET', '/api/payments/held', { token: manager.token });
    expect(after.json.items.map((i: Json) => i.id)).not.toContain(item.id);
  });

  it('holds a credit with an unknown reference (admins see it; it can only be returned)', async () => {
    const res = await sendNotification(tp, clock, paid('CK DGT1V3W5X7J', 4_000_000));
    expect(res.json).toMatchObject({ outcome: 'held', holdReason: 'unknown_reference', reference: null });
    const none = await sendNotification(tp, clock, paid('tien dat coc', 4_000_000));
    expect(none.json).toMatchObject({ outcome: 'held', holdReason: 'unknown_reference' });
    const forAdmin = await tp.call('GET', '/api/payments/held', { token: admin.token });
    expect(forAdmin.json.items.find((i: Json) => i.id === res.json.creditId)).toMatchObject({ payment: null });
    const forManager = await tp.call('GET', '/api/payments/held', { token: manager.token });
    expect(forManager.json.items.map((i: Json) => i.id)).not.toContain(res.json.creditId);
    const accept = await tp.call('POST', `/api/payments/credits/${res.json.creditId}/decision`, {
      token: admin.token,
      body: { decision: 'accepted' },
    });
    expect(accept.json.error.reason).toBe('credit_no_payment');
    const returned = await tp.call('POST', `/api/payments/credits/${res.json.creditId}/decision`, {
      token: admin.token,
      body: { decision: 'returned' },
    });
    expect(returned.status).toBe(200);
  });

  it('holds a payment for a lot already cancelled', async () => {
    const { lot, reg } = await lotWithRegistration(tp, clock, manager, await person(tp.idp, undefined));
    const cancel = await tp.call('POST', `/api/lots/${lot.id}/cancel`, {
      token: manager.token,
      body: { reason: 'The owner withdrew the asset' },
    });
    expect(cancel.status).toBe(200);
    const res = await sendNotification(tp, clock, paid(reg.payment.reference, 4_000_000));
    expect(res.json).toMatchObject({ outcome: 'held', holdReason: 'lot_closed' });
    expect(await paymentByReference(tp, reg.payment.reference)).toMatchObject({ received: 0 });
  });

  it('holds a barred person’s payment; the manager cannot accept it', async () => {
    const bidder = await person(tp.idp, undefined);
    const { reg } = await lotWithRegistration(tp, clock, manager, bidder);
    await tp.database.db.insert(bars).values({
      pid: personKey(bidder.pid),
      category: 'licence-plate',
      reason: 'defaulted',
      startsAt: new Date(clock.now().getTime() - MIN),
      endsAt: new Date(clock.now().getTime() + 365 * 24 * 60 * MIN),
      createdAt: clock.now(),
    });
    const res = await sendNotification(tp, clock, paid(reg.payment.reference, 4_000_000));
    expect(res.json).toMatchObject({ outcome: 'held', holdReason: 'barred' });
    expect((await registrationRow(tp, reg.id)).status).toBe('pending_deposit');
    const accept = await tp.call('POST', `/api/payments/credits/${res.json.creditId}/decision`, {
      token: manager.token,
      body: { decision: 'accepted' },
    });
    expect(accept.json.error.reason).toBe('credit_barred');
    await tp.database.db.delete(bars).where(eq(bars.pid, personKey(bidder.pid)));
  });

  it('holds a payment to a deposit already paid in full', async () => {
    const { reg } = await lotWithRegistration(tp, clock, manager, await person(tp.idp, undefined));
    expect((await sendNotification(tp, clock, paid(reg.payment.reference, 4_000_000))).json.outcome).toBe('accepted');
    const again = await sendNotification(tp, clock, paid(reg.payment.reference, 100_000));
    expect(again.json).toMatchObject({ outcome: 'held', holdReason: 'already_settled' });
  });

  it('accepts a held credit that fits (a manager decision applies it and approves)', async () => {
    const bidder = await person(tp.idp, undefined);
    const { reg } = await lotWithRegistration(tp, clock, manager, bidder);
    await sendNotification(tp, clock, paid(reg.payment.reference, 3_000_000));
    const over = await sendNotification(tp, clock, paid(reg.payment.reference, 2_000_000));
    expect(over.json.holdReason).toBe('overpaid');
    // The payer sends the exact rest, held first (a person's first transfer was refused by a daily limit, say):
    const rest = await sendNotification(tp, clock, paid(`${reg.payment.reference} phan con lai`, 1_000_000));
    expect(rest.json.outcome).toBe('accepted');
    expect((await registrationRow(tp, reg.id)).status).toBe('approved');
    // Now the held 2,000,000 cannot be accepted (settled) but can be returned.
    const accept = await tp.call('POST', `/api/payments/credits/${over.json.creditId}/decision`, {
      token: manager.token,
      body: { decision: 'accepted' },
    });
    expect(accept.status).toBe(409);
  });

  it('applies a held credit a manager accepts when it fits', async () => {
    const bidder = await person(tp.idp, undefined);
    const { lot, reg } = await lotWithRegistration(tp, clock, manager, bidder);
    // Held for lot_closed? No: held for barred, then the bar is lifted and the manager accepts it.
    const until = new Date(clock.now().getTime() + MIN);
    await tp.database.db.insert(bars).values({
      pid: personKey(bidder.pid),
      category: lot.category,
      reason: 'test',
      startsAt: new Date(clock.now().getTime() - MIN),
      endsAt: until,
      createdAt: clock.now(),
    });
    const res = await sendNotification(tp, clock, paid(reg.payment.reference, 4_000_000));
    expect(res.json.holdReason).toBe('barred');
    clock.set(until.getTime() + 1000);
    const accept = await tp.call('POST', `/api/payments/credits/${res.json.creditId}/decision`, {
      token: manager.token,
      body: { decision: 'accepted' },
    });
    expect(accept.status).toBe(200);
    expect(accept.json).toMatchObject({ decision: 'accepted', payment: { received: 4_000_000, state: 'paid' } });
    expect(await registrationRow(tp, reg.id)).toMatchObject({ status: 'approved', approvedBy: personKey(manager.pid) });
  });

  it('refuses a payment after its due time as late, and owes it back', async () => {
    const bidder = await person(tp.idp, undefined);
    const { lot, reg } = await lotWithRegistration(tp, clock, manager, bidder);
    clock.set(Date.parse(lot.registrationClosesAt) + 2 * MIN);
    const res = await sendNotification(tp, clock, paid(reg.payment.reference, 4_000_000));
    expect(res.json).toMatchObject({ outcome: 'late', holdReason: null });
    expect(await paymentByReference(tp, reg.payment.reference)).toMatchObject({ received: 0, state: 'pending' });
    expect((await registrationRow(tp, reg.id)).status).toBe('pending_deposit');
    const [refund] = await refundsOfCredit(tp, res.json.creditId);
    expect(refund).toMatchObject({ reason: 'late_payment', amount: 4_000_000, state: 'due', lotId: lot.id });
    // Three working days after Tuesday 1 December 2026, to the end of that day in Vietnam.
    expect(clock.now().toISOString().slice(0, 10)).toBe('2026-12-01');
    expect(refund.dueAt).toEqual(new Date('2026-12-04T16:59:59.999Z'));
    expect((await noticesOf(tp, bidder.pid)).map((n) => n.kind)).toEqual(['payment_late']);
    expect((await creditsOf(tp, (await paymentByReference(tp, reg.payment.reference)).id))[0].outcome).toBe('late');
  });
});

describe('with the webhook off', () => {
  it('answers 503 payments_webhook_off, with a long Retry-After', async () => {
    const off = await startTestPlatform({ clock, database: tp.database, idp: tp.idp });
    try {
      const res = await off.call('POST', '/api/payments/notifications', {
        body: { transactionId: 'X', reference: 'DG', amount: 1, paidAt: clock.now().toISOString() },
        headers: { 'x-payment-signature': 't=1,v1=00' },
      });
      expect(res.status).toBe(503);
      expect(res.json.error).toMatchObject({ code: 'UNAVAILABLE', reason: 'payments_webhook_off' });
      expect(res.headers.get('retry-after')).toBe('3600');
    } finally {
      await off.stop();
    }
  });
});
