// Withdrawing a bid (DESIGN.md §2): a bidder may withdraw their own standing highest bid while
// bidding is open; they are then barred from the lot (their deposit forfeited) and the price returns
// to the latest bid still standing, that is, of a bidder who is not barred. Pure: no I/O.
import type { EntryKind } from '../../../db/schema.ts';
import { refuse, type Failure } from '../../shared/errors.ts';
import { isBiddingOpen, type Bidder, type Standing } from './bidding.ts';
import type { LotRow } from './status.ts';

/** A ledger entry as the withdrawal rules read it. */
export interface LedgerBid {
  seq: number;
  kind: EntryKind;
  registrationId: number;
  amount: number;
}

/** Returns the reason a withdrawal of the entry `seq` (`target`, if it exists) is refused, or undefined. */
export function refuseWithdrawal(
  lot: Pick<LotRow, 'status' | 'startsAt' | 'method'>,
  s: Pick<Standing, 'endsAt' | 'currentPrice' | 'leaderRegistrationId'>,
  bidder: Pick<Bidder, 'id'> | undefined,
  seq: number,
  target: LedgerBid | undefined,
  receivedAt: Date,
): Failure | undefined {
  // An acceptance ends a descending auction, and a sealed bid is not in the ledger until the end.
  if (lot.method !== 'ascending') return refuse('withdraw_not_method', { method: lot.method });
  if (!isBiddingOpen({ ...lot, endsAt: s.endsAt }, receivedAt)) return refuse('withdraw_not_open');
  if (!target || target.kind !== 'bid') return refuse('bid_not_found', { seq });
  if (!bidder || target.registrationId !== bidder.id) return refuse('withdraw_not_own');
  if (s.leaderRegistrationId !== bidder.id || target.amount !== s.currentPrice) return refuse('not_leading');
  return undefined;
}

/**
 * The standing bid after a withdrawal: the latest bid (highest seq) whose bidder is not barred, or
 * undefined when none is left (the price returns to none). `bids` may hold only each bidder's latest
 * bid: the answer is the same. The withdrawer must already count as barred.
 */
export function standingAfterWithdrawal<B extends Omit<LedgerBid, 'kind'>>(
  bids: Iterable<B>,
  isBarred: (registrationId: number) => boolean,
): B | undefined {
  let standing: B | undefined;
  for (const b of bids)
    if (!isBarred(b.registrationId) && (standing === undefined || b.seq > standing.seq)) standing = b;
  return standing;
}
