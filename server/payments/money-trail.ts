// The money trail of a lot (issue 17), read from the database: every payment of the lot, every credit
// to them (reversed manual entries left out) and every refund, as the API shows them, with where the
// money stands and whether it adds up, computed by trail-rules.ts. The manager's reconciliation board,
// the regulator's view, the signed money trail and the tests read this one computation; the record
// verifier runs the same rules on a signed trail's items.
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { paymentCredits, payments, refunds, registrations } from '../../db/schema.ts';
import type { MoneyTrail, RefundView } from './payment-schemas.ts';
import { computeTrail } from './trail-rules.ts';

export type { MoneyTrail };

/** A refund as the API shows it, with the payment reference and bidder code of the money it returns. */
export function refundView(
  r: typeof refunds.$inferSelect,
  owner: { reference: string | null; bidderCode: string | null },
): RefundView {
  return {
    id: r.id,
    reason: r.reason,
    creditId: r.creditId,
    reference: owner.reference,
    bidderCode: owner.bidderCode,
    amount: r.amount,
    dueAt: r.dueAt.toISOString(),
    state: r.state,
    sentAt: r.sentAt?.toISOString() ?? null,
    bankReference: r.bankReference,
  };
}

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
  const creditIds = new Set(credits.map((c) => c.id));

  const byPayment = new Map(pays.map((r) => [r.p.id, r]));
  const referenceOf = (paymentId: number | null) => (paymentId === null ? null : byPayment.get(paymentId));
  const creditPayment = new Map(credits.map((c) => [c.id, c.paymentId]));
  const view = {
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
  const { totals, problems } = computeTrail(view);
  return { lotId, totals, balanced: problems.length === 0, problems, ...view };
}
