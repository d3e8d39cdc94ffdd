// The ascending-auction rules for one bid against the standing state of its lot (DESIGN.md §2): when
// bidding is open, the minimum next bid, why a bid is refused and how a bid extends a soft-close lot.
// The batch writers call refuseBid for each queued bid in arrival order, against the state left by
// the bids before it; the read model shows minNextBid. Pure: no I/O.
import { GENESIS_HASH } from '../../shared/hash-chain.ts';
import type { AuthoritySource, OrganisationRole, RegistrationStatus } from '../../../db/schema.ts';
import { refuse, type Failure } from '../../shared/errors.ts';
import { isOpen, type LotRow } from './status.ts';

/** The standing state of a lot's ledger, as held on the lots row. */
export interface Standing {
  seq: number;
  bidCount: number;
  currentPrice: number | null;
  leaderRegistrationId: number | null;
  lastHash: string;
  endsAt: Date;
  lastPlacedAt: Date | null;
}

/** A lot's standing state as its row holds it (the genesis hash before its first entry). */
export function standingOf(
  lot: Pick<LotRow, 'seq' | 'bidCount' | 'currentPrice' | 'leaderRegistrationId' | 'lastHash' | 'endsAt'>,
  lastPlacedAt: Date | null,
): Standing {
  return {
    seq: lot.seq,
    bidCount: lot.bidCount,
    currentPrice: lot.currentPrice,
    leaderRegistrationId: lot.leaderRegistrationId,
    lastHash: lot.lastHash ?? GENESIS_HASH,
    endsAt: lot.endsAt,
    lastPlacedAt,
  };
}

export interface Bidder {
  id: number;
  pid: string;
  bidderCode: string;
  status: RegistrationStatus;
  /** An organisation's registration (issue 19): the organisation's e-ID identifier and the registering person's authority. */
  seat?: { organisation: string; actingRole: OrganisationRole; authority: AuthoritySource };
}

/** True when a bid received at `at` may be evaluated at all (before any rule about the bidder). */
export function isBiddingOpen(row: Pick<LotRow, 'status' | 'startsAt' | 'endsAt'>, at: Date): boolean {
  return isOpen(row.status) && at.getTime() >= row.startsAt.getTime() && at.getTime() < row.endsAt.getTime();
}

/**
 * The lowest acceptable amount for the next bid. The one rule: the bid path refuses below it, and the
 * public state of a lot (public-lot.ts: GET /api/lots/:id, `watch` snapshots, `lot` events) shows it.
 */
export function minimumBid(
  lot: Pick<LotRow, 'startingPrice' | 'priceStep'>,
  s: Pick<Standing, 'currentPrice'>,
): number {
  return s.currentPrice === null ? lot.startingPrice : s.currentPrice + lot.priceStep;
}

/** The refusal of a bid or a withdrawal that arrives while bidding is not open. */
export function notOpen(lot: Pick<LotRow, 'status' | 'startsAt'>, receivedAt: Date): Failure {
  if (receivedAt < lot.startsAt && isOpen(lot.status))
    return refuse('bidding_not_open', { startsAt: lot.startsAt.toISOString() });
  if (lot.status === 'suspended') return refuse('lot_suspended');
  return refuse(lot.status === 'cancelled' ? 'lot_cancelled' : 'bidding_ended');
}

/** Why this person may not bid on the lot at all (every method): the manager, not approved, barred. */
export function refuseBidder(
  lot: Pick<LotRow, 'managerPid'>,
  bidder: Pick<Bidder, 'status'> | undefined,
  pid: string,
): Failure | undefined {
  if (lot.managerPid === pid) return refuse('manager_cannot_bid');
  if (!bidder) return refuse('not_registered');
  if (bidder.status === 'barred') return refuse('bidder_barred');
  if (bidder.status === 'pending_authorisation') return refuse('authorisation_not_approved');
  if (bidder.status !== 'approved') return refuse('deposit_not_confirmed');
  return undefined;
}

/** Returns the reason an ascending bid is refused, or undefined when it is acceptable. */
export function refuseBid(
  lot: Pick<LotRow, 'status' | 'startsAt' | 'managerPid' | 'startingPrice' | 'priceStep'>,
  s: Pick<Standing, 'endsAt' | 'currentPrice' | 'leaderRegistrationId'>,
  bidder: Pick<Bidder, 'id' | 'status'> | undefined,
  pid: string,
  amount: number,
  receivedAt: Date,
): Failure | undefined {
  if (!isBiddingOpen({ ...lot, endsAt: s.endsAt }, receivedAt)) return notOpen(lot, receivedAt);
  const bidderRefusal = refuseBidder(lot, bidder, pid);
  if (bidderRefusal || !bidder) return bidderRefusal ?? refuse('not_registered');
  if (s.leaderRegistrationId === bidder.id) return refuse('already_leading');
  const min = minimumBid(lot, s);
  if (amount < min)
    return refuse(s.currentPrice === null ? 'below_starting_price' : 'below_next_bid', { minNextBid: min });
  return undefined;
}

/** The end after a bid at `at` under the lot's soft-close rule (unchanged for a hard close). */
export function extendedEnd(
  lot: Pick<LotRow, 'softCloseWindowSeconds' | 'softCloseExtendSeconds'>,
  endsAt: Date,
  at: Date,
): Date {
  const window = lot.softCloseWindowSeconds;
  const extend = lot.softCloseExtendSeconds;
  if (!window || !extend) return endsAt;
  if (endsAt.getTime() - at.getTime() > window * 1000) return endsAt;
  const candidate = at.getTime() + extend * 1000;
  return candidate > endsAt.getTime() ? new Date(candidate) : endsAt;
}
