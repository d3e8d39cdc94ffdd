// The extension rounds' own rule, checked on a record (issue 16; rules/rounds.ts): the periods in the
// record are the ones the history chained (each round opened once, numbered on, following the period
// before without a gap and lasting the policy's seconds, at most `max` of them); every bid falls in a
// period; each round was opened by a bid in the trigger window of the period before, and a trigger
// bid in the last period opened the next round while rounds remained; only bidders with a bid in the
// period before (and named when the round started) bid in a round. No database: the offline verifier runs it.
import { canonicalJson } from '../shared/hash-chain.ts';
import { roundOpenedBy, type Period, type RoundsPolicy } from '../auctions/rules/rounds.ts';
import type { RecordPeriod } from './method-format.ts';
import type { AuctionRecord, RecordEntry } from './record-format.ts';
import { chainedPeriods } from './record-methods.ts';
import { problem, type Problem } from './verify-codes.ts';

const asPeriod = (p: RecordPeriod): Period => ({
  round: p.round,
  startsAt: new Date(p.startsAt),
  endsAt: new Date(p.endsAt),
});

const mismatch = (round: number, why: string): Problem =>
  problem('ROUNDS_PERIODS_MISMATCH', `round ${round}: ${why}`, { round });

/** The periods' own shape: the history's, numbered on, each following the one before for `seconds`. */
function periodsProblem(r: AuctionRecord, policy: RoundsPolicy, periods: RecordPeriod[]): Problem | undefined {
  const chained = chainedPeriods({ startsAt: r.times.startsAt, endsAt: r.times.scheduledEndsAt }, r.history);
  const differs = periods.findIndex((p, i) => canonicalJson(p) !== canonicalJson(chained[i]));
  if (differs >= 0 || periods.length !== chained.length) {
    const at = differs >= 0 ? differs : Math.min(periods.length, chained.length);
    return mismatch(
      periods[at]?.round ?? chained[at]?.round ?? at,
      "the record's periods are not the ones its chained history opened and started",
    );
  }
  for (let k = 1; k < periods.length; k++) {
    const p = asPeriod(periods[k]);
    const before = asPeriod(periods[k - 1]);
    if (p.round !== k) return mismatch(p.round, `it follows round ${before.round}: rounds are numbered 1, 2, 3, …`);
    if (k > policy.max) return mismatch(k, `the policy allows at most ${policy.max} rounds`);
    if (
      p.startsAt.getTime() !== before.endsAt.getTime() ||
      p.endsAt.getTime() - p.startsAt.getTime() !== policy.seconds * 1000
    )
      return mismatch(k, `a round starts when the period before ends and lasts ${policy.seconds} s`);
  }
  const last = periods.at(-1)!;
  if (periods.length > 1 && r.result.status !== 'cancelled' && Date.parse(r.times.endsAt) !== Date.parse(last.endsAt))
    return mismatch(last.round, `the lot's end ${r.times.endsAt} is not the end of its last round ${last.endsAt}`);
  return undefined;
}

/** The first breach of the extension-round rule in a record, or undefined. */
export function roundsProblem(r: AuctionRecord): Problem | undefined {
  const policy = r.policy.rounds;
  const periods = r.periods;
  if (r.policy.method !== 'ascending' || !policy || !periods) return undefined;
  const shape = periodsProblem(r, policy, periods);
  if (shape) return shape;
  // Each bid's period, and who bid in each period.
  const periodOf = new Map<number, number>();
  const biddersIn = periods.map(() => new Set<string>());
  const bids = r.ledger.filter((e) => e.kind === 'bid');
  for (const e of bids) {
    const at = Date.parse(e.placedAt);
    const p = periods.find((x) => Date.parse(x.startsAt) <= at && at < Date.parse(x.endsAt));
    if (!p)
      return problem(
        'ROUND_BID_OUTSIDE_PERIODS',
        `ledger entry seq ${e.seq} was placed at ${e.placedAt}, outside the official time and every round`,
        { seq: e.seq, at: e.placedAt },
      );
    periodOf.set(e.seq, p.round);
    biddersIn[p.round].add(e.bidderCode);
  }
  for (const e of bids) {
    const round = periodOf.get(e.seq)!;
    const listed = periods[round].bidders;
    if (round > 0 && (!biddersIn[round - 1].has(e.bidderCode) || (listed && !listed.includes(e.bidderCode))))
      return problem(
        'ROUND_BIDDER_EXCLUDED',
        `ledger entry seq ${e.seq} is a bid in round ${round} by ${e.bidderCode}, who had no valid bid in the period before`,
        { seq: e.seq, bidderCode: e.bidderCode, round },
      );
  }
  const opens = (e: RecordEntry, round: number): Period | undefined =>
    periodOf.get(e.seq) === round ? roundOpenedBy(policy, asPeriod(periods[round]), new Date(e.placedAt)) : undefined;
  for (const p of periods.slice(1)) {
    const opener = bids.find((e) => e.seq === p.openedBySeq);
    const opened = opener && opens(opener, p.round - 1);
    if (
      !opened ||
      opened.startsAt.getTime() !== Date.parse(p.startsAt) ||
      opened.endsAt.getTime() !== Date.parse(p.endsAt)
    )
      return problem(
        'ROUND_NOT_TRIGGERED',
        `round ${p.round} was not opened by a bid in the last ${policy.triggerSeconds} s of the period before (its opening names seq ${p.openedBySeq ?? 'none'})`,
        { round: p.round, seq: p.openedBySeq },
      );
  }
  const last = periods.at(-1)!;
  const trigger = r.result.status === 'cancelled' ? undefined : bids.find((e) => opens(e, last.round));
  if (trigger)
    return problem(
      'ROUND_NOT_OPENED',
      `ledger entry seq ${trigger.seq} was a bid in the last ${policy.triggerSeconds} s of ${last.round === 0 ? 'the official time' : `round ${last.round}`}, but round ${last.round + 1} was never opened`,
      { round: last.round + 1, seq: trigger.seq },
    );
  return undefined;
}
