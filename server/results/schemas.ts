// The published results' shapes as zod schemas (documented at /api/openapi.json): a notice as the JSON
// feed and a lot's list show it, the feed's page, a lot's notices, and the paths and paging they take
// (the catalogue's paging names: limit, offset, nextOffset).
import { z } from '@hono/zod-openapi';
import { AWARD_STATES } from '../auctions/award-vocabulary.ts';
import { MAX_INT32, pathId } from '../shared/validation.ts';

const iso = z.string().openapi({ description: 'ISO-8601 UTC.' });

export const PublishedNoticeSchema = z
  .object({
    lotId: z.number().int(),
    title: z.string().openapi({ description: "The lot's title as the notice states it." }),
    sequence: z
      .number()
      .int()
      .openapi({ description: "1 for the lot's notice at the close, then one more for each change." }),
    supersedes: z.string().nullable().openapi({
      description: "The digest of the lot's previous notice (which this one supersedes), or null for the first.",
    }),
    status: z.enum(['closed', 'failed', 'cancelled']),
    award: z
      .enum(AWARD_STATES)
      .nullable()
      .openapi({ description: "A closed lot's award (DESIGN.md §8); null otherwise." }),
    price: z.number().int().nullable().openapi({
      description:
        "The price the award stands at (VND): the winning price, or the next bidder's own under Art. 51; null without a winner.",
    }),
    biddingStartedAt: iso,
    biddingEndedAt: iso,
    priceRecordedAt: z
      .string()
      .nullable()
      .openapi({ description: 'When the winning price was recorded in the ledger; null without one.' }),
    rerunAs: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "A cancelled (suspended) lot's re-run, when scheduled." }),
    issuedAt: iso,
    recordFinalHash: z
      .string()
      .openapi({ description: "The record the notice is about: its ledger's final hash (hex)." }),
    digest: z.string().openapi({
      description:
        "base64url SHA-256 of the signed notice's bytes, exactly as GET /api/results/{lotId}/notices/{sequence} answers them (the transparency log's leaf).",
    }),
    url: z.string().openapi({ description: 'The stable URL of the signed notice (a flattened JWS).' }),
  })
  .openapi('ResultNotice');
export type PublishedNotice = z.infer<typeof PublishedNoticeSchema>;

export const ResultFeedSchema = z
  .object({
    items: z.array(PublishedNoticeSchema),
    total: z.number().int().openapi({ description: 'Lots with a published result.' }),
    nextOffset: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Pass as offset for the next (older) page; null on the last.' }),
  })
  .openapi('ResultFeed');
export type ResultFeed = z.infer<typeof ResultFeedSchema>;

export const LotNoticeSchema = PublishedNoticeSchema.extend({
  superseded: z.boolean().openapi({ description: 'True for every notice but the latest.' }),
  supersededBy: z
    .string()
    .nullable()
    .openapi({ description: 'The digest of the notice that superseded this one, or null.' }),
}).openapi('LotResultNotice');
export type LotNotice = z.infer<typeof LotNoticeSchema>;

export const LotNoticesSchema = z
  .object({
    lotId: z.number().int(),
    title: z.string(),
    notices: z.array(LotNoticeSchema).openapi({ description: 'Latest first.' }),
  })
  .openapi('LotResultNotices');
export type LotNotices = z.infer<typeof LotNoticesSchema>;

const limitText = 'a whole number from 1 to 100';
const offsetText = 'a whole number ≥ 0';
export const ResultPageQuery = z.object({
  limit: z.coerce.number({ error: limitText }).int(limitText).min(1, limitText).max(100, limitText).default(50),
  offset: z.coerce
    .number({ error: offsetText })
    .int(offsetText)
    .min(0, offsetText)
    .max(1_000_000, 'at most 1000000')
    .default(0),
});

export const ResultLotParam = z.object({ lotId: pathId('lotId') });
export const NoticeParams = z.object({
  lotId: pathId('lotId'),
  sequence: z.coerce
    .number()
    .int()
    .positive()
    .max(MAX_INT32)
    .openapi({ param: { name: 'sequence', in: 'path' }, example: 1 }),
});
