// The award after the hammer (DESIGN.md §8) as the pages read it: whom the lot's `award` names, what
// it waits for, what the person looking at it has to do, and the money of it (the deposit counted
// toward the price, the balance). The state is the server's; nothing here works out a legal outcome,
// only which page and which words go with the state the server gave.
import type { Lot, Payment } from './api/types.ts';
import type { Confirmation, Countersignature, Suspension } from '../../server/records/lot-fact-format.ts';

/** The payloads of the signed later facts (server/records/lot-fact-format.ts), as the pages read them. */
export type ConfirmationFact = Confirmation;
export type CountersignatureFact = Countersignature;
export type SuspensionFact = Suspension;

export type Award = NonNullable<Lot['award']>;
export type AwardState = Award['state'];

/** States in which the award waits for the bidder it names (their signature, or their answer to Art. 51's offer). */
export const AWAITING_BIDDER: readonly AwardState[] = ['awaiting_confirmation', 'offered_to_next'];

/** The award's state is waiting for someone before its deadline. */
export const awaitsBidder = (award: Award | null | undefined): boolean =>
  !!award && AWAITING_BIDDER.includes(award.state);

/**
 * What the award is to one person, by their bidder code on the lot:
 * - `sign`: it names them and awaits their signature of the record (the winner, or the next bidder who accepted);
 * - `offer`: it names them as the next bidder offered the lot (Art. 51), awaiting their answer;
 * - `signed`: it names them and they signed the record (awarded), or the award was later defaulted;
 * - `former`: they won at the hammer but the award no longer names them or failed (a refusal, a missed deadline);
 * - `none`: anyone else (another bidder, a visitor, a lot without an award).
 */
export type AwardRole = 'sign' | 'offer' | 'signed' | 'former' | 'none';

export function awardRole(lot: Pick<Lot, 'award' | 'winnerBidderCode'>, myCode: string | null | undefined): AwardRole {
  const award = lot.award;
  if (!award || !myCode) return 'none';
  if (award.bidderCode === myCode) {
    if (award.state === 'awaiting_confirmation') return 'sign';
    if (award.state === 'offered_to_next') return 'offer';
    if (award.state === 'awarded' || award.state === 'defaulted') return 'signed';
    return 'former';
  }
  return lot.winnerBidderCode === myCode ? 'former' : 'none';
}

/** The award names the next bidder (Art. 51) rather than the winner at the hammer. */
export const nextBidderHolds = (lot: Pick<Lot, 'award' | 'winnerBidderCode'>): boolean =>
  !!lot.award?.bidderCode && lot.award.bidderCode !== lot.winnerBidderCode;

/**
 * The deposit that counts toward the price and what is left to pay. Once the balance's instruction
 * exists it says (price − its amount); before that (Art. 51's offer, not yet accepted) the deposit
 * received counts, or the lot's deposit when payments were not tracked. Never more than the price.
 */
export function priceSplit(
  price: number,
  balance: Pick<Payment, 'amount'> | null | undefined,
  deposit: { received: number | null | undefined; lotDeposit: number },
): { depositCounted: number; balance: number } {
  if (balance) return { depositCounted: Math.max(0, price - balance.amount), balance: balance.amount };
  const counted = Math.min(price, deposit.received && deposit.received > 0 ? deposit.received : deposit.lotDeposit);
  return { depositCounted: counted, balance: price - counted };
}

/**
 * Where a person goes to sign in again at the e-ID provider before signing (prompt=login, max_age:
 * the session then carries a fresh auth_time), and comes back to `returnTo` with `?resume=<action>`,
 * which opens the signing step again.
 */
export function freshSignInHref(returnTo: URL | { pathname: string; search: string }, action: string): string {
  const params = new URLSearchParams(returnTo.search);
  params.set('resume', action);
  const back = `${returnTo.pathname}?${params.toString()}`;
  return `/auth/signin?fresh=1&returnTo=${encodeURIComponent(back)}`;
}

/** The payload of a flattened JWS (a signed confirmation, countersignature, suspension), or null if unreadable. */
export function jwsPayload<T>(jws: { payload: string } | null | undefined): T | null {
  if (!jws) return null;
  try {
    const b64 = jws.payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    return null;
  }
}
