// The award routes' request and response shapes (server/award/award-routes.ts).
import { z } from '@hono/zod-openapi';
import { AWARD_STATES } from './../auctions/award-vocabulary.ts';
import { FlattenedJwsSchema } from '../records/jws-schema.ts';

export const RefusalBodySchema = z
  .object({
    reason: z
      .string()
      .trim()
      .max(500)
      .optional()
      .openapi({ description: 'Why, in the bidder’s words (kept in the audit log).' }),
  })
  .strict()
  .openapi('AwardRefusal');

export const AwardOutcomeSchema = z
  .object({
    lotId: z.number().int(),
    award: z.object({
      state: z.enum(AWARD_STATES),
      bidderCode: z.string().nullable(),
      price: z.number().int().nullable(),
      deadline: z.string().nullable().openapi({ description: 'When what the award now waits for is due, or null.' }),
    }),
    document: FlattenedJwsSchema.nullable().openapi({
      description: 'The signed confirmation, when this action issued one (POST /confirmation).',
    }),
  })
  .openapi('AwardOutcome');

const iso = z.string().openapi({ format: 'date-time' });

export const RecordExtractSchema = z
  .object({
    lotId: z.number().int(),
    title: z.string(),
    method: z.string(),
    status: z.enum(['closed', 'failed', 'cancelled']),
    biddingStartedAt: iso,
    biddingEndedAt: iso,
    participants: z.object({
      qualified: z.number().int().openapi({
        description: 'Registrants who could bid: approved (or barred for a withdrawal during the bidding).',
      }),
      attended: z.number().int().openapi({ description: 'Of them, those present during the bidding (or who bid).' }),
    }),
    bids: z.number().int().openapi({ description: 'Bids in the ledger (GET /api/lots/{id}/bids lists them).' }),
    winningPrice: z.number().int().nullable(),
    winnerBidderCode: z.string().nullable(),
    award: z
      .object({
        state: z.enum(AWARD_STATES),
        bidderCode: z.string().nullable().openapi({ description: 'Whom the award names (Art. 51: the next bidder).' }),
        price: z.number().int().nullable(),
        priceRecordedAt: iso.nullable().openapi({ description: 'When that price was recorded in the ledger.' }),
      })
      .nullable(),
    recordFinalHash: z.string().openapi({
      description:
        "The record's name: its ledger's final hash (hex), the last entry's hash in GET /api/lots/{id}/bids. The winner's signed confirmation names it.",
    }),
  })
  .openapi('RecordExtract');
export type RecordExtract = z.infer<typeof RecordExtractSchema>;
