// Zod schemas for the lot API: request bodies (validated at the boundary, with one field code per
// offending field: server/shared/field-errors.ts) and the response shapes documented in the OpenAPI
// description.
import { z } from '@hono/zod-openapi';
import { fieldCode } from '../shared/field-errors.ts';
import { Instant, Vnd } from '../shared/validation.ts';
import { AWARD_STATES, LOT_METHODS, LOT_STATUSES, RULES_LANGUAGES, TIE_BREAKS } from '../../db/schema.ts';
import { CATALOGUE_SORTS, EXACT_TOTAL_UP_TO } from './lot-search.ts';
import { PROVINCE_IDS } from './provinces.ts';

/** Text without NUL characters (PostgreSQL text cannot hold them). */
const Text = () => z.string().refine((v) => !v.includes('\u0000'), fieldCode('CONTAINS_NUL'));

export const SoftCloseSchema = z
  .object({
    windowSeconds: z.number().int().min(1).max(3600),
    extendSeconds: z.number().int().min(1).max(3600),
  })
  .openapi('SoftClose', {
    description: 'A bid in the last windowSeconds moves the end to extendSeconds after the bid.',
  });

export const RoundsSchema = z
  .object({
    max: z.number().int().min(1).max(100),
    seconds: z.number().int().min(1).max(3600),
    triggerSeconds: z.number().int().min(1).max(3600),
  })
  .openapi('Rounds', {
    description:
      'Extension rounds (ascending only): a valid bid in the last triggerSeconds of the official time, or of a round, opens the next round of `seconds` (up to `max` rounds); only bidders with a valid bid in the period before may bid in a round.',
  });

/** The legal outcome after a close with a winner (DESIGN.md §8); null before, and for a lot without a winner. */
export const AwardSchema = z
  .object({
    state: z.enum(AWARD_STATES).openapi({
      description:
        'awaiting_confirmation (the winner has yet to confirm; the balance is being paid), offered_to_next, awarded (the winner signed the record), failed (no one signed), defaulted (the winner did not pay the balance in time: deposit forfeited, the winner barred for a period). The lot’s status stays closed.',
    }),
    bidderCode: z.string().nullable(),
    price: z.number().int().nullable(),
    deadline: z
      .string()
      .nullable()
      .openapi({ description: 'When what the award waits for is due (the balance), or null.' }),
  })
  .nullable()
  .openapi('Award');

/** The method and its parameters (DESIGN.md §8), in the create and edit bodies. */
const methodFields = {
  method: z.enum(LOT_METHODS).optional().openapi({
    description:
      'ascending (the default): bids rise by at least the step; descending: the price falls by the step every intervalSeconds to floorPrice and the first acceptance wins; sealed: one sealed bid per bidder, revealed together at the end.',
  }),
  rounds: RoundsSchema.nullable().optional(),
  intervalSeconds: z.number().int().min(1).max(86_400).nullable().optional().openapi({
    description: 'Descending: seconds between two falls of the price asked.',
  }),
  floorPrice: Vnd.nullable().optional().openapi({
    description: 'Descending: the lowest price asked; nobody accepting down to it fails the lot.',
  }),
  tieBreak: z.enum(TIE_BREAKS).nullable().optional().openapi({
    description:
      'Sealed: a tie at the top goes to the earliest submission (default), or to a further sealed round among the tied bidders.',
  }),
  replaceable: z.boolean().nullable().optional().openapi({
    description: 'Sealed: whether a bidder may replace their sealed bid until the end (default false).',
  }),
};

const lotFields = {
  title: Text().trim().min(1).max(200),
  description: Text().trim().max(10_000),
  category: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,40}$/, fieldCode('NOT_CATEGORY'))
    .optional(),
  province: z
    .enum(PROVINCE_IDS, { error: 'one of the 34 province ids, such as ha-noi' })
    .nullable()
    .optional()
    .openapi({
      description: "Where the asset is: one of Vietnam's 34 provinces and centrally-run cities (since 2025), or null.",
    }),
  startingPrice: Vnd,
  priceStep: Vnd,
  deposit: Vnd,
  registrationOpensAt: Instant,
  registrationClosesAt: Instant,
  startsAt: Instant,
  endsAt: Instant.optional().openapi({
    description:
      'The end of bidding (required, but for a descending lot: it ends when its price schedule does, and the platform works that out).',
  }),
  softClose: SoftCloseSchema.nullable().optional(),
  ...methodFields,
  rules: Text().trim().min(1).max(50_000).optional().openapi({
    description:
      'The rules every bidder accepts; without it the platform writes them from the terms and the policy, in Vietnamese and English (and writes them again when the terms change).',
  }),
  rulesLanguage: z.enum(RULES_LANGUAGES).optional().openapi({
    description:
      "The language `rules` is written in (sent with `rules`; alone, it re-labels the manager's own text). Without it: vi when the text uses Vietnamese letters, else en.",
  }),
};

export const CreateLotSchema = z
  .object({
    ...lotFields,
    organisationId: z.number().int().positive().optional().openapi({
      description:
        'The auction organisation the lot belongs to (issue 19): one the manager manages; without it, their only one (422 when they manage several).',
    }),
  })
  .strict()
  .openapi('CreateLot');
export type CreateLotInput = z.infer<typeof CreateLotSchema>;
export const UpdateLotSchema = z.object(lotFields).partial().strict().openapi('UpdateLot');
export type UpdateLotInput = z.infer<typeof UpdateLotSchema>;
export const CancelLotSchema = z
  .object({ reason: Text().trim().min(1).max(2000) })
  .strict()
  .openapi('CancelLot');

export const LotSchema = z
  .object({
    id: z.number().int(),
    title: z.string(),
    description: z.string(),
    category: z.string(),
    organisationId: z.number().int().openapi({ description: 'The auction organisation running the lot (issue 19).' }),
    province: z.enum(PROVINCE_IDS).nullable().openapi({
      description: 'Where the asset is: a province id (server/auctions/provinces.ts), or null when not given.',
    }),
    status: z.enum(LOT_STATUSES),
    startingPrice: z.number().int(),
    priceStep: z.number().int(),
    deposit: z.number().int(),
    currentPrice: z.number().int().nullable(),
    highestBidderCode: z.string().nullable(),
    bidCount: z.number().int(),
    seq: z.number().int(),
    registrationOpensAt: z.string(),
    registrationClosesAt: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    scheduledEndsAt: z
      .string()
      .openapi({ description: 'The end as published; endsAt moves with soft-close extensions.' }),
    softClose: SoftCloseSchema.nullable(),
    minNextBid: z.number().int().nullable().openapi({
      description:
        'The lowest amount the next bid may be, while bidding is possible; otherwise null. For a descending lot, exactly the price asked (the amount to accept); for a sealed lot, the lowest sealed amount.',
    }),
    method: z.enum(LOT_METHODS),
    rounds: RoundsSchema.nullable(),
    intervalSeconds: z.number().int().nullable(),
    floorPrice: z.number().int().nullable(),
    tieBreak: z.enum(TIE_BREAKS).nullable(),
    replaceable: z.boolean().nullable(),
    nextPriceAt: z.string().nullable().openapi({
      description: 'A descending lot while open: when the price asked falls next (null on its last step).',
    }),
    nextPrice: z.number().int().nullable().openapi({
      description: 'A descending lot while open: the price it will ask from nextPriceAt (null on its last step).',
    }),
    round: z.number().int().nullable().openapi({
      description:
        'The period: for a lot with rounds, 0 in the official time and k in extension round k (while rounds run, endsAt is the end of the current round); for a sealed lot, 0 or tie round k; otherwise null.',
    }),
    registrationOpen: z
      .boolean()
      .openapi({ description: 'True while the registration window is open by the server clock.' }),
    biddingOpen: z.boolean().openapi({
      description:
        'True while a bid would be taken by the server clock (as of serverTime): published, not ended, from startsAt until endsAt.',
    }),
    ended: z.boolean().openapi({ description: 'True once the end is final: the lot closed, failed or was cancelled.' }),
    managerActions: z
      .object({
        edit: z.boolean().openapi({
          description: 'The terms and schedule may change (PATCH): a draft, or before registration opens.',
        }),
        publish: z.boolean().openapi({ description: 'POST /publish: a draft.' }),
        cancel: z.boolean().openapi({ description: 'POST /cancel: not yet ended.' }),
        approveDeposits: z
          .boolean()
          .openapi({ description: "Registrations' deposits may be confirmed: published and not yet ended." }),
        suspend: z.boolean().openapi({
          description:
            'POST /suspend (also open to regulators and admins): bidding is under way (live, before its end).',
        }),
        rerun: z.boolean().openapi({ description: 'POST /rerun (also open to admins): suspended and not yet re-run.' }),
      })
      .openapi('ManagerActions', {
        description:
          "What the lot's manager may do with it now (as of serverTime), by the same rules the API applies when asked.",
      }),
    rules: z
      .string()
      .openapi({ description: 'The rules text, in `rulesLanguage` (English for the rules the platform writes).' }),
    rulesLanguage: z.enum(RULES_LANGUAGES).openapi({ description: 'The language `rules` is written in.' }),
    rulesTranslations: z.object({ vi: z.string().optional(), en: z.string().optional() }).openapi({
      description:
        "The same rules in other languages: the platform's rules carry their Vietnamese text (`vi`); a manager's own text has none. Show a person the text in their language when there is one, else `rules` marked with `rulesLanguage`.",
    }),
    rulesGenerated: z
      .boolean()
      .openapi({ description: 'True when the platform wrote the rules from the terms and the policy.' }),
    rulesVersion: z.number().int(),
    imageIds: z.array(z.number().int()),
    cancelReason: z.string().nullable(),
    closedAt: z.string().nullable(),
    finalPrice: z.number().int().nullable(),
    winnerBidderCode: z.string().nullable(),
    award: AwardSchema,
    suspendedAt: z.string().nullable().openapi({
      description:
        'When a technical suspension stopped bidding (status `suspended`; the lot stays suspended until its re-run cancels it), or null.',
    }),
    suspensionReason: z.string().nullable().openapi({ description: 'The reason stated for the suspension, or null.' }),
    rerunOf: z.number().int().nullable().openapi({ description: 'The suspended lot this lot re-runs, or null.' }),
    rerunAs: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The lot this suspended lot was re-run as (it is then `cancelled`), or null.' }),
    serverTime: z.string(),
  })
  .openapi('Lot');
/** The public view of a lot (GET /api/lots/:id), as auctions/public-lot.ts computes it. */
export type PublicLot = z.infer<typeof LotSchema>;

/** A price bound in a query string: digits only (no sign, separators or units), a safe integer of VND. */
const PriceBound = () =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'a whole number of VND, digits only, such as 500000000')
    .transform(Number)
    .refine((v) => Number.isSafeInteger(v), `at most ${Number.MAX_SAFE_INTEGER}`)
    .optional()
    .openapi({
      example: '500000000',
      description:
        "Inclusive bound on the lot's price: its final price once closed, its current price once bid on, otherwise its starting price.",
    });

/** A bound on a lot's start or end: a date (2026-01-01, midnight UTC) or an ISO-8601 instant. */
const TimeBound = (name: string, description: string) =>
  z
    .union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'a date (2026-01-01) or an ISO-8601 time' })
    .transform((s) => new Date(s))
    .optional()
    .openapi({ param: { name, in: 'query' }, example: '2026-12-01T00:00:00Z', description });

export const ListLotsQuery = z
  .object({
    status: z.enum(LOT_STATUSES, { error: `one of ${LOT_STATUSES.join(', ')}` }).optional(),
    q: Text().trim().max(200, 'at most 200 characters').optional().openapi({
      description:
        'Search in the title, description and province, as people type: without diacritics ("ha noi" finds "Hà Nội"), in any case, words in any order, each word finding the words it begins ("bie" finds "biển"), syllables run together ("bienso", "hanoi"), and licence plates in any format ("30K88888", "30k-888.88", "30K 888", "51K-888" and "88888" find "30K-888.88"; a word typed with a plate\'s letters and digits finds the plates holding them, "888.88" every plate ending so).',
    }),
    category: Text().trim().max(40, 'at most 40 characters').optional(),
    province: z
      .enum(PROVINCE_IDS, { error: 'one of the 34 province ids, such as ha-noi' })
      .optional()
      .openapi({ description: 'Only lots in this province (see the Lot province field).' }),
    minPrice: PriceBound(),
    maxPrice: PriceBound(),
    startsFrom: TimeBound('startsFrom', 'Only lots whose bidding starts at or after this instant.'),
    startsTo: TimeBound('startsTo', 'Only lots whose bidding starts before this instant.'),
    endsFrom: TimeBound('endsFrom', 'Only lots whose bidding ends (endsAt, as extended) at or after this instant.'),
    endsTo: TimeBound('endsTo', 'Only lots whose bidding ends (endsAt, as extended) before this instant.'),
    sort: z
      .enum(CATALOGUE_SORTS, { error: CATALOGUE_SORTS.join(' or ') })
      .optional()
      .openapi({
        description:
          'Without it: open lots first (soonest end first), then the rest newest first. ending: lots still open by their end, soonest end first, then ended lots, latest end first. newest: latest created first.',
      }),
    mine: z
      .enum(['true', 'false'], { error: 'true or false' })
      .optional()
      .openapi({ description: 'Managers: only the lots they manage, drafts included.' }),
    limit: z.coerce
      .number({ error: 'a whole number from 1 to 100' })
      .int('a whole number from 1 to 100')
      .min(1, 'a whole number from 1 to 100')
      .max(100, 'a whole number from 1 to 100')
      .default(50),
    offset: z.coerce
      .number({ error: 'a whole number ≥ 0' })
      .int('a whole number ≥ 0')
      .min(0, 'a whole number ≥ 0')
      .max(1_000_000, 'at most 1000000')
      .default(0)
      .openapi({
        description:
          'Lots to skip (offset paging): its cost grows with the offset, so deep pages are better read by `cursor`.',
      }),
    cursor: z
      .string()
      .min(1, 'the nextCursor of the previous page')
      .max(400, 'the nextCursor of the previous page')
      .optional()
      .openapi({
        description:
          "The previous page's `nextCursor` (keyset paging: each page costs the same however deep, and lots added meanwhile never repeat or shift a page). Send it with the same `q`, filters and `sort` as the page it came from, without `offset`; any other string is 400 MALFORMED_REQUEST (reason catalogue_cursor_invalid).",
      }),
  })
  .refine((o) => o.minPrice === undefined || o.maxPrice === undefined || o.minPrice <= o.maxPrice, {
    path: ['maxPrice'],
    message: 'at least minPrice',
  })
  .refine((o) => !o.startsFrom || !o.startsTo || o.startsFrom < o.startsTo, {
    path: ['startsTo'],
    message: 'after startsFrom',
  })
  .refine((o) => !o.endsFrom || !o.endsTo || o.endsFrom < o.endsTo, { path: ['endsTo'], message: 'after endsFrom' })
  .refine((o) => o.cursor === undefined || o.offset === 0, {
    path: ['offset'],
    message: 'not with cursor: the cursor says where the page starts',
  });

export const LotListSchema = z
  .object({
    items: z.array(LotSchema),
    total: z
      .number()
      .int()
      .openapi({
        description: `How many lots match: exact when totalExact is true, which it is up to ${EXACT_TOTAL_UP_TO} matches; beyond, PostgreSQL's estimate (counting every match of a frequent word among millions of lots would cost more than the page).`,
      }),
    totalExact: z.boolean().openapi({ description: 'Whether total is an exact count (false: an estimate).' }),
    nextOffset: z.number().int().nullable().openapi({
      description: 'The offset of the next page (offset paging); null on the last page, and when paging by cursor.',
    }),
    nextCursor: z.string().nullable().openapi({
      description: 'Opaque: pass it as `cursor` (same q, filters and sort) for the next page; null on the last page.',
    }),
  })
  .openapi('LotList');

export const ResultSchema = z
  .object({
    lotId: z.number().int(),
    status: z.enum(LOT_STATUSES),
    winnerBidderCode: z.string().nullable(),
    finalPrice: z.number().int().nullable(),
    closedAt: z.string().nullable(),
    cancelReason: z.string().nullable(),
    bidCount: z.number().int(),
    award: AwardSchema,
  })
  .openapi('LotResult');
/** GET /api/lots/:id/result. */
export type LotResult = z.infer<typeof ResultSchema>;
