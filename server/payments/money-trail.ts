// The money trail of a lot (issue 17): every credit to the lot's payments and where its money stands,
// and the check that it adds up. Where a credit's money can be: held for a manager's decision; on
// deposit (accepted, the lot not yet settled); retained (the winner's deposit and balance, toward the
// price); forfeited; due for refund; refunded (a deposit or a defaulted balance sent back); returned
// (a late or a refused transfer sent back). So, always:
//
//   received = held + on deposit + retained + forfeited + due for refund + refunded + returned
//
// and, for every payment, the credits accepted toward it add up to what it says it received, and
// the refunds of a payment settled by refund add up to it. The manager's reconciliation board, the
// regulator's view, the tests and the record verifier all read this one computation.
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { paymentCredits, payments, refunds, registrations } from '../../db/schema.ts';
import type { MoneyTrail, RefundView } from './payment-schemas.ts';

export type { MoneyTrail };
type TrailTotals = MoneyTrail['totals'];

/** A refund as the API shows it, with the payment reference and bidder code of the money it returns. */
export function refundView(
  r: typeof refunds.$inferSelect,
  owner: { reference: string | null; bidderCode: string | null },
): RefundView {
  return {
    id: r.id,
    reason: r.reason,
    reference: owner.reference,
    bidderCode: owner.bidderCode,
    amount: r.amount,
    dueAt: r.dueAt.toISOString(),
    state: r.state,
    sentAt: r.sentAt?.toISOString() ?? null,
    bankReference: r.bankReference,
  };
}

const CREDIT_REFUND_REASONS = new Set(['late_payment', 'returned_credit']);

/** The money trail of one lot, read in one snapshot when `q` is a transaction. */
export async function moneyTrail(q: Db | Tx, lotId: number): Promise<MoneyTrail> {
  const pays = await q
    .select({ p: payments, bidderCode: registrations.bidderCode })
    .from(payments)
    .innerJoin(registrations, eq(registrations.id, payments.registrationId))
    .where(eq(payments.lotId, lotId))
    .orderBy(payments.id);
  const paymentIds = pays.map((r) => r.p.id);
  const credits = paymentIds.length
    ? await q
        .select()
        .from(paymentCredits)
        .where(and(inArray(paymentCredits.paymentId, paymentIds), isNull(paymentCredits.reversedAt)))
        .orderBy(paymentCredits.id)
    : [];
  const refundRows = await q.select().from(refunds).where(eq(refunds.lotId, lotId)).orderBy(refunds.id);

  const byPayment = new Map(pays.map((r) => [r.p.id, r]));
  const creditIds = new Set(credits.map((c) => c.id));
  const problems: string[] = [];
  const totals: TrailTotals = {
    expected: 0,
    received: 0,
    held: 0,
    onDeposit: 0,
    retained: 0,
    forfeited: 0,
    dueForRefund: 0,
    refunded: 0,
    returned: 0,
  };

  const acceptedOf = new Map<number, number>();
  for (const c of credits) {
    totals.received += c.amount;
    const accepted = c.outcome === 'accepted' || (c.outcome === 'held' && c.decision === 'accepted');
    if (accepted) acceptedOf.set(c.paymentId!, (acceptedOf.get(c.paymentId!) ?? 0) + c.amount);
    else if (c.outcome === 'held' && c.decision === null) totals.held += c.amount;
  }

  const refundedOf = new Map<number, number>();
  for (const r of refundRows) {
    if (r.creditId !== null && !creditIds.has(r.creditId)) continue;
    if (r.state === 'due') totals.dueForRefund += r.amount;
    else if (CREDIT_REFUND_REASONS.has(r.reason)) totals.returned += r.amount;
    else totals.refunded += r.amount;
    if (r.paymentId !== null) refundedOf.set(r.paymentId, (refundedOf.get(r.paymentId) ?? 0) + r.amount);
  }
  // A late or returned credit has exactly one refund, of its amount.
  for (const c of credits) {
    const owedBack = c.outcome === 'late' || (c.outcome === 'held' && c.decision === 'returned');
    if (!owedBack) continue;
    const r = refundRows.filter((x) => x.creditId === c.id);
    if (r.length !== 1 || r[0].amount !== c.amount)
      problems.push(`credit ${c.transactionId} (${c.amount} VND) is owed back but its refund does not match`);
  }

  for (const { p } of pays) {
    if (p.state !== 'cancelled' || p.received > 0) totals.expected += p.amount;
    const accepted = acceptedOf.get(p.id) ?? 0;
    if (accepted !== p.received)
      problems.push(
        `payment ${p.reference} says ${p.received} VND received, its accepted credits add up to ${accepted}`,
      );
    switch (p.state) {
      case 'pending':
      case 'partial':
      case 'paid':
        if (p.kind === 'balance') totals.retained += p.received;
        else totals.onDeposit += p.received;
        break;
      case 'retained':
        totals.retained += p.received;
        break;
      case 'forfeited':
        totals.forfeited += p.received;
        break;
      case 'refund_due':
      case 'refunded':
        if ((refundedOf.get(p.id) ?? 0) !== p.received)
          problems.push(`payment ${p.reference} is settled by refund, but its refunds do not add up to ${p.received}`);
        break;
      case 'cancelled':
        if (p.received !== 0) problems.push(`payment ${p.reference} is cancelled with ${p.received} VND received`);
        break;
    }
  }

  const accounted =
    totals.held +
    totals.onDeposit +
    totals.retained +
    totals.forfeited +
    totals.dueForRefund +
    totals.refunded +
    totals.returned;
  if (accounted !== totals.received) problems.push(`received ${totals.received} VND, accounted for ${accounted} VND`);

  const referenceOf = (paymentId: number | null) => (paymentId === null ? null : byPayment.get(paymentId));
  const creditPayment = new Map(credits.map((c) => [c.id, c.paymentId]));
  return {
    lotId,
    totals,
    balanced: problems.length === 0,
    problems,
    payments: pays.map(({ p, bidderCode }) => ({
      reference: p.reference,
      kind: p.kind,
      bidderCode,
      amount: p.amount,
      received: p.received,
      state: p.state,
      dueAt: p.dueAt.toISOString(),
    })),
    credits: credits.map((c) => ({
      id: c.id,
      source: c.source,
      transactionId: c.transactionId,
      reference: referenceOf(c.paymentId)?.p.reference ?? null,
      amount: c.amount,
      paidAt: c.paidAt.toISOString(),
      outcome: c.outcome,
      holdReason: c.holdReason,
      decision: c.decision,
    })),
    refunds: refundRows
      .filter((r) => r.creditId === null || creditIds.has(r.creditId))
      .map((r) => {
        const paymentId = r.paymentId ?? (r.creditId !== null ? (creditPayment.get(r.creditId) ?? null) : null);
        const owner = referenceOf(paymentId);
        return refundView(r, { reference: owner?.p.reference ?? null, bidderCode: owner?.bidderCode ?? null });
      }),
  };
}
