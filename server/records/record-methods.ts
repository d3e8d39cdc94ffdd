// The method parts of an auction record (version 3, issue 16), built from the lot row, its ledger, its
// chained history and its sealed bids: the method's terms in the policy; for a descending lot the price
// schedule; for extension rounds the periods (the official time, then each round as its opening and
// start were chained); for a sealed lot every sealed bid with its commitment (never an amount).
import { descendingOf, scheduleSummary } from '../auctions/rules/descending.ts';
import type { LotDetails, LotRow } from './queries.ts';
import type { AuctionRecord } from './record-format.ts';
import type { RecordPeriod } from './method-format.ts';

type MethodParts = Pick<AuctionRecord, 'schedule' | 'periods' | 'sealedBids'> & {
  terms: Pick<AuctionRecord['policy'], 'method' | 'rounds' | 'descending' | 'sealed'>;
};

/** The audit actions of extension rounds (chained by the bid path and the scheduler). */
export const ROUND_OPENED = 'lot.round_opened';
export const ROUND_STARTED = 'lot.round_started';

const isoOf = (v: unknown): string | undefined =>
  typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : undefined;
const intOf = (v: unknown): number | undefined => (Number.isSafeInteger(v) ? (v as number) : undefined);

/**
 * The periods of a lot with extension rounds as its history chained them: the official time, then
 * each round from its first `lot.round_opened` event (start, end, the opening bid's seq) and the
 * bidders its `lot.round_started` event allowed. Chained events only: the verifier rebuilds exactly
 * this from the record's history and compares.
 */
export function chainedPeriods(
  officialTime: { startsAt: string; endsAt: string },
  events: readonly { action: string; data: Record<string, unknown> }[],
): RecordPeriod[] {
  const periods: RecordPeriod[] = [{ round: 0, ...officialTime, openedBySeq: null, bidders: null }];
  const opened = new Map<number, RecordPeriod>();
  const bidders = new Map<number, string[]>();
  for (const e of events) {
    const round = intOf(e.data.round);
    if (round === undefined || round < 1) continue;
    if (e.action === ROUND_OPENED && !opened.has(round)) {
      const startsAt = isoOf(e.data.startsAt);
      const endsAt = isoOf(e.data.endsAt);
      if (startsAt && endsAt)
        opened.set(round, { round, startsAt, endsAt, openedBySeq: intOf(e.data.seq) ?? null, bidders: null });
    } else if (e.action === ROUND_STARTED && !bidders.has(round) && Array.isArray(e.data.bidders)) {
      bidders.set(
        round,
        e.data.bidders.filter((c): c is string => typeof c === 'string'),
      );
    }
  }
  for (const round of [...opened.keys()].sort((a, b) => a - b))
    periods.push({ ...opened.get(round)!, bidders: bidders.get(round) ?? null });
  return periods;
}

/** The method, its terms and the parts they imply, for a lot's record. */
export function methodParts(lot: LotRow, details: LotDetails): MethodParts {
  const terms = descendingOf(lot);
  if (terms) {
    const summary = scheduleSummary(terms);
    return {
      terms: {
        method: 'descending',
        descending: { intervalSeconds: terms.intervalSeconds, floorPrice: terms.floorPrice },
      },
      schedule: {
        startsAt: terms.startsAt.toISOString(),
        startingPrice: terms.startingPrice,
        priceStep: terms.priceStep,
        intervalSeconds: terms.intervalSeconds,
        floorPrice: terms.floorPrice,
        ...summary,
        endsAt: summary.endsAt.toISOString(),
      },
    };
  }
  if (lot.method === 'sealed' && lot.tieBreak !== null && lot.sealedReplaceable !== null)
    return {
      terms: { method: 'sealed', sealed: { tieBreak: lot.tieBreak, replaceable: lot.sealedReplaceable } },
      sealedBids: details.sealedBids.map((b) => ({
        round: b.round,
        bidderCode: b.bidderCode,
        commitment: b.commitment,
        submittedAt: b.submittedAt.toISOString(),
        replacedAt: b.replacedAt?.toISOString() ?? null,
        revealedSeq: b.revealedSeq,
      })),
    };
  if (lot.roundsMax === null || lot.roundsSeconds === null || lot.roundsTriggerSeconds === null)
    return { terms: { method: 'ascending', rounds: null } };
  return {
    terms: {
      method: 'ascending',
      rounds: { max: lot.roundsMax, seconds: lot.roundsSeconds, triggerSeconds: lot.roundsTriggerSeconds },
    },
    periods: chainedPeriods(
      { startsAt: lot.startsAt.toISOString(), endsAt: lot.scheduledEndsAt.toISOString() },
      details.events,
    ),
  };
}

/**
 * The round of each ledger entry, where the method has rounds: the period a bid fell in (extension
 * rounds; 0 is the official time) or the sealed round of the bid it reveals.
 */
export function entryRounds(record: Pick<AuctionRecord, 'ledger' | 'periods' | 'sealedBids'>): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of record.ledger) {
    const at = Date.parse(e.placedAt);
    const round =
      record.periods?.find((p) => Date.parse(p.startsAt) <= at && at < Date.parse(p.endsAt))?.round ??
      record.sealedBids?.find((b) => b.commitment === e.commitment && b.bidderCode === e.bidderCode)?.round;
    if (round !== undefined) out.set(e.seq, round);
  }
  return out;
}
