// The lot page's pure helpers: the standing state it shows is the server's (an accepted bid stands
// with the minimum its broadcast carries, a withdrawal or an entry without one waits for the server's
// word, a newer bid is never overwritten by an older snapshot), and the chart's axes read as round
// prices and distinct times.
import { describe, expect, it } from 'vitest';
import { afterEntry, newer, type Standing } from '../../web/lib/live/standing.ts';
import { priceTicks, timeTicks } from '../../web/lib/chart-ticks.ts';

const held: Standing = { currentPrice: 45_000_000, highestBidderCode: 'B-AAAA', minNextBid: 50_000_000, seq: 2 };
const entry = (seq: number, kind: 'bid' | 'withdrawal', amount: number, bidderCode: string) => ({
  lotId: 1,
  seq,
  kind,
  amount,
  bidderCode,
  placedAt: new Date(0).toISOString(),
});

describe('the standing state a lot page shows', () => {
  it('takes an accepted bid as the standing bid at its seq, with the minimum the server sent with it', () => {
    // The server's figure, whatever the page might have made of the price and a step.
    expect(afterEntry(held, { ...entry(3, 'bid', 50_000_000, 'B-CCCC'), minNextBid: 57_000_000 })).toEqual({
      currentPrice: 50_000_000,
      highestBidderCode: 'B-CCCC',
      minNextBid: 57_000_000,
      seq: 3,
    });
  });

  it('does not work out the next minimum of a bid read without one (from the ledger): the server says', () => {
    expect(afterEntry(held, entry(3, 'bid', 50_000_000, 'B-CCCC'))).toBeNull();
  });

  it('does not work out what stands after a withdrawal: the server says', () => {
    expect(afterEntry(held, entry(3, 'withdrawal', 45_000_000, 'B-AAAA'))).toBeNull();
  });

  it('keeps a newer standing state than a snapshot or lot event that crossed it', () => {
    const server: Standing = { currentPrice: 40_000_000, highestBidderCode: 'B-BBBB', minNextBid: 45_000_000, seq: 1 };
    expect(newer(held, server)).toBe(held);
    expect(newer(held, { ...server, seq: 3 })).toEqual({ ...server, seq: 3 });
  });
});

describe('the price chart’s axes', () => {
  it('puts price ticks on round steps inside the range', () => {
    expect(priceTicks(39_750_000, 45_400_000, 3)).toEqual([40_000_000, 42_000_000, 44_000_000]);
    for (const [lo, hi] of [
      [1, 7],
      [123_456_789, 987_654_321],
      [40_000_000 - 0.05, 40_000_001.08],
    ]) {
      const ticks = priceTicks(lo, hi, 3);
      expect(ticks.length).toBeGreaterThan(0);
      for (const v of ticks) expect(Number.isInteger(v) && v >= Math.floor(lo) && v <= Math.ceil(hi)).toBe(true);
      expect(new Set(ticks).size).toBe(ticks.length);
    }
  });

  it('labels times with seconds over a short span and never twice the same', () => {
    const format = (ms: number, withSeconds: boolean): string =>
      new Date(ms).toISOString().slice(11, withSeconds ? 19 : 16);
    const t0 = Date.parse('2026-12-02T05:00:00Z');
    expect(timeTicks(t0, t0 + 40_000, format).map((t) => t.label)).toEqual(['05:00:00', '05:00:20', '05:00:40']);
    expect(timeTicks(t0, t0 + 3_600_000, format).map((t) => t.label)).toEqual(['05:00', '05:30', '06:00']);
    expect(timeTicks(t0, t0 + 400, format).map((t) => t.label)).toEqual(['05:00:00']);
  });
});
