// The auction record's parts for the auction methods (record version 3, issue 16): the method's terms,
// the descending price schedule, the periods of extension rounds and the sealed bids. Free of database
// imports, like record-format.ts, so the offline verifier loads only these schemas, the hash chain,
// the pure rules and jose.
import { z } from 'zod';

const iso = z.iso.datetime({ offset: true });
const money = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().positive();

export const RECORD_METHODS = ['ascending', 'descending', 'sealed'] as const;

/** Extension rounds after the official time (ascending lots only). */
export const RoundsTermsSchema = z.strictObject({ max: count, seconds: count, triggerSeconds: count });

/** A descending lot's terms: the price falls by the price step every `intervalSeconds`, down to `floorPrice`. */
export const DescendingTermsSchema = z.strictObject({ intervalSeconds: count, floorPrice: money });

/** A sealed lot's terms: how a tie at the top is broken, and whether a bidder may replace their bid. */
export const SealedTermsSchema = z.strictObject({
  tieBreak: z.enum(['earliest', 'round']),
  replaceable: z.boolean(),
});

/**
 * The descending price schedule as the terms make it (server/auctions/rules/descending.ts): the price
 * asked is `startingPrice − step·priceStep` from `startsAt + step·intervalSeconds`, for steps 0 to
 * `steps − 1`, the last one (`lowestPrice`) at or above the floor; nobody accepting by `endsAt` fails
 * the lot. Written out for readers; the verifier recomputes it from the terms.
 */
export const DescendingScheduleSchema = z.strictObject({
  startsAt: iso,
  startingPrice: money,
  priceStep: money,
  intervalSeconds: count,
  floorPrice: money,
  steps: count,
  lowestPrice: money,
  endsAt: iso,
});

/**
 * One bidding period of a lot with extension rounds: the official time (round 0, open to every
 * approved bidder: `bidders` null) or an extension round, opened by the bid `openedBySeq` in the
 * trigger window of the period before, open only to `bidders` (as the round's start chained them).
 */
export const RecordPeriodSchema = z.strictObject({
  round: z.number().int().nonnegative(),
  startsAt: iso,
  endsAt: iso,
  openedBySeq: z.number().int().positive().nullable(),
  bidders: z.array(z.string()).nullable(),
});

/**
 * One sealed bid as submitted (never its amount: that is only in the ledger, once revealed, with the
 * salt that opens the commitment). A replaced bid stays listed with `replacedAt`; `revealedSeq` is the
 * ledger entry it was revealed as.
 */
export const RecordSealedBidSchema = z.strictObject({
  round: z.number().int().nonnegative(),
  bidderCode: z.string(),
  commitment: z.string(),
  submittedAt: iso,
  replacedAt: iso.nullable(),
  revealedSeq: z.number().int().positive().nullable(),
});

export type RoundsTerms = z.infer<typeof RoundsTermsSchema>;
export type DescendingSchedule = z.infer<typeof DescendingScheduleSchema>;
export type RecordPeriod = z.infer<typeof RecordPeriodSchema>;
export type RecordSealedBid = z.infer<typeof RecordSealedBidSchema>;

/** The parts of a record that belong to one method or another (a record's own shape, from its JSON). */
interface MethodParts {
  version: number;
  policy: { method: string; rounds?: unknown; descending?: unknown; sealed?: unknown };
  schedule?: unknown;
  periods?: unknown;
  sealedBids?: unknown;
  ledger: { commitment?: string; salt?: string }[];
}

/**
 * Whether a record carries exactly its method's parts, or why not: records before version 3 know only
 * the ascending method and none of the parts; a version-3 record carries its method's terms (and the
 * schedule, periods or sealed bids they imply) and no other method's, and only a sealed lot's ledger
 * holds commitments.
 */
export function methodPartsProblem(r: MethodParts): string | undefined {
  const { method, rounds, descending, sealed } = r.policy;
  const present: Record<string, boolean> = {
    rounds: rounds !== undefined,
    periods: r.periods !== undefined,
    descending: descending !== undefined,
    schedule: r.schedule !== undefined,
    sealed: sealed !== undefined,
    sealedBids: r.sealedBids !== undefined,
    commitments: r.ledger.some((e) => e.commitment !== undefined || e.salt !== undefined),
  };
  const parts: Record<string, string[]> =
    r.version < 3
      ? { ascending: [] }
      : {
          ascending: rounds ? ['rounds', 'periods'] : ['rounds'],
          descending: ['descending', 'schedule'],
          // A sealed lot's ledger may hold no revealed bid (nobody bid, or the lot was cancelled).
          sealed: ['sealed', 'sealedBids', ...(present.commitments ? ['commitments'] : [])],
        };
  const expected = parts[method];
  if (!expected) return `a version-${r.version} record cannot be of the ${method} method`;
  for (const [part, has] of Object.entries(present)) {
    if (has && !expected.includes(part)) return `a ${method} record (version ${r.version}) carries no ${part}`;
    if (!has && expected.includes(part)) return `a ${method} record (version ${r.version}) must carry its ${part}`;
  }
  return undefined;
}
