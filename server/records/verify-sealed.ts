// The sealed method's own rule, checked on a record (DESIGN.md §8; rules/sealed.ts): the sealed bids
// the record lists are the submissions the history chained (bidder, commitment, round, time), one per
// bidder and round unless the lot lets a bid be replaced; every ledger entry is a revealed sealed bid
// whose amount and salt open its commitment, the live (last) submission of its bidder in its round,
// revealed once; every live bid of a revealed round was revealed; a tie round holds only the bidders
// tied before it; and the result is the reveal's outcome (sealedOutcome, with the lot's tie-break).
// No database: the offline verifier runs it.
import { commitmentHolds, sealedOutcome, tieBreakAt, type SealedOutcome } from '../auctions/rules/sealed.ts';
import type { RecordSealedBid } from './method-format.ts';
import type { AuctionRecord, RecordEntry } from './record-format.ts';
import { problem, type Problem } from './verify-codes.ts';

/** The audit actions of sealed bidding (chained by the sealed-bid service and the reveal). */
export const SEALED_SUBMITTED = 'sealed_bid.submitted';
export const SEALED_REVEALED = 'sealed.revealed';

const key = (code: string, round: number): string => `${code}\u0000${round}`;

/** The record's sealed bids against the chained submissions, one by one in order. */
function chainProblem(r: AuctionRecord, listed: RecordSealedBid[], replaceable: boolean): Problem | undefined {
  const chained = r.history.filter((e) => e.action === SEALED_SUBMITTED);
  const byCommitment = new Map(chained.map((e) => [e.data.commitment, e]));
  const notChained = (b: Pick<RecordSealedBid, 'bidderCode' | 'round'>, why: string): Problem =>
    problem(
      'SEALED_BIDS_NOT_CHAINED',
      `the sealed bid of ${b.bidderCode} in round ${b.round} ${why}: the record's sealed bids must be the submissions its history chained`,
      { bidderCode: b.bidderCode, round: b.round },
    );
  for (const b of listed) {
    const e = byCommitment.get(b.commitment);
    if (!e || e.data.bidderCode !== b.bidderCode || e.data.round !== b.round)
      return notChained(b, 'has no submission event with its commitment');
    if (Date.parse(e.at) !== Date.parse(b.submittedAt))
      return notChained(b, `was chained at ${e.at}, not ${b.submittedAt}`);
  }
  if (chained.length !== listed.length) {
    const missing = chained.find((e) => !listed.some((b) => b.commitment === e.data.commitment));
    const code = typeof missing?.data.bidderCode === 'string' ? missing.data.bidderCode : '?';
    return notChained({ bidderCode: code, round: Number(missing?.data.round ?? 0) }, 'is chained but not listed');
  }
  const seen = new Map<string, RecordSealedBid>();
  for (const b of listed) {
    const earlier = seen.get(key(b.bidderCode, b.round));
    if (earlier && !replaceable)
      return problem(
        'SEALED_BID_TWICE',
        `${b.bidderCode} submitted more than one sealed bid in round ${b.round}, and the lot does not let a bid be replaced`,
        { bidderCode: b.bidderCode, round: b.round },
      );
    if (earlier && earlier.replacedAt === null) return notChained(earlier, 'was replaced but is not marked replaced');
    seen.set(key(b.bidderCode, b.round), b);
  }
  return undefined;
}

/** The first breach of the sealed rule in a record, or undefined. */
export function sealedProblem(r: AuctionRecord): Problem | undefined {
  const terms = r.policy.sealed;
  const listed = r.sealedBids;
  if (r.policy.method !== 'sealed' || !terms || !listed) return undefined;
  const chain = chainProblem(r, listed, terms.replaceable);
  if (chain) return chain;
  // The live bid of each bidder in each round is their last submission there.
  const live = new Map<string, RecordSealedBid>();
  for (const b of listed) live.set(key(b.bidderCode, b.round), b);
  const revealed = new Map<string, RecordEntry>();
  const roundOf = new Map<number, RecordSealedBid>();
  for (const e of r.ledger) {
    if (e.kind !== 'bid' || e.commitment === undefined || e.salt === undefined)
      return problem(
        'SEALED_ENTRY_NOT_SEALED',
        `ledger entry seq ${e.seq} (${e.kind}) is not a revealed sealed bid with its commitment and salt`,
        { seq: e.seq },
      );
    if (!commitmentHolds(e.commitment, e.salt, e.amount))
      return problem(
        'SEALED_COMMITMENT_MISMATCH',
        `ledger entry seq ${e.seq} (${e.bidderCode}): the amount ${e.amount} and its salt do not open its commitment`,
        { seq: e.seq, bidderCode: e.bidderCode, price: e.amount },
      );
    const bid = listed.find((b) => b.commitment === e.commitment && b.bidderCode === e.bidderCode);
    if (!bid || live.get(key(bid.bidderCode, bid.round)) !== bid)
      return problem(
        'SEALED_BID_NOT_SUBMITTED',
        `ledger entry seq ${e.seq} (${e.bidderCode}) reveals ${bid ? 'a replaced sealed bid' : 'a commitment its bidder never submitted'}`,
        { seq: e.seq, bidderCode: e.bidderCode },
      );
    if (revealed.has(key(bid.bidderCode, bid.round)))
      return problem(
        'SEALED_BID_TWICE',
        `${bid.bidderCode}'s sealed bid in round ${bid.round} is revealed more than once (seq ${e.seq})`,
        { bidderCode: bid.bidderCode, round: bid.round },
      );
    revealed.set(key(bid.bidderCode, bid.round), e);
    roundOf.set(e.seq, bid);
  }
  if (r.result.status === 'cancelled') return undefined;
  // The rounds revealed: those the history says were, and those the ledger holds bids of.
  const rounds = [
    ...[...roundOf.values()].map((b) => b.round),
    ...r.history.filter((e) => e.action === SEALED_REVEALED).map((e) => Number(e.data.round)),
  ].filter((n) => Number.isSafeInteger(n));
  const lastRound = Math.max(0, ...rounds);
  for (const b of live.values())
    if (b.round <= lastRound && !revealed.has(key(b.bidderCode, b.round)))
      return problem(
        'SEALED_BID_NOT_REVEALED',
        `${b.bidderCode}'s sealed bid in round ${b.round} (commitment ${b.commitment}) was never revealed: every bid counts`,
        { bidderCode: b.bidderCode, round: b.round },
      );
  return outcomeProblem(r, terms.tieBreak, roundOf, lastRound);
}

/** The reveal's outcome, round by round: each round before the last a tie among the only bidders of the next. */
function outcomeProblem(
  r: AuctionRecord,
  tieBreak: 'earliest' | 'round',
  roundOf: Map<number, RecordSealedBid>,
  lastRound: number,
): Problem | undefined {
  let outcome: SealedOutcome<{ bidderCode: string; amount: number; submittedAt: Date; seq: number }> = { kind: 'none' };
  let allowed: Set<string> | undefined;
  for (let round = 0; round <= lastRound; round++) {
    const bids = r.ledger
      .filter((e) => roundOf.get(e.seq)?.round === round)
      .map((e) => ({ ...e, submittedAt: new Date(roundOf.get(e.seq)!.submittedAt) }));
    const outsider = bids.find((b) => allowed && !allowed.has(b.bidderCode));
    if (outsider)
      return problem(
        'ROUND_BIDDER_EXCLUDED',
        `ledger entry seq ${outsider.seq} is a sealed bid in tie round ${round} by ${outsider.bidderCode}, who was not tied at the top of the round before`,
        { seq: outsider.seq, bidderCode: outsider.bidderCode, round },
      );
    // A tie round decides like the first reveal until the tie rounds are used up, then by the earliest.
    outcome = bids.length || round === 0 ? sealedOutcome(bids, tieBreakAt(tieBreak, round)) : outcome;
    if (round < lastRound) {
      if (outcome.kind !== 'tie_round') return resultMismatch(r, undefined, `round ${round + 1} followed no tie`);
      allowed = new Set(outcome.tied.map((b) => b.bidderCode));
    }
  }
  const { result } = r;
  let expected: { code: string | null; price: number } | undefined;
  if (outcome.kind === 'winner') expected = { code: outcome.winner.bidderCode, price: outcome.winner.amount };
  // A tie whose round brought no bid: the earliest of the tied stands, at the tied amount.
  else if (outcome.kind === 'tie_round') expected = { code: outcome.tied[0].bidderCode, price: outcome.amount };
  // Failed is always a possible end (too few approved bidders fail a lot whatever its bids, as in
  // closing.ts); closed must be the reveal's outcome.
  const holds =
    result.status === 'failed'
      ? result.winnerBidderCode === null && result.finalPrice === null
      : expected !== undefined && result.winnerBidderCode === expected.code && result.finalPrice === expected.price;
  return holds ? undefined : resultMismatch(r, expected, "the result is not the reveal's outcome");
}

function resultMismatch(
  r: AuctionRecord,
  expected: { code: string | null; price: number } | undefined,
  why: string,
): Problem {
  const { result } = r;
  return problem(
    'SEALED_RESULT_MISMATCH',
    `${why}: the record says ${result.status}, ${result.winnerBidderCode ?? 'no winner'} at ${result.finalPrice ?? 'no price'}; the revealed bids give ${expected ? `${expected.code} at ${expected.price}` : 'no winner'}`,
    {
      status: result.status,
      winner: result.winnerBidderCode,
      price: result.finalPrice,
      topBidder: expected?.code ?? null,
      topPrice: expected?.price ?? null,
    },
  );
}
