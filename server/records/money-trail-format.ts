// The signed money trail of a lot (issue 17), version 1: a later fact beside the lot's record
// (DESIGN.md §8), naming the record by its ledger's final hash. It holds the trail's items as the API
// shows them (GET /api/lots/:id/money: payments by bidder code, credits by the bank's transaction id,
// refunds; no personal data) and the totals the platform computed from them; the verifier recomputes
// the totals with the same rules (server/payments/trail-rules.ts) and checks that they add up. Kept free
// of database imports, like record-format.ts: the offline verifier loads only this, the payments' vocabulary and jose.
import { z } from 'zod';
import {
  CREDIT_DECISIONS,
  CREDIT_OUTCOMES,
  CREDIT_SOURCES,
  HOLD_REASONS,
  PAYMENT_KINDS,
  PAYMENT_STATES,
  REFUND_REASONS,
  REFUND_STATES,
} from '../payments/vocabulary.ts';

export const MONEY_TRAIL_TYPE = 'money-trail';
export const MONEY_TRAIL_VERSION = 1;
/** The JWS `cty` of a signed money trail. */
export const MONEY_TRAIL_CTY = 'money-trail+json';

const iso = z.string().datetime({ offset: true });
const vnd = z.number().int().min(0);
const hash = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest');

const TotalsSchema = z
  .object({
    expected: vnd,
    received: vnd,
    held: vnd,
    onDeposit: vnd,
    retained: vnd,
    forfeited: vnd,
    dueForRefund: vnd,
    refunded: vnd,
    returned: vnd,
  })
  .strict();

export const MoneyTrailDocumentSchema = z
  .object({
    type: z.literal(MONEY_TRAIL_TYPE),
    version: z.literal(MONEY_TRAIL_VERSION),
    issuedAt: iso,
    issuer: z.string().nullable(),
    lot: z.object({ id: z.number().int().positive(), title: z.string(), status: z.string() }).strict(),
    /** The record this trail belongs to: the final hash of the lot's ledger, as the signed record states it. */
    record: z.object({ finalHash: hash }).strict(),
    trail: z
      .object({
        totals: TotalsSchema,
        balanced: z.boolean(),
        problems: z.array(z.string()),
        payments: z.array(
          z
            .object({
              reference: z.string(),
              kind: z.enum(PAYMENT_KINDS),
              bidderCode: z.string(),
              amount: vnd,
              received: vnd,
              state: z.enum(PAYMENT_STATES),
              dueAt: iso,
            })
            .strict(),
        ),
        credits: z.array(
          z
            .object({
              id: z.number().int(),
              source: z.enum(CREDIT_SOURCES),
              transactionId: z.string(),
              reference: z.string().nullable(),
              amount: vnd,
              paidAt: iso,
              outcome: z.enum(CREDIT_OUTCOMES),
              holdReason: z.enum(HOLD_REASONS).nullable(),
              decision: z.enum(CREDIT_DECISIONS).nullable(),
            })
            .strict(),
        ),
        refunds: z.array(
          z
            .object({
              id: z.number().int(),
              reason: z.enum(REFUND_REASONS),
              creditId: z.number().int().nullable(),
              reference: z.string().nullable(),
              bidderCode: z.string().nullable(),
              amount: vnd,
              dueAt: iso,
              state: z.enum(REFUND_STATES),
              sentAt: iso.nullable(),
              bankReference: z.string().nullable(),
            })
            .strict(),
        ),
      })
      .strict(),
  })
  .strict();
export type MoneyTrailDocument = z.infer<typeof MoneyTrailDocumentSchema>;
