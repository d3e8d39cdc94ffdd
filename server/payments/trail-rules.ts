// The money trail's arithmetic (issue 17), on the trail's own items as the API and the signed money
// trail show them: no database, so the record verifier (server and offline CLI) recomputes a signed
// trail with exactly the rules the platform used. Where a credit's money can be: held for a manager's
// decision; on deposit (accepted, the lot not yet settled); retained (the winner's deposit and balance,
// toward the price); forfeited; due for refund; refunded (a deposit or a defaulted balance sent back);
// returned (a late or a refused transfer sent back). So, always:
//
//   received = held + on deposit + retained + forfeited + due for refund + refunded + returned
//
// and, for every payment, the credits accepted toward it add up to what it says it received; the
// refunds of a payment settled by refund add up to it; a late or returned credit has exactly one
// refund, of its amount.
import type {
  CreditDecision,
  CreditOutcome,
  PaymentKind,
  PaymentState,
  RefundReason,
  RefundState,
} from './vocabulary.ts';

export interface TrailPayment {
  reference: string;
  kind: PaymentKind;
  amount: number;
  received: number;
  state: PaymentState;
}
export interface TrailCredit {
  id: number;
  transactionId: string;
  /** The payment reference the credit matched, if any. */
  reference: string | null;
  amount: number;
  outcome: CreditOutcome;
  decision: CreditDecision | null;
}
export interface TrailRefund {
  id: number;
  reason: RefundReason;
  /** The credit it returns (a late or refused transfer), or null for a payment's refund. */
  creditId: number | null;
  /** The payment reference the money came in under. */
  reference: string | null;
  amount: number;
  state: RefundState;
}
export interface TrailItems {
  payments: TrailPayment[];
  credits: TrailCredit[];
  refunds: TrailRefund[];
}

export interface TrailTotals {
  expected: number;
  received: number;
  held: number;
  onDeposit: number;
  retained: number;
  forfeited: number;
  dueForRefund: number;
  refunded: number;
  returned: number;
}

/** Refund reasons that send back one credit (rather than settle a payment). */
export const CREDIT_REFUND_REASONS: ReadonlySet<string> = new Set(['late_payment', 'returned_credit']);

const emptyTotals = (): TrailTotals => ({
  expected: 0,
  received: 0,
  held: 0,
  onDeposit: 0,
  retained: 0,
  forfeited: 0,
  dueForRefund: 0,
  refunded: 0,
  returned: 0,
});

/** Where the money of a trail stands, and everything that does not add up (in words; empty when balanced). */
export function computeTrail(items: TrailItems): { totals: TrailTotals; problems: string[] } {
  const totals = emptyTotals();
  const problems: string[] = [];
  const creditIds = new Set(items.credits.map((c) => c.id));

  const acceptedOf = new Map<string, number>();
  for (const c of items.credits) {
    totals.received += c.amount;
    const accepted = c.outcome === 'accepted' || (c.outcome === 'held' && c.decision === 'accepted');
    if (accepted) {
      if (c.reference === null) problems.push(`credit ${c.transactionId} is accepted toward no payment`);
      else acceptedOf.set(c.reference, (acceptedOf.get(c.reference) ?? 0) + c.amount);
    } else if (c.outcome === 'held' && c.decision === null) totals.held += c.amount;
  }

  const refundedOf = new Map<string, number>();
  for (const r of items.refunds) {
    // The refund of a reversed credit (a manual entry taken back) is not part of the trail.
    if (r.creditId !== null && !creditIds.has(r.creditId)) continue;
    // A refund withdrawn before it was sent moved no money: the payment holds it again.
    if (r.state === 'withdrawn') continue;
    if (r.state === 'due') totals.dueForRefund += r.amount;
    else if (CREDIT_REFUND_REASONS.has(r.reason)) totals.returned += r.amount;
    else totals.refunded += r.amount;
    if (r.creditId === null && r.reference !== null)
      refundedOf.set(r.reference, (refundedOf.get(r.reference) ?? 0) + r.amount);
  }
  for (const c of items.credits) {
    const owedBack = c.outcome === 'late' || (c.outcome === 'held' && c.decision === 'returned');
    if (!owedBack) continue;
    const back = items.refunds.filter((r) => r.creditId === c.id);
    if (back.length !== 1 || back[0].amount !== c.amount)
      problems.push(`credit ${c.transactionId} (${c.amount} VND) is owed back but its refund does not match`);
  }

  for (const p of items.payments) {
    if (p.state !== 'cancelled' || p.received > 0) totals.expected += p.amount;
    const accepted = acceptedOf.get(p.reference) ?? 0;
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
        if ((refundedOf.get(p.reference) ?? 0) !== p.received)
          problems.push(`payment ${p.reference} is settled by refund, but its refunds do not add up to ${p.received}`);
        break;
      case 'cancelled':
        if (p.received !== 0) problems.push(`payment ${p.reference} is cancelled with ${p.received} VND received`);
        break;
      default:
        problems.push(`payment ${p.reference} is in an unknown state ${JSON.stringify(p.state)}`);
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
  return { totals, problems };
}

/** The totals' keys, in the order the trail shows them. */
export const TRAIL_TOTAL_KEYS = Object.keys(emptyTotals()) as (keyof TrailTotals)[];
