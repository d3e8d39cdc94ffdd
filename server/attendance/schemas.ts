// Zod schemas for attendance (issue 18): the manager's decision on a held no-show, and a lot's
// attendance as its manager, regulators and admins read it (bidder codes only, never a person).
import { z } from '@hono/zod-openapi';
import { NO_SHOW_STATES, REGISTRATION_STATUSES } from '../../db/schema.ts';
import { fieldCode } from '../shared/field-errors.ts';

export const NO_SHOW_DECISIONS = ['forfeit', 'excuse'] as const;
export type NoShowDecision = (typeof NO_SHOW_DECISIONS)[number];

export const NoShowDecisionSchema = z
  .object({
    decision: z.enum(NO_SHOW_DECISIONS).openapi({
      description:
        '`forfeit`: the deposit is forfeited (Art. 39); `excuse`: the absence is excused (force majeure) and the deposit is due for refund like a losing bidder’s.',
    }),
    note: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      // eslint-disable-next-line no-control-regex -- control characters are what it refuses
      .refine((v) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(v), fieldCode('CONTAINS_CONTROL'))
      .optional()
      .openapi({ description: 'Why, for the audit trail and the regulator (no personal data).' }),
  })
  .strict()
  .openapi('NoShowDecision');

export const AttendanceEntrySchema = z
  .object({
    registrationId: z.number().int(),
    bidderCode: z.string(),
    status: z.enum(REGISTRATION_STATUSES),
    firstSeenAt: z.string().nullable().openapi({
      description:
        'The first signed-in watch, page view or bid in the bidding window (null: never seen). Bids count from the ledger.',
    }),
    lastSeenAt: z.string().nullable().openapi({ description: 'The last one, within about 30 s.' }),
    bidsPlaced: z.number().int().openapi({ description: 'Bids in the public ledger (withdrawals not counted).' }),
    noShow: z.enum(NO_SHOW_STATES).nullable().openapi({
      description:
        'Approved but never present at the close: `forfeited`, `held` (the lot had a technical fault: force majeure, awaiting the decision) or `excused`; null otherwise.',
    }),
    decisionPending: z.boolean().openapi({ description: 'True while a held no-show awaits the manager’s decision.' }),
  })
  .openapi('AttendanceEntry');

export const AttendanceSchema = z
  .object({
    lotId: z.number().int(),
    forfeitPolicy: z.boolean().openapi({
      description: 'NO_SHOW_FORFEIT: whether no-shows forfeit their deposits on this platform now.',
    }),
    items: z.array(AttendanceEntrySchema),
  })
  .openapi('Attendance');

export type AttendanceEntry = z.infer<typeof AttendanceEntrySchema>;
export type Attendance = z.infer<typeof AttendanceSchema>;
