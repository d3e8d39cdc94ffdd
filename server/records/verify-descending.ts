// The descending method's own rule, checked on a record (DESIGN.md §8): the schedule written in the
// record is the one its terms make; the ledger holds at most one entry, an acceptance at exactly the
// price asked when it was placed (rules/descending.ts, the bid path's own schedule); the lot closed to
// that bidder at that price, or failed with nobody accepting. No database: the offline verifier runs it.
import { askedPriceAt, scheduleSummary, type DescendingTerms } from '../auctions/rules/descending.ts';
import type { AuctionRecord } from './record-format.ts';
import { problem, type Problem } from './verify-codes.ts';

const same = (a: string, b: string): boolean => Date.parse(a) === Date.parse(b);

/** The first field of the record's schedule that its terms do not make, or undefined. */
function scheduleProblem(r: AuctionRecord, terms: DescendingTerms): Problem | undefined {
  const s = r.schedule!;
  const summary = scheduleSummary(terms);
  const expected = {
    startingPrice: terms.startingPrice,
    priceStep: terms.priceStep,
    intervalSeconds: terms.intervalSeconds,
    floorPrice: terms.floorPrice,
    steps: summary.steps,
    lowestPrice: summary.lowestPrice,
  };
  const wrong =
    (!same(s.startsAt, r.times.startsAt) && 'startsAt') ||
    (!same(s.endsAt, summary.endsAt.toISOString()) && 'endsAt') ||
    (Object.keys(expected) as (keyof typeof expected)[]).find((k) => s[k] !== expected[k]);
  if (!wrong) return undefined;
  return problem(
    'DESCENDING_SCHEDULE_MISMATCH',
    `the record's price schedule (${wrong}) is not the one the lot's terms make: start ${terms.startingPrice}, step ${terms.priceStep} every ${terms.intervalSeconds} s, floor ${terms.floorPrice}`,
    { field: wrong },
  );
}

/** The first breach of the descending rule in a record, or undefined. */
export function descendingProblem(r: AuctionRecord): Problem | undefined {
  const d = r.policy.descending;
  if (r.policy.method !== 'descending' || !d || !r.schedule) return undefined;
  const terms: DescendingTerms = {
    startsAt: new Date(r.times.startsAt),
    startingPrice: r.policy.startingPrice,
    priceStep: r.policy.priceStep,
    intervalSeconds: d.intervalSeconds,
    floorPrice: d.floorPrice,
  };
  const schedule = scheduleProblem(r, terms);
  if (schedule) return schedule;
  const extra = r.ledger.find((e, i) => i > 0 || e.kind !== 'bid');
  if (extra)
    return problem(
      'DESCENDING_EXTRA_ENTRY',
      `ledger entry seq ${extra.seq} (${extra.kind}): a descending lot's ledger holds at most one entry, the acceptance that wins it`,
      { seq: extra.seq },
    );
  const bid = r.ledger.at(0);
  if (bid) {
    const asked = askedPriceAt(terms, new Date(bid.placedAt));
    if (asked?.price !== bid.amount)
      return problem(
        'DESCENDING_WRONG_PRICE',
        `ledger entry seq ${bid.seq} accepts ${bid.amount} at ${bid.placedAt}, but the price asked then was ${asked ? asked.price : 'none (outside the schedule)'}`,
        {
          seq: bid.seq,
          bidderCode: bid.bidderCode,
          price: bid.amount,
          askedPrice: asked?.price ?? null,
          at: bid.placedAt,
        },
      );
  }
  const { result } = r;
  if (result.status === 'cancelled') return undefined;
  // Failed is always a possible end (too few approved bidders fail a lot whatever its bids, as in
  // closing.ts); closed is the acceptance's bidder at its price.
  const holds =
    result.status === 'closed'
      ? bid !== undefined && result.winnerBidderCode === bid.bidderCode && result.finalPrice === bid.amount
      : result.winnerBidderCode === null && result.finalPrice === null;
  if (holds) return undefined;
  return problem(
    'DESCENDING_RESULT_MISMATCH',
    `the result (${result.status}, ${result.winnerBidderCode ?? 'no winner'} at ${result.finalPrice ?? 'no price'}) is not the ledger's: ${bid ? `${bid.bidderCode} accepted ${bid.amount}` : 'nobody accepted, so the lot failed'}`,
    {
      status: result.status,
      winner: result.winnerBidderCode,
      price: result.finalPrice,
      topBidder: bid?.bidderCode ?? null,
      topPrice: bid?.amount ?? null,
    },
  );
}
