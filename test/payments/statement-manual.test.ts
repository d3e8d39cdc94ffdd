// The bank statement import (the shipped sample: credits accepted, partial, held, late and a debit
// skipped; the same file again changes nothing; a malformed file is refused naming its line and
// changes nothing) and the manager's manual "deposit received" (confirmation asked, recorded as a
// manual credit, the v1 body-less call kept, reversal until bidding starts).
import { personKey } from '../../server/privacy/personal-data.ts';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Json } from '../support/json.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { payments } from '../../db/schema.ts';
import { eventually, person, type Actor } from '../auctions/factories.ts';
import {
  auditOf,
  creditsOf,
  lotWithRegistration,
  moneyRowCounts,
  noticesOf,
  paymentByReference,
  registrationRow,
  settledAfterJump,
} from './support.ts';

const SAMPLE = fs.readFileSync(new URL('../../docs/samples/bank-statement.csv', import.meta.url), 'utf8');
let tp: TestPlatform;
// The sample's credits are dated 01/12/2026 15:01–15:31 Vietnam time (08:01–08:31 UTC).
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
let bidderOnly: Actor;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  bidderOnly = await person(tp.idp, undefined);
});
afterAll(async () => tp?.stop());

const upload = (text: string, token = manager.token, type = 'text/csv; charset=utf-8') =>
  tp.call('POST', '/api/payments/statements', { token, raw: text, headers: { 'content-type': type } });

describe('bank statement import', () => {
  const regs: Json[] = [];
  // The sample's references, given to this test's registrations (references are random otherwise).
  const REFS = ['DG7K3M9QX2D', 'DGA4B8C2D6A', 'DGH3J5K7M96', 'DGP2Q4R6S8T'];

  beforeAll(async () => {
    clock.set(Date.parse('2026-12-01T08:00:00Z'));
    const first = await lotWithRegistration(tp, clock, manager, await person(tp.idp, undefined));
    regs.push(first.reg);
    for (let i = 1; i < REFS.length; i++) {
      const b = await person(tp.idp, undefined);
      const r = await tp.call('POST', `/api/lots/${first.lot.id}/registrations`, { token: b.token });
      regs.push(r.json);
    }
    for (const [i, r] of regs.entries())
      await tp.database.db.update(payments).set({ reference: REFS[i] }).where(eq(payments.registrationId, r.id));
    clock.set(Date.parse('2026-12-01T08:05:00Z'));
  });

  it('refuses a malformed file with 422 naming the line, and imports nothing', async () => {
    const before = await moneyRowCounts(tp);
    const broken = SAMPLE.replace('"4.000.000,00"', '"4.000.000,5"');
    const res = await upload(broken);
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ reason: 'statement_malformed', params: { line: 11 } });
    expect(res.json.error.message).toContain('line 11');
    const wrongType = await upload(SAMPLE, manager.token, 'application/json');
    expect(wrongType.status).toBe(415);
    const bidder = await upload(SAMPLE, bidderOnly.token);
    expect(bidder.status).toBe(403);
    const tooLarge = await upload('x'.repeat(2 * 1024 * 1024 + 1));
    expect(tooLarge.status).toBe(413);
    expect(await moneyRowCounts(tp)).toEqual(before);
  });

  it('matches the sample: full, two partials adding up, unknown and overpaid held, late, the debit skipped', async () => {
    const res = await upload(SAMPLE);
    expect(res.status).toBe(200);
    expect(res.json.lines.map((l: Json) => [l.line, l.result, l.holdReason, l.reference])).toEqual([
      [5, 'skipped', null, null],
      [6, 'accepted', null, 'DG7K3M9QX2D'],
      [7, 'accepted', null, 'DGA4B8C2D6A'],
      [8, 'accepted', null, 'DGA4B8C2D6A'],
      [9, 'held', 'unknown_reference', null],
      [10, 'held', 'overpaid', 'DGH3J5K7M96'],
      [11, 'late', null, 'DGP2Q4R6S8T'],
    ]);
    expect(res.json.counts).toEqual({ accepted: 3, held: 2, late: 1, duplicate: 0, skipped: 1 });
    expect(await paymentByReference(tp, 'DG7K3M9QX2D')).toMatchObject({ received: 4_000_000, state: 'paid' });
    expect(await paymentByReference(tp, 'DGA4B8C2D6A')).toMatchObject({ received: 4_000_000, state: 'paid' });
    expect(await paymentByReference(tp, 'DGH3J5K7M96')).toMatchObject({ received: 0, state: 'pending' });
    expect((await registrationRow(tp, regs[0].id)).status).toBe('approved');
    expect((await registrationRow(tp, regs[1].id)).status).toBe('approved');
    expect((await registrationRow(tp, regs[2].id)).status).toBe('pending_deposit');
    expect((await registrationRow(tp, regs[3].id)).status).toBe('pending_deposit');
    const credits = await creditsOf(tp, (await paymentByReference(tp, 'DGA4B8C2D6A')).id);
    expect(credits.map((c) => [c.source, c.transactionId, c.amount, c.enteredBy])).toEqual([
      ['statement', 'FT26335G7H8J9', 1_500_000, personKey(manager.pid)],
      ['statement', 'FT26335K1L2M3', 2_500_000, personKey(manager.pid)],
    ]);
    expect((await auditOf(tp, 'statement.imported')).at(-1)!.data).toMatchObject({ rows: 7, accepted: 3, held: 2 });
    // The manager who uploaded it sees its unknown-reference credit in the exceptions queue.
    const held = await tp.call('GET', '/api/payments/held', { token: manager.token });
    expect(held.json.items.map((i: Json) => i.transactionId)).toEqual(
      expect.arrayContaining(['FT26335N4P5Q6', 'FT26335R7S8T9']),
    );
  });

  it('changes nothing when the same statement is imported again', async () => {
    const before = await moneyRowCounts(tp);
    const res = await upload(SAMPLE);
    expect(res.json.counts).toEqual({ accepted: 0, held: 0, late: 0, duplicate: 6, skipped: 1 });
    const after = await moneyRowCounts(tp);
    // Only the import itself is audited again.
    expect({ ...after, audit: after.audit - 1 }).toEqual(before);
  });
});

describe('manual "deposit received"', () => {
  beforeAll(async () => {
    clock.set(Date.parse('2026-12-02T08:00:00Z'));
    // The day's jump ends the statement's lot; its settlement (refunds owed, forfeits, notices, the
    // result notice) runs as jobs, and must be done before this block counts rows to show that a
    // refused request wrote none. Its two approved bidders never attended the bidding, so their deposits
    // are forfeited (issue 18, Art. 39).
    for (const reference of ['DG7K3M9QX2D', 'DGA4B8C2D6A'])
      await eventually(
        async () => ((await paymentByReference(tp, reference)).state === 'forfeited' ? true : undefined),
        `the statement lot's deposit ${reference} settled`,
      );
    await settledAfterJump(tp, clock);
  });

  it('asks for confirmation first (422, nothing recorded), then records a manual credit through matching', async () => {
    const bidder = await person(tp.idp, undefined);
    const { lot, reg } = await lotWithRegistration(tp, clock, manager, bidder);
    const url = `/api/lots/${lot.id}/registrations/${reg.id}/approve`;
    const before = await moneyRowCounts(tp);
    const ask = await tp.call('POST', url, {
      token: manager.token,
      body: { amount: 4_000_000, bankReference: 'FT26336XYZ01' },
    });
    expect(ask.status).toBe(422);
    expect(ask.json.error).toMatchObject({
      reason: 'confirmation_required',
      params: { amount: 4_000_000, bankReference: 'FT26336XYZ01', bidderCode: reg.bidderCode },
    });
    expect(await moneyRowCounts(tp)).toEqual(before);
    for (const body of [
      { amount: -1, bankReference: 'X', confirm: true },
      { amount: 1, confirm: true },
      { confirm: true },
    ])
      expect((await tp.call('POST', url, { token: manager.token, body })).status).toBe(422);

    const partial = await tp.call('POST', url, {
      token: manager.token,
      body: { amount: 1_000_000, bankReference: 'FT26336XYZ01', confirm: true },
    });
    expect(partial.status).toBe(200);
    expect(partial.json).toMatchObject({
      status: 'pending_deposit',
      payment: { received: 1_000_000, state: 'partial' },
      credit: { outcome: 'accepted', duplicate: false },
    });
    // The same entry again answers the first outcome; the same bank reference for another amount too.
    const again = await tp.call('POST', url, {
      token: manager.token,
      body: { amount: 1_000_000, bankReference: 'FT26336XYZ01', confirm: true },
    });
    expect(again.json.credit).toMatchObject({ creditId: partial.json.credit.creditId, duplicate: true });
    const rest = await tp.call('POST', url, {
      token: manager.token,
      body: { amount: 3_000_000, bankReference: 'FT26336XYZ02', confirm: true },
    });
    expect(rest.json).toMatchObject({
      status: 'approved',
      depositState: 'received',
      payment: { received: 4_000_000, state: 'paid' },
    });
    expect(await registrationRow(tp, reg.id)).toMatchObject({ approvedBy: personKey(manager.pid) });
    const credits = await creditsOf(tp, (await paymentByReference(tp, reg.payment.reference)).id);
    expect(credits.map((c) => [c.source, c.transactionId, c.amount, c.enteredBy])).toEqual([
      ['manual', 'FT26336XYZ01', 1_000_000, personKey(manager.pid)],
      ['manual', 'FT26336XYZ02', 3_000_000, personKey(manager.pid)],
    ]);
    // Once approved, another entry is refused.
    const more = await tp.call('POST', url, {
      token: manager.token,
      body: { amount: 1, bankReference: 'FT26336XYZ03', confirm: true },
    });
    expect(more.json.error.reason).toBe('deposit_already_received');
  });

  it('keeps the v1 call without a body: the outstanding deposit recorded, the registration approved', async () => {
    const { lot, reg } = await lotWithRegistration(tp, clock, manager, await person(tp.idp, undefined));
    const res = await tp.call('POST', `/api/lots/${lot.id}/registrations/${reg.id}/approve`, { token: manager.token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'approved', payment: { received: 4_000_000, state: 'paid' } });
    expect(res.json.credit).toMatchObject({ outcome: 'accepted' });
    // And again: unchanged, nothing new recorded.
    const again = await tp.call('POST', `/api/lots/${lot.id}/registrations/${reg.id}/approve`, {
      token: manager.token,
      body: {},
    });
    expect(again.json).toMatchObject({ status: 'approved', credit: null });
  });

  it('is reversed until bidding starts (back to pending_deposit, audited, told), not after', async () => {
    const bidder = await person(tp.idp, undefined);
    const { lot, reg } = await lotWithRegistration(tp, clock, manager, bidder);
    const url = `/api/lots/${lot.id}/registrations/${reg.id}/approve`;
    const entry = await tp.call('POST', url, {
      token: manager.token,
      body: { amount: 4_000_000, bankReference: 'FT26336REV01', confirm: true },
    });
    expect(entry.json.status).toBe('approved');
    const creditId = entry.json.credit.creditId;
    const other = await person(tp.idp, tp.database.db, { roles: ['manager'] });
    expect((await tp.call('POST', `/api/payments/credits/${creditId}/reversal`, { token: other.token })).status).toBe(
      403,
    );
    const reversed = await tp.call('POST', `/api/payments/credits/${creditId}/reversal`, { token: manager.token });
    expect(reversed.status).toBe(200);
    expect(reversed.json.payment).toMatchObject({ received: 0, state: 'pending' });
    expect(await registrationRow(tp, reg.id)).toMatchObject({
      status: 'pending_deposit',
      depositState: 'pending',
      approvedBy: null,
    });
    const [credit] = await creditsOf(tp, (await paymentByReference(tp, reg.payment.reference)).id);
    expect(credit).toMatchObject({ reversedBy: personKey(manager.pid) });
    expect((await auditOf(tp, 'registration.deposit_reversed')).at(-1)!.subject).toBe(String(reg.id));
    expect((await auditOf(tp, 'payment.reversed')).at(-1)!.data).toMatchObject({ amount: 4_000_000, state: 'pending' });
    expect((await noticesOf(tp, bidder.pid)).map((n) => n.kind)).toEqual(['deposit_received', 'deposit_reversed']);
    // Reversed once only; and the bank reference cannot be used again for another entry.
    expect(
      (await tp.call('POST', `/api/payments/credits/${creditId}/reversal`, { token: manager.token })).json.error.reason,
    ).toBe('credit_not_reversible');
    const reuse = await tp.call('POST', url, {
      token: manager.token,
      body: { amount: 4_000_000, bankReference: 'FT26336REV01', confirm: true },
    });
    expect(reuse.json.error.reason).toBe('bank_reference_used');

    // Entered again, then bidding starts: no reversal any more.
    const second = await tp.call('POST', url, {
      token: manager.token,
      body: { amount: 4_000_000, bankReference: 'FT26336REV02', confirm: true },
    });
    expect(second.json.status).toBe('approved');
    clock.set(Date.parse(lot.startsAt));
    const refused = await tp.call('POST', `/api/payments/credits/${second.json.credit.creditId}/reversal`, {
      token: manager.token,
    });
    expect(refused.status).toBe(409);
    expect(refused.json.error.reason).toBe('reversal_after_start');
    expect((await registrationRow(tp, reg.id)).status).toBe('approved');
  });

  it('judges an entry with paidAt after the due time as late', async () => {
    clock.set(Date.parse('2026-12-03T08:00:00Z'));
    const { lot, reg } = await lotWithRegistration(tp, clock, manager, await person(tp.idp, undefined));
    const paidAt = new Date(Date.parse(lot.registrationClosesAt) + 60_000).toISOString();
    const res = await tp.call('POST', `/api/lots/${lot.id}/registrations/${reg.id}/approve`, {
      token: manager.token,
      body: { amount: 4_000_000, bankReference: 'FT26337LATE', paidAt, confirm: true },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'pending_deposit', credit: { outcome: 'late' } });
  });
});
