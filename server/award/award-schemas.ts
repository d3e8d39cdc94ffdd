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
