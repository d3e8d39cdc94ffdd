// Policy validation of a lot's terms (DESIGN.md §2): deposit within the configured share of the
// starting price, windows in order, a bidding window at least AUCTION_MIN_BIDDING_MINUTES long.
// Returns one field code (with its parameters) per offending field, so a form can show each next to
// its input in the person's language.
import type { Config } from '../config.ts';
import { fieldError, type FieldErrorMap } from '../shared/field-errors.ts';
import { scheduledDescendingEnd, validateMethodTerms, type MethodTerms } from './lot-method.ts';

export interface LotTerms extends MethodTerms {
  startingPrice: number;
  priceStep: number;
  deposit: number;
  registrationOpensAt: Date;
  registrationClosesAt: Date;
  startsAt: Date;
  endsAt: Date;
  softClose?: { windowSeconds: number; extendSeconds: number } | null;
}

/** Terms as a request gives them: a descending lot's end may be left out (its schedule decides it). */
export type GivenTerms = Omit<LotTerms, 'endsAt'> & { endsAt?: Date };

/**
 * The terms with their end: as given, or for a descending lot the end of its price schedule (an end
 * given that differs is refused). With the field errors of the whole: the policy's and the method's.
 */
export function resolveLotTerms(
  policy: Config['policy'],
  given: GivenTerms,
  now: Date,
): { terms: LotTerms; fields: FieldErrorMap } | { terms?: undefined; fields: FieldErrorMap } {
  const methodFields = validateMethodTerms(given);
  const scheduled = scheduledDescendingEnd(given);
  let endsAt = given.endsAt;
  if (scheduled && endsAt && endsAt.getTime() !== scheduled.getTime())
    return {
      fields: { ...methodFields, endsAt: fieldError('ENDS_AT_BY_SCHEDULE', { endsAt: scheduled.toISOString() }) },
    };
  endsAt = scheduled ?? endsAt;
  // A descending lot without a sound schedule has no end to work out: its method fields say why.
  if (!endsAt && given.method === 'descending' && Object.keys(methodFields).length) return { fields: methodFields };
  if (!endsAt) return { fields: { ...methodFields, endsAt: fieldError('REQUIRED') } };
  const terms: LotTerms = { ...given, endsAt };
  return { terms, fields: { ...validateLotTerms(policy, terms, now), ...methodFields } };
}

export function validateLotTerms(policy: Config['policy'], t: LotTerms, now: Date): FieldErrorMap {
  const fields: FieldErrorMap = {};
  const minDeposit = Math.ceil((t.startingPrice * policy.depositMinPct) / 100);
  const maxDeposit = Math.floor((t.startingPrice * policy.depositMaxPct) / 100);
  if (t.deposit < minDeposit || t.deposit > maxDeposit) {
    fields.deposit = fieldError('DEPOSIT_OUT_OF_RANGE', {
      minPct: policy.depositMinPct,
      maxPct: policy.depositMaxPct,
      min: minDeposit,
      max: maxDeposit,
    });
  }
  if (t.priceStep > t.startingPrice) fields.priceStep = fieldError('STEP_ABOVE_STARTING_PRICE');
  if (t.registrationClosesAt <= t.registrationOpensAt)
    fields.registrationClosesAt = fieldError('CLOSES_BEFORE_OPENING');
  else if (t.registrationClosesAt > t.startsAt) fields.registrationClosesAt = fieldError('CLOSES_AFTER_BIDDING_STARTS');
  const minMs = policy.minBiddingMinutes * 60_000;
  if (t.endsAt <= t.startsAt) fields.endsAt = fieldError('ENDS_BEFORE_START');
  else if (t.endsAt.getTime() - t.startsAt.getTime() < minMs)
    fields.endsAt = fieldError('BIDDING_WINDOW_TOO_SHORT', { minMinutes: policy.minBiddingMinutes });
  else if (t.endsAt <= now) fields.endsAt = fieldError('NOT_IN_FUTURE');
  if (t.softClose && t.softClose.windowSeconds * 1000 > t.endsAt.getTime() - t.startsAt.getTime()) {
    fields.softClose = fieldError('SOFT_CLOSE_WINDOW_TOO_LONG');
  }
  return fields;
}
