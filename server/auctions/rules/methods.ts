// What differs between the auction methods, in one place (issue 16; DESIGN.md §8): a lot's public
// price state (the price asked now, the minimum next bid, the next fall, the period), why a bid, a
// descending acceptance or a sealed bid is refused, and how a bid moves the end (the schedules and
// commitments themselves are descending.ts's, rounds.ts's and sealed.ts's, free of these imports, so
// the offline verifier loads them alone). The batch writers and the read model call these for every
// lot, so no caller branches on the method itself. Pure: no I/O.
import { refuse, type Failure } from '../../shared/errors.ts';
import {
  extendedEnd,
  isBiddingOpen,
  minimumBid,
  notOpen,
  refuseBid,
  refuseBidder,
  type Bidder,
  type Standing,
} from './bidding.ts';
import { askedPriceAt, descendingOf, type DescendingTerms } from './descending.ts';
import { mayBidInRound, period, periodAt, roundOpenedBy, roundsOf, type Period } from './rounds.ts';
import type { LotRow } from './status.ts';

/** The columns a lot's price state is computed from. */
export type PriceStateRow = Pick<
  LotRow,
  | 'method'
  | 'status'
  | 'startsAt'
  | 'endsAt'
  | 'scheduledEndsAt'
  | 'startingPrice'
  | 'priceStep'
  | 'currentPrice'
  | 'leaderRegistrationId'
  | 'intervalSeconds'
  | 'floorPrice'
  | 'roundsMax'
  | 'roundsSeconds'
  | 'roundsTriggerSeconds'
  | 'round'
>;

/** A lot's price state at one moment, as the public view shows it. */
export interface PriceState {
  /** The standing price; for a descending lot still open, the price asked now; for a sealed lot, null until the reveal. */
  currentPrice: number | null;
  /** What the next bid may be while bidding is open (descending: exactly the price asked; sealed: the lowest amount), else null. */
  minNextBid: number | null;
  /** A descending lot's next fall while open, else null. */
  nextPriceAt: Date | null;
  /** The price a descending lot will ask from nextPriceAt, else null. */
  nextPrice: number | null;
  /** The period: rounds lots 0 (official time) or the extension round; sealed lots 0 or the tie round; else null. */
  round: number | null;
}

/** The price state of a lot at `now`: the one rule for the lot view, `watch` snapshots and `lot` events. */
export function priceState(row: PriceStateRow, now: Date): PriceState {
  const open = isBiddingOpen(row, now);
  const terms = descendingOf(row);
  if (terms) {
    const asked = open && row.leaderRegistrationId === null ? askedPriceAt(terms, now) : undefined;
    return {
      currentPrice: row.currentPrice ?? asked?.price ?? null,
      minNextBid: asked?.price ?? null,
      nextPriceAt: asked?.nextPriceAt ?? null,
      nextPrice: asked?.nextPriceAt ? asked.price - terms.priceStep : null,
      round: null,
    };
  }
  if (row.method === 'sealed') {
    // In a tie round the standing price is the tied amount, the least a tied bidder may bid again.
    const least = row.round > 0 && row.currentPrice !== null ? row.currentPrice : row.startingPrice;
    return {
      currentPrice: row.currentPrice,
      minNextBid: open ? least : null,
      nextPriceAt: null,
      nextPrice: null,
      round: row.round,
    };
  }
  const policy = roundsOf(row);
  return {
    currentPrice: row.currentPrice,
    minNextBid: open ? minimumBid(row, row) : null,
    nextPriceAt: null,
    nextPrice: null,
    round: policy ? (open ? periodAt(policy, row, now).round : row.round) : null,
  };
}

/** The minimum next bid while bidding is open at `now`; otherwise null. */
export function minNextBid(row: PriceStateRow, now: Date): number | null {
  return priceState(row, now).minNextBid;
}

/**
 * Why a bid (POST /bids) on this lot is refused, or undefined when it is taken: a sealed lot takes
 * sealed bids only; a descending lot takes the acceptance of the price asked; an ascending lot the
 * ascending rules, and in an extension round only from a bidder with a valid bid in the period before
 * (`biddersIn` gives the registrations with a bid in a period).
 */
export function refuseBidByMethod(
  lot: LotRow,
  s: Pick<Standing, 'endsAt' | 'currentPrice' | 'leaderRegistrationId'>,
  bidder: Pick<Bidder, 'id' | 'status'> | undefined,
  pid: string,
  amount: number,
  receivedAt: Date,
  biddersIn: (p: Period) => ReadonlySet<number>,
): Failure | undefined {
  if (lot.method === 'sealed') return refuse('sealed_lot_bid');
  const terms = descendingOf(lot);
  if (terms) return refuseAcceptance(lot, terms, s, bidder, pid, amount, receivedAt);
  const policy = roundsOf(lot);
  if (policy && bidder && isBiddingOpen({ ...lot, endsAt: s.endsAt }, receivedAt) && !refuseBidder(lot, bidder, pid)) {
    const { round } = periodAt(policy, lot, receivedAt);
    if (!mayBidInRound(round, round > 0 && biddersIn(period(policy, lot, round - 1)).has(bidder.id)))
      return refuse('not_in_round', { round });
  }
  return refuseBid(lot, s, bidder, pid, amount, receivedAt);
}

/** What a bid taken at `at` does to the end: the end after it, and the extension round it opened, if any. */
export function endAfterBid(lot: LotRow, endsAt: Date, at: Date): { endsAt: Date; opened?: Period } {
  // An acceptance wins a descending lot: its bidding ends at that moment.
  if (lot.method === 'descending') return { endsAt: at };
  const policy = roundsOf(lot);
  if (!policy) return { endsAt: extendedEnd(lot, endsAt, at) };
  const current = periodAt(policy, lot, at);
  const opened = roundOpenedBy(policy, current, at);
  if (!opened || opened.endsAt.getTime() <= endsAt.getTime()) return { endsAt };
  return { endsAt: opened.endsAt, opened };
}

/**
 * Why an acceptance of a descending lot's price is refused, or undefined when it wins: the lot is sold
 * once anyone accepted (LOT_NOT_LIVE), and the amount must be the price asked at the moment the
 * server received it (PRICE_CHANGED, with the price asked then, otherwise).
 */
export function refuseAcceptance(
  lot: Pick<LotRow, 'status' | 'startsAt' | 'managerPid'>,
  terms: DescendingTerms,
  s: Pick<Standing, 'endsAt' | 'leaderRegistrationId'>,
  bidder: Pick<Bidder, 'id' | 'status'> | undefined,
  pid: string,
  amount: number,
  receivedAt: Date,
): Failure | undefined {
  if (s.leaderRegistrationId !== null) return refuse('lot_sold');
  if (!isBiddingOpen({ ...lot, endsAt: s.endsAt }, receivedAt)) return notOpen(lot, receivedAt);
  const asked = askedPriceAt(terms, receivedAt);
  if (!asked) return refuse('bidding_ended');
  const bidderRefusal = refuseBidder(lot, bidder, pid);
  if (bidderRefusal || !bidder) return bidderRefusal ?? refuse('not_registered');
  if (amount !== asked.price)
    return refuse('price_changed', {
      currentPrice: asked.price,
      nextPriceAt: asked.nextPriceAt?.toISOString() ?? null,
    });
  return undefined;
}

/** A tie round in progress: who was tied, at what amount, and when the round opened. */
export interface TieRound {
  round: number;
  registrationIds: readonly number[];
  amount: number;
  startsAt: Date;
}

/**
 * Why a sealed bid received at `receivedAt` is refused, or undefined when it is acceptable (the
 * one-live-bid rule is the store's, under the same lock). In the sealed bidding (round 0) the window
 * is [startsAt, endsAt) and the floor the starting price; in a tie round only the tied bidders bid,
 * from the round's opening to the lot's endsAt, at least the tied amount.
 */
export function refuseSealedBid(
  lot: Pick<LotRow, 'method' | 'status' | 'startsAt' | 'endsAt' | 'managerPid' | 'startingPrice'>,
  bidder: Pick<Bidder, 'id' | 'status'> | undefined,
  pid: string,
  amount: number,
  receivedAt: Date,
  tie: TieRound | null,
): Failure | undefined {
  if (lot.method !== 'sealed') return refuse('not_sealed_lot');
  // A bid sent before a tie round opened belongs to the period already revealed: too late.
  if (!isBiddingOpen(lot, receivedAt) || (tie && receivedAt < tie.startsAt)) return notOpen(lot, receivedAt);
  const bidderRefusal = refuseBidder(lot, bidder, pid);
  if (bidderRefusal || !bidder) return bidderRefusal ?? refuse('not_registered');
  if (tie && !tie.registrationIds.includes(bidder.id)) return refuse('not_in_tie_round', { round: tie.round });
  const min = tie ? tie.amount : lot.startingPrice;
  if (amount < min) return refuse(tie ? 'below_tied_amount' : 'below_starting_price', { minNextBid: min });
  return undefined;
}
