// The payments domain's shapes as zod schemas: the one definition of each, documented in
// /api/openapi.json and the source of the services' TypeScript types.
import { z } from '@hono/zod-openapi';
import {
  CREDIT_DECISIONS,
  CREDIT_OUTCOMES,
  CREDIT_SOURCES,
  HOLD_REASONS,
  PAYMENT_KINDS,
  PAYMENT_STATES,
  REFUND_REASONS,
  REFUND_STATES,
} from '../../db/schema.ts';

export const PaymentAccountSchema = z
  .object({
    bank: z.string(),
    bin: z.string().openapi({ description: "The bank's NAPAS BIN (6 digits)." }),
    number: z.string(),
    holder: z.string(),
  })
  .openapi('PaymentAccount');

/** What a registration owes for its deposit, where to pay it, by when, and what has been received. */
export const PaymentSchema = z
  .object({
    reference: z.string().openapi({
      description:
        'The transfer reference to write in the transfer’s memo: DG, 8 characters and a check character (uppercase letters and digits). The one reference used everywhere: bank, statement, manager’s view.',
      example: 'DG7K3M9QX2H',
    }),
    amount: z.number().int().openapi({ description: 'VND to pay.' }),
    account: PaymentAccountSchema,
    dueAt: z.string().openapi({ description: 'Pay by then: the end of the lot’s registration window.' }),
    received: z.number().int().openapi({ description: 'VND received and accepted so far.' }),
    state: z.enum(PAYMENT_STATES),
    qr: z.string().openapi({
      description:
        'The VietQR (EMVCo) payload of this transfer: account, amount and the reference as its purpose. Draw it as a QR code; banking apps read it.',
    }),
  })
  .openapi('Payment');
export type PaymentView = z.infer<typeof PaymentSchema>;

/** A notification from the payment provider (POST /api/payments/notifications). */
export const NotificationBodySchema = z
  .object({
    transactionId: z.string().trim().min(1).max(100),
    reference: z.string().max(500).openapi({ description: 'The transfer’s memo or the reference alone.' }),
    amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    paidAt: z.string().datetime({ offset: true }),
    payerAccount: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "The payer's account number, where the provider reports it: a refund goes there." }),
    payerName: z.string().trim().min(1).max(100).optional().openapi({ description: "The payer's account name." }),
    payerBank: z.string().trim().min(1).max(100).optional().openapi({ description: "The payer's bank." }),
    direction: z.enum(['credit', 'debit']).default('credit').openapi({
      description:
        "`credit` (the default): money into the house's account, matched to a payment. `debit`: money out of it, a refund sent; its memo (`reference`) carries the refund's code (HT and its id, as the refund instruction file writes it) and `amount` must be the refund's.",
    }),
  })
  .openapi('PaymentNotification');

/** What matching did with one credit. */
export const CreditOutcomeSchema = z
  .object({
    creditId: z.number().int(),
    transactionId: z.string(),
    outcome: z.enum(CREDIT_OUTCOMES),
    holdReason: z.enum(HOLD_REASONS).nullable(),
    reference: z.string().nullable().openapi({ description: 'The payment reference the credit matched, if any.' }),
    amount: z.number().int(),
    duplicate: z
      .boolean()
      .openapi({ description: 'True when this transaction was already recorded: the first outcome, nothing changed.' }),
  })
  .openapi('CreditOutcome');
export type CreditOutcomeView = z.infer<typeof CreditOutcomeSchema>;

/** What a debit notification (a refund sent from the house's account) did. */
export const DebitOutcomeSchema = z
  .object({
    transactionId: z.string(),
    direction: z.literal('debit'),
    outcome: z.enum(['refund_confirmed', 'unmatched']).openapi({
      description:
        '`refund_confirmed`: the refund its memo names is recorded as sent, with this transaction id as the bank reference. `unmatched`: nothing changed; confirm the refund by hand.',
    }),
    unmatchedReason: z
      .enum(['no_refund_code', 'unknown_refund', 'amount_mismatch', 'already_sent'])
      .nullable()
      .openapi({
        description:
          'Why nothing matched: no refund code in the memo, no such refund, an amount that is not the refund’s, or a refund already confirmed under another transaction.',
      }),
    refundId: z.number().int().nullable(),
    amount: z.number().int(),
    duplicate: z
      .boolean()
      .openapi({ description: 'True when this transaction had already confirmed the refund: nothing changed.' }),
  })
  .openapi('DebitOutcome');
export type DebitOutcomeView = z.infer<typeof DebitOutcomeSchema>;

/** The answer to an authenticated notification: what matching did with its credit or its debit. */
export const NotificationOutcomeSchema = z.union([CreditOutcomeSchema, DebitOutcomeSchema]);

/** A line of an imported statement and what became of it. */
export const StatementLineSchema = z
  .object({
    line: z.number().int(),
    result: z.enum(['accepted', 'held', 'late', 'duplicate', 'skipped']),
    transactionId: z.string().nullable(),
    amount: z.number().int().nullable(),
    holdReason: z.enum(HOLD_REASONS).nullable(),
    reference: z.string().nullable(),
  })
  .openapi('StatementLine');
export const StatementSummarySchema = z
  .object({
    lines: z.array(StatementLineSchema),
    counts: z.object({
      accepted: z.number().int(),
      held: z.number().int(),
      late: z.number().int(),
      duplicate: z.number().int(),
      skipped: z.number().int(),
    }),
  })
  .openapi('StatementSummary');
export type StatementSummary = z.infer<typeof StatementSummarySchema>;

/** A credit as the exceptions queue shows it. */
export const CreditSchema = z
  .object({
    id: z.number().int(),
    source: z.enum(CREDIT_SOURCES),
    transactionId: z.string(),
    memo: z.string().openapi({ description: 'The reference or memo as the payer wrote it.' }),
    amount: z.number().int(),
    paidAt: z.string(),
    receivedAt: z.string(),
    outcome: z.enum(CREDIT_OUTCOMES),
    holdReason: z.enum(HOLD_REASONS).nullable(),
    decision: z.enum(CREDIT_DECISIONS).nullable(),
    decidedAt: z.string().nullable(),
    reversedAt: z.string().nullable(),
    payment: z
      .object({
        reference: z.string(),
        lotId: z.number().int(),
        registrationId: z.number().int(),
        bidderCode: z.string(),
        amount: z.number().int(),
        received: z.number().int(),
        state: z.enum(PAYMENT_STATES),
      })
      .nullable()
      .openapi({ description: 'The payment the credit’s reference named; null for an unknown reference.' }),
  })
  .openapi('PaymentCredit');
export type CreditView = z.infer<typeof CreditSchema>;
export const HeldCreditsSchema = z.object({ items: z.array(CreditSchema) }).openapi('HeldCredits');

export const DecisionBodySchema = z
  .object({ decision: z.enum(CREDIT_DECISIONS) })
  .strict()
  .openapi('CreditDecision');

/** A bank's reference of a transfer, as a person types it from a statement: 1–100 characters, no control characters. */
const bankReference = (description: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(100)
    // eslint-disable-next-line no-control-regex -- control characters are what it refuses
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v))
    .openapi({ description });
/** A time a person gives for a transfer (ISO 8601 with an offset), optional. */
const transferTime = (description: string) => z.string().datetime({ offset: true }).optional().openapi({ description });

/**
 * The manager's "deposit received" with its details (POST /api/lots/:id/registrations/:rid/approve).
 * An empty body keeps the v1 meaning (DESIGN.md §5): the deposit received in full, no bank reference.
 */
export const ManualDepositBodySchema = z
  .object({
    amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({ description: 'VND received.' }),
    bankReference: bankReference('The bank’s reference of the credit, as the statement shows it.'),
    paidAt: transferTime('When the money arrived; with it, a credit after the due time is late.'),
    confirm: z
      .literal(true)
      .optional()
      .openapi({ description: 'Required: true. Without it the answer is 422 asking for confirmation.' }),
  })
  .strict()
  .openapi('ManualDeposit');

/** Money owed back: a loser's deposit, a late or refused transfer, a defaulted balance's part paid. */
export const RefundSchema = z
  .object({
    id: z.number().int(),
    reason: z.enum(REFUND_REASONS),
    creditId: z.number().int().nullable().openapi({
      description: "The credit this refund sends back (a late or refused transfer); null for a payment's refund.",
    }),
    reference: z.string().nullable().openapi({ description: 'The payment reference the money came in under.' }),
    bidderCode: z.string().nullable(),
    amount: z.number().int().openapi({ description: 'VND to send back.' }),
    dueAt: z.string().openapi({ description: 'Send by then (working days after the close, Vietnam time).' }),
    state: z.enum(REFUND_STATES),
    sentAt: z.string().nullable(),
    bankReference: z.string().nullable().openapi({ description: 'The bank’s reference of the outgoing transfer.' }),
  })
  .openapi('Refund');
export type RefundView = z.infer<typeof RefundSchema>;

const vnd = (description: string) => z.number().int().openapi({ description });

/** A lot's money trail: where every credit to its payments stands, and whether it adds up (money-trail.ts). */
export const MoneyTrailSchema = z
  .object({
    lotId: z.number().int(),
    totals: z
      .object({
        expected: vnd("What the lot's payments ask for: every deposit instruction and the winner's balance."),
        received: vnd("Every credit to the lot's payments (reversed manual entries left out)."),
        held: vnd("Credits waiting for a manager's decision."),
        onDeposit: vnd('Deposits accepted while the lot has not ended.'),
        retained: vnd("The winner's deposit and balance, toward the price."),
        forfeited: vnd('Deposits forfeited (a withdrawal, a winner who did not pay).'),
        dueForRefund: vnd('Owed back and not yet sent.'),
        refunded: vnd('Deposits (and a defaulted balance) sent back.'),
        returned: vnd('Late or refused transfers sent back.'),
      })
      .openapi({
        description:
          'Always received = held + onDeposit + retained + forfeited + dueForRefund + refunded + returned (VND).',
      }),
    balanced: z.boolean().openapi({ description: 'True when the trail adds up, payment by payment too.' }),
    problems: z.array(z.string()).openapi({ description: 'What does not add up, in words; empty when balanced.' }),
    payments: z.array(
      z.object({
        reference: z.string(),
        kind: z.enum(PAYMENT_KINDS),
        bidderCode: z.string(),
        amount: z.number().int(),
        received: z.number().int(),
        state: z.enum(PAYMENT_STATES),
        dueAt: z.string(),
      }),
    ),
    credits: z.array(
      z.object({
        id: z.number().int(),
        source: z.enum(CREDIT_SOURCES),
        transactionId: z.string(),
        reference: z.string().nullable(),
        amount: z.number().int(),
        paidAt: z.string(),
        outcome: z.enum(CREDIT_OUTCOMES),
        holdReason: z.enum(HOLD_REASONS).nullable(),
        decision: z.enum(CREDIT_DECISIONS).nullable(),
      }),
    ),
    refunds: z.array(RefundSchema),
  })
  .openapi('MoneyTrail');
export type MoneyTrail = z.infer<typeof MoneyTrailSchema>;

/** The lot's manager confirms a refund sent (POST /api/payments/refunds/:id/sent). */
export const RefundSentBodySchema = z
  .object({
    bankReference: bankReference('The bank’s reference of the outgoing transfer.'),
    sentAt: transferTime('When the bank sent it (default: now); not in the future.'),
  })
  .strict()
  .openapi('RefundSent');
