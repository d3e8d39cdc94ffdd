// The words of the payments domain (issue 17): payment kinds and states, where a credit came from and
// what became of it, refunds' reasons and states. Free of database imports: the schema (db/schema.ts)
// builds its checks from these, and the record verifier checks a signed money trail against them.

/** What a payment instruction is for: the deposit, or the winner's balance of the price. */
export const PAYMENT_KINDS = ['deposit', 'balance'] as const;
export type PaymentKind = (typeof PAYMENT_KINDS)[number];

/**
 * Where a payment obligation stands: nothing received yet, part of it, all of it; or, after the
 * close, how it was settled (a defaulted winner's unpaid balance is `cancelled`: no longer owed).
 */
export const PAYMENT_STATES = [
  'pending',
  'partial',
  'paid',
  'refund_due',
  'refunded',
  'retained',
  'forfeited',
  'cancelled',
] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

/** Where an incoming credit came from. */
export const CREDIT_SOURCES = ['webhook', 'statement', 'manual'] as const;
export type CreditSource = (typeof CREDIT_SOURCES)[number];

/** What matching did with a credit: applied to its payment, held for a manager, or refused as late (to be returned). */
export const CREDIT_OUTCOMES = ['accepted', 'held', 'late'] as const;
export type CreditOutcome = (typeof CREDIT_OUTCOMES)[number];

/** Why a credit was held for a manager's decision. */
export const HOLD_REASONS = ['overpaid', 'unknown_reference', 'lot_closed', 'barred', 'already_settled'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** A manager's decision on a held credit: apply it to its payment, or send it back. */
export const CREDIT_DECISIONS = ['accepted', 'returned'] as const;
export type CreditDecision = (typeof CREDIT_DECISIONS)[number];

/**
 * Why money goes back out: a loser's deposit, a late payment, a held credit a manager returned, the
 * part of a balance a defaulting winner had paid.
 */
export const REFUND_REASONS = ['deposit', 'late_payment', 'returned_credit', 'balance'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

/**
 * `withdrawn`: no longer owed, before it was sent: a losing bidder's deposit kept after all because
 * Art. 51 made them the winner (the deposit counts toward their price, issue 18).
 */
export const REFUND_STATES = ['due', 'sent', 'withdrawn'] as const;
export type RefundState = (typeof REFUND_STATES)[number];
