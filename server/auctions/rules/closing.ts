// The close of a lot (DESIGN.md §2): at its end an open lot is closed with the standing highest bid
// as the winner, or fails: fewer approved bidders than the policy's minimum (a barred bidder no longer
// counts), or no bids. Pure: no I/O.
import type { RegistrationStatus } from '../../../db/schema.ts';
import type { Standing } from './bidding.ts';

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
