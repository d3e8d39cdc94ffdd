// The next minimum each accepted bid is broadcast with (server/realtime/lot-terms.ts): computed by
// the rules from the lot's terms, and never from terms that could still change: terms seen before
// registration opened are read again before use, and a bid broadcast meanwhile carries no minimum
// (the page then reads the lot) rather than a wrong one.
import { describe, expect, it } from 'vitest';
import { LotTerms, type Terms } from '../../server/realtime/lot-terms.ts';
import type { PublicEntry } from '../../server/shared/events.ts';
import { createLogger } from '../../server/shared/log.ts';

const entry = (seq: number, kind: 'bid' | 'withdrawal', amount: number): PublicEntry => ({
  lotId: 1,
  seq,
  kind,
  amount,
  bidderCode: 'B-AAAA',
  placedAt: new Date(0).toISOString(),
  ...(kind === 'withdrawal' ? { withdrawsSeq: seq - 1 } : {}),
});

function harness(stored: Terms) {
  const reads: number[] = [];
  const terms = new LotTerms({
    read: (lotId) => {
      reads.push(lotId);
      return Promise.resolve(stored);
    },
    log: createLogger({ level: 'silent' }),
  });
  return { terms, reads };
}

describe('the next minimum broadcast with each accepted bid', () => {
  it('is the rules’ minimum once the bid stands (its amount plus the step); a withdrawal carries none', () => {
    const { terms, reads } = harness({ startingPrice: 40, priceStep: 5, ascending: true, final: true });
    terms.saw(1, { startingPrice: 40, priceStep: 5, ascending: true, final: true });
    expect(terms.live(1, [entry(1, 'bid', 40), entry(2, 'bid', 52), entry(3, 'withdrawal', 52)])).toEqual([
      { ...entry(1, 'bid', 40), minNextBid: 45 },
      { ...entry(2, 'bid', 52), minNextBid: 57 },
      entry(3, 'withdrawal', 52),
    ]);
    expect(reads).toEqual([]);
  });

  it('reads terms seen before registration opened again before using them, and sends no minimum meanwhile', async () => {
    // Seen at a watch before registration opened (step 5); the manager then changed the step to 7.
    const { terms, reads } = harness({ startingPrice: 40, priceStep: 7, ascending: true, final: true });
    terms.saw(1, { startingPrice: 40, priceStep: 5, ascending: true, final: false });
    expect(terms.live(1, [entry(1, 'bid', 40)])).toEqual([entry(1, 'bid', 40)]);
    expect(reads).toEqual([1]);
    await new Promise((r) => setImmediate(r));
    expect(terms.live(1, [entry(2, 'bid', 47)])).toEqual([{ ...entry(2, 'bid', 47), minNextBid: 54 }]);
    // A later snapshot taken before the edit cannot bring the old step back.
    terms.saw(1, { startingPrice: 40, priceStep: 5, ascending: true, final: false });
    expect(terms.live(1, [entry(3, 'bid', 54)])).toEqual([{ ...entry(3, 'bid', 54), minNextBid: 61 }]);
  });

  it('reads the terms of a lot nobody here had a snapshot of', async () => {
    const { terms, reads } = harness({ startingPrice: 40, priceStep: 5, ascending: true, final: true });
    expect(terms.live(2, [{ ...entry(1, 'bid', 40), lotId: 2 }])).toEqual([{ ...entry(1, 'bid', 40), lotId: 2 }]);
    await new Promise((r) => setImmediate(r));
    expect(reads).toEqual([2]);
    expect(terms.live(2, [{ ...entry(2, 'bid', 45), lotId: 2 }])[0]).toMatchObject({ minNextBid: 50 });
  });
});
