// Extension rounds (issue 16; DESIGN.md §8: `rounds: {max, seconds, triggerSeconds}`): after the
// official bidding time, short rounds follow while bidders keep bidding. A valid bid in the last
// `triggerSeconds` of the official time, or of a round, opens the next round (up to `max` rounds), which
// starts when the current period ends and lasts `seconds`; only bidders with a valid bid in the period
// before may bid in it. The official time is period 0. Pure: no I/O.
// The periods follow one another without gaps: round k (k ≥ 1) is [official end + (k-1)·seconds,
// official end + k·seconds), so the period of any moment is worked out from the clock alone; the lot's
// `endsAt` says how many rounds were opened.
import type { LotRow } from './status.ts';

export interface RoundsPolicy {
  max: number;
  seconds: number;
  triggerSeconds: number;
}

/** The bidding period a lot is in: the official time (round 0) or an extension round. */
export interface Period {
  round: number;
  startsAt: Date;
  endsAt: Date;
}

/**
 * The round a valid bid at `at`, in `period`, opens: the next one when the bid falls in the period's
 * last `triggerSeconds` and rounds remain; otherwise undefined (the bid opens nothing).
 */
export function roundOpenedBy(policy: RoundsPolicy, period: Period, at: Date): Period | undefined {
  if (period.round >= policy.max) return undefined;
  const end = period.endsAt.getTime();
  if (at.getTime() >= end || at.getTime() < end - policy.triggerSeconds * 1000) return undefined;
  if (at.getTime() < period.startsAt.getTime()) return undefined;
  return { round: period.round + 1, startsAt: period.endsAt, endsAt: new Date(end + policy.seconds * 1000) };
}

/**
 * Who may bid in `round`: anyone allowed to bid at all in the official time (round 0); in a round,
 * only a bidder with a valid bid in the period before it.
 */
export function mayBidInRound(round: number, bidInPreviousPeriod: boolean): boolean {
  return round === 0 || bidInPreviousPeriod;
}

/** Why a rounds policy cannot be published, or undefined when it is sound. */
export function roundsPolicyProblem(
  policy: RoundsPolicy,
): 'rounds_max' | 'rounds_seconds' | 'rounds_trigger' | undefined {
  const whole = (n: number): boolean => Number.isSafeInteger(n) && n > 0;
  if (!whole(policy.max)) return 'rounds_max';
  if (!whole(policy.seconds)) return 'rounds_seconds';
  if (!whole(policy.triggerSeconds) || policy.triggerSeconds > policy.seconds) return 'rounds_trigger';
  return undefined;
}

/** A lot's extension-round policy, if it has one. */
export function roundsOf(
  row: Pick<LotRow, 'roundsMax' | 'roundsSeconds' | 'roundsTriggerSeconds'>,
): RoundsPolicy | undefined {
  return row.roundsMax !== null && row.roundsSeconds !== null && row.roundsTriggerSeconds !== null
    ? { max: row.roundsMax, seconds: row.roundsSeconds, triggerSeconds: row.roundsTriggerSeconds }
    : undefined;
}

/** Period `round` of a rounds lot: the official time (0), or extension round `round`. */
export function period(
  policy: Pick<RoundsPolicy, 'seconds'>,
  row: Pick<LotRow, 'startsAt' | 'scheduledEndsAt'>,
  round: number,
): Period {
  const official = row.scheduledEndsAt.getTime();
  if (round === 0) return { round, startsAt: row.startsAt, endsAt: row.scheduledEndsAt };
  const ms = policy.seconds * 1000;
  return { round, startsAt: new Date(official + (round - 1) * ms), endsAt: new Date(official + round * ms) };
}

/** The period a moment falls in, by the clock (whether that period was opened is the lot's endsAt's to say). */
export function periodAt(
  policy: Pick<RoundsPolicy, 'seconds'>,
  row: Pick<LotRow, 'startsAt' | 'scheduledEndsAt'>,
  at: Date,
): Period {
  const after = at.getTime() - row.scheduledEndsAt.getTime();
  return period(policy, row, after < 0 ? 0 : Math.floor(after / (policy.seconds * 1000)) + 1);
}
