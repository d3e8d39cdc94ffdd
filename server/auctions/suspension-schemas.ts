// Request bodies of a technical suspension and its re-run (issue 18; server/auctions/suspension.ts).
import { z } from '@hono/zod-openapi';
import { fieldCode } from '../shared/field-errors.ts';
import { Instant } from '../shared/validation.ts';

export const SuspendLotSchema = z
  .object({
    reason: z
      .string()
      .refine((v) => !v.includes('\u0000'), fieldCode('CONTAINS_NUL'))
      .trim()
      .min(1)
      .max(2000)
      .openapi({
        description:
          'The technical fault, as the record and every participant will read it (for example the overload figures of the lot’s shed bids).',
      }),
  })
  .strict()
  .openapi('SuspendLot');

export const RerunLotSchema = z
  .object({
    startsAt: Instant.openapi({ description: 'When the re-run’s bidding starts: in the future.' }),
    endsAt: Instant.optional().openapi({
      description:
        'When it ends (required, but for a descending lot: its price schedule decides the end). Checked as at lot creation: after startsAt, at least AUCTION_MIN_BIDDING_MINUTES later.',
    }),
  })
  .strict()
  .openapi('RerunLot');
export type RerunLotInput = z.infer<typeof RerunLotSchema>;
