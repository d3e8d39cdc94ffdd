// The descending storm's verdicts (bench/lib/descending-check.ts): a run with one winner, refusals
// only as sold or price changed, and one ledger entry at the price asked passes; a second winner, a
// wrong refusal, an unanswered acceptance or a ledger that disagrees fails the run.
import { describe, expect, it } from 'vitest';
import { descendingProblems, renderDescending } from '../../bench/lib/descending-check.ts';
import type { DescendingResult } from '../../bench/lib/descending.ts';

const good: DescendingResult = {
  lotId: 2,
  bidders: 200,
  intervalSeconds: 10,
  priceAsked: 40_000_000,
  marginMs: 8_000,
  sendSpreadMs: 12,
  accepted: 1,
  winner: { bidderCode: 'B-1', seq: 1, amount: 40_000_000, ackMs: 30 },
  refusals: { 'LOT_NOT_LIVE/lot_sold': 190, 'PRICE_CHANGED/price_changed': 9 },
  retried: {},
  errors: 0,
  errorSamples: [],
  ack: { count: 200, p50: 60, p90: 70, p99: 80, p999: 80, max: 81, mean: 60 },
  seen: { watcherSoldMs: 31, watcherClosedMs: 400, getClosedMs: 420 },
  lotAfter: { status: 'closed', finalPrice: 40_000_000, winnerBidderCode: 'B-1' },
  ledger: {
    entries: 1,
    amounts: [40_000_000],
    atPriceAsked: true,
    winnerMatches: true,
    hashChainIntact: true,
    lotStatus: 'closed',
    lotPrice: 40_000_000,
    ok: true,
  },
  setupMs: { registerMs: 1, approveMs: 1, totalMs: 2 },
};

describe('the descending storm verdicts', () => {
  it('passes one winner at the price asked', () => {
    expect(descendingProblems(good)).toEqual([]);
    expect(descendingProblems(undefined)).toEqual([]);
    expect(renderDescending(good)).toContain('| 200 | 1 | 190 LOT_NOT_LIVE/lot_sold, 9 PRICE_CHANGED/price_changed |');
  });

  it('passes acceptances shed by the admission door when their retries are refused as sold', () => {
    const shed = {
      ...good,
      refusals: { 'LOT_NOT_LIVE/lot_sold': 150, 'UNAVAILABLE/overloaded': 49 },
      retried: { 'LOT_NOT_LIVE/lot_sold': 49 },
    };
    expect(descendingProblems(shed)).toEqual([]);
    expect(renderDescending(shed)).toContain('shed ones sent again: 49 LOT_NOT_LIVE/lot_sold');
  });

  it.each<[string, Partial<DescendingResult>, RegExp]>([
    ['two winners', { accepted: 2 }, /2 acceptances won/],
    ['no winner', { accepted: 0 }, /0 acceptances won/],
    ['another refusal', { refusals: { 'LOT_NOT_LIVE/lot_sold': 198, UNAVAILABLE: 1 } }, /1 UNAVAILABLE/],
    [
      'a shed acceptance shed again',
      {
        refusals: { 'LOT_NOT_LIVE/lot_sold': 198, 'UNAVAILABLE/overloaded': 1 },
        retried: { 'UNAVAILABLE/overloaded': 1 },
      },
      /1 UNAVAILABLE\/overloaded on retry/,
    ],
    ['an unanswered acceptance', { errors: 1, errorSamples: ['socket hang up'] }, /1 acceptances unanswered or failed/],
    [
      'two ledger entries',
      {
        ledger: { ...good.ledger, entries: 2, amounts: [40_000_000, 40_000_000], atPriceAsked: false, ok: false },
      },
      /descending ledger: 2 entries/,
    ],
    ['a broken chain', { ledger: { ...good.ledger, hashChainIntact: false, ok: false } }, /hash chain broken/],
    [
      'a lot left open',
      { lotAfter: { status: 'live', finalPrice: null, winnerBidderCode: null } },
      /GET shows the lot live/,
    ],
    ['a watcher that never saw the close', { seen: { ...good.seen, watcherClosedMs: null } }, /never saw/],
  ])('fails %s', (_, change, message) => {
    const problems = descendingProblems({ ...good, ...change });
    expect(problems.join('; ')).toMatch(message);
  });
});
