// Extension rounds (issue 16; DESIGN.md §8: `rounds: {max, seconds, triggerSeconds}`): after the
// official bidding time, short rounds follow while bidders keep bidding. A valid bid in the last
// `triggerSeconds` of the official time, or of a round, opens the next round (up to `max` rounds), which
// starts when the current period ends and lasts `seconds`; only bidders with a valid bid in the period
// before may bid in it. The official time is period 0. Pure: no I/O.
// (Groundwork: the bid path, the scheduler and the records take it up with the method itself.)

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
