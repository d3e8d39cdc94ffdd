// Policy validation of a lot's terms (DESIGN.md §2): deposit within the configured share of the
// starting price, windows in order, a bidding window at least AUCTION_MIN_BIDDING_MINUTES long.
// Returns one message per offending field, so a form can show each next to its input.
import type { Config } from '../config.ts';
import type { FieldErrors } from '../shared/errors.ts';

export interface LotTerms {
  startingPrice: number;
  priceStep: number;
  deposit: number;
  registrationOpensAt: Date;
  registrationClosesAt: Date;
  startsAt: Date;
  endsAt: Date;
  softClose?: { windowSeconds: number; extendSeconds: number } | null;
}

const vnd = (n: number): string => `${n.toLocaleString('en-US')} VND`;

export function validateLotTerms(policy: Config['policy'], t: LotTerms, now: Date): FieldErrors {
  const fields: FieldErrors = {};
  const minDeposit = Math.ceil((t.startingPrice * policy.depositMinPct) / 100);
  const maxDeposit = Math.floor((t.startingPrice * policy.depositMaxPct) / 100);
  if (t.deposit < minDeposit || t.deposit > maxDeposit) {
    fields.deposit = `must be ${policy.depositMinPct}–${policy.depositMaxPct}% of the starting price: from ${vnd(minDeposit)} to ${vnd(maxDeposit)}`;
  }
  if (t.priceStep > t.startingPrice) fields.priceStep = 'must not exceed the starting price';
  if (t.registrationClosesAt <= t.registrationOpensAt) fields.registrationClosesAt = 'must be after registrationOpensAt';
  else if (t.registrationClosesAt > t.startsAt) fields.registrationClosesAt = 'must not be after startsAt (registration closes no later than bidding starts)';
  const minMs = policy.minBiddingMinutes * 60_000;
  if (t.endsAt <= t.startsAt) fields.endsAt = 'must be after startsAt';
  else if (t.endsAt.getTime() - t.startsAt.getTime() < minMs) fields.endsAt = `the bidding window must be at least ${policy.minBiddingMinutes} minutes`;
  else if (t.endsAt <= now) fields.endsAt = 'must be in the future';
  if (t.softClose && t.softClose.windowSeconds * 1000 > t.endsAt.getTime() - t.startsAt.getTime()) {
    fields.softClose = 'windowSeconds must not exceed the bidding window';
  }
  return fields;
}

/** The rules text published with a lot when the manager gives none: the policy in plain words. */
export function defaultRules(policy: Config['policy'], t: LotTerms): string {
  const soft = t.softClose
    ? `A bid in the last ${t.softClose.windowSeconds} seconds extends the end to ${t.softClose.extendSeconds} seconds after that bid.`
    : 'The auction ends at the published time (no extension).';
  return [
    'Online ascending auction. The server clock is the official time; a bid that reaches the server at or after the end is rejected.',
    `The first bid is at least the starting price (${vnd(t.startingPrice)}); each next bid is at least the current price plus one step (${vnd(t.priceStep)}).`,
    'The bidder holding the highest bid cannot bid again until outbid. Bidders are known only by an anonymous bidder code.',
    `Only registrations whose deposit (${vnd(t.deposit)}) the organiser confirmed may bid.`,
    'A bidder may withdraw their own standing highest bid before the close: the price returns to the previous standing bid, the bidder is barred from the lot and the deposit is forfeited.',
    soft,
    `With fewer than ${policy.minBidders} approved bidders, or no bids, the auction fails. The winner's deposit is retained; the others are refunded.`,
  ].join('\n');
}
