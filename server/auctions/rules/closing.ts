// The close of a lot (DESIGN.md §2): at its end an open lot is closed with the standing highest bid
// as the winner, or fails: fewer approved bidders than the policy's minimum (a barred bidder no longer
// counts), or no bids. Pure: no I/O.
import type { RegistrationStatus } from '../../../db/schema.ts';
import type { Standing } from './bidding.ts';
import type { LotRow } from './status.ts';

/**
 * How long after the end a lot is closed. Within a process, closing waits for every bid that arrived
 * before it anyway (the lot's queue); the grace covers bids that reached another process just before
 * the end and are still queued there.
 */
export const CLOSE_GRACE_MS = 1_000;

/**
 * When an open lot may be closed: its end plus the grace, except a descending lot whose price was
 * accepted: no bid can change that (every later acceptance is refused under the lot's lock), so it
 * closes at once.
 */
export function closesAt(lot: Pick<LotRow, 'method' | 'endsAt' | 'leaderRegistrationId'>): Date {
  if (lot.method === 'descending' && lot.leaderRegistrationId !== null) return lot.endsAt;
  return new Date(lot.endsAt.getTime() + CLOSE_GRACE_MS);
}

/** The approved registrations that count as bidders at the close: every one not barred since. */
export function eligibleBidders(approved: readonly { status: RegistrationStatus }[]): number {
  return approved.filter((r) => r.status !== 'barred').length;
}

export type CloseOutcome =
  | { status: 'closed'; winnerRegistrationId: number; finalPrice: number }
  | { status: 'failed'; winnerRegistrationId: null; finalPrice: null; reason?: string };

/** How a lot closes, from its standing state and its number of eligible bidders. */
export function closeOutcome(
  s: Pick<Standing, 'leaderRegistrationId' | 'currentPrice'>,
  eligible: number,
  minBidders: number,
): CloseOutcome {
  const enoughBidders = eligible >= minBidders;
  if (enoughBidders && s.leaderRegistrationId !== null && s.currentPrice !== null)
    return { status: 'closed', winnerRegistrationId: s.leaderRegistrationId, finalPrice: s.currentPrice };
  const reason = !enoughBidders
    ? `fewer than ${minBidders} approved bidders`
    : s.currentPrice === null
      ? 'no bids'
      : undefined;
  return { status: 'failed', winnerRegistrationId: null, finalPrice: null, ...(reason ? { reason } : {}) };
}
