import { describe, expect, it } from 'vitest';
import { LotStreams } from '../../server/realtime/lot-streams.ts';
import type { LotChange, PublicEntry } from '../../server/shared/events.ts';
import { createLogger } from '../../server/shared/log.ts';
import { until } from './support.ts';

const entry = (lotId: number, seq: number): PublicEntry => ({
  lotId,
  seq,
  kind: 'bid',
  amount: 1_000_000 + seq * 1000,
  bidderCode: `B${seq % 3}`,
  placedAt: new Date(1_700_000_000_000 + seq).toISOString(),
});
const change = (lotId: number, seq: number, reason: LotChange['reason'] = 'closed'): LotChange => ({
  lotId,
  seq,
  reason,
  status: reason === 'closed' ? 'closed' : 'live',
  endsAt: new Date(0).toISOString(),
  currentPrice: 1_000_000 + seq * 1000,
  highestBidderCode: 'B1',
  minNextBid: null,
  nextPriceAt: null,
  nextPrice: null,
  round: null,
  biddingOpen: false,
  ended: reason === 'closed',
  cancelReason: null,
  finalPrice: null,
  winnerBidderCode: null,
  award: null,
  suspendedAt: null,
  suspensionReason: null,
  rerunOf: null,
  rerunAs: null,
});

function harness(ledger: PublicEntry[] = [], options: { coalesceMs?: number; gapTimeoutMs?: number } = {}) {
  const writes: ({ kind: 'entries'; seqs: number[] } | { kind: 'lot'; seq: number; reason: string })[] = [];
  const reads: { after: number; limit: number }[] = [];
  const streams = new LotStreams({
    coalesceMs: options.coalesceMs ?? 10,
    gapTimeoutMs: options.gapTimeoutMs ?? 30,
    log: createLogger({ level: 'silent' }),
    emitEntries: (_lotId, entries) => writes.push({ kind: 'entries', seqs: entries.map((e) => e.seq) }),
    emitLot: (c) => writes.push({ kind: 'lot', seq: c.seq, reason: c.reason }),
    readEntries: async (_lotId, after, limit) => {
      reads.push({ after, limit });
      return ledger.filter((e) => e.seq > after).slice(0, limit);
    },
  });
  const seqs = (): number[] => writes.flatMap((w) => (w.kind === 'entries' ? w.seqs : []));
  return { streams, writes, reads, seqs };
}

describe('lot streams', () => {
  it('ignores lots that nobody in this process watches', async () => {
    const h = harness();
    h.streams.entries(1, [entry(1, 1)]);
    h.streams.lot(change(1, 1));
    await new Promise((r) => setTimeout(r, 20));
    expect(h.writes).toEqual([]);
  });

  it('holds entries until the first snapshot, then writes only those after it', async () => {
    const h = harness();
    h.streams.open(1);
    h.streams.entries(1, [entry(1, 4), entry(1, 5)]);
    h.streams.entries(1, [entry(1, 6)]);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.writes).toEqual([]);
    h.streams.prime(1, 4);
    await until(() => h.seqs().length === 2, 'the held entries');
    expect(h.seqs()).toEqual([5, 6]);
  });

  it('writes entries that arrive out of order in seq order, without repeats', async () => {
    const h = harness();
    h.streams.open(1);
    h.streams.prime(1, 0);
    for (const seq of [2, 1, 4, 3, 3, 6, 5, 1]) h.streams.entries(1, [entry(1, seq)]);
    await until(() => h.seqs().length === 6, 'six entries');
    expect(h.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.reads).toEqual([]);
  });

  it('coalesces a burst of entries into fewer writes than entries', async () => {
    const h = harness([], { coalesceMs: 20 });
    h.streams.open(1);
    h.streams.prime(1, 0);
    for (let seq = 1; seq <= 200; seq++) {
      h.streams.entries(1, [entry(1, seq)]);
      if (seq % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => h.seqs().length === 200, 'all entries');
    expect(h.seqs()).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(h.writes.length).toBeLessThan(50);
  });

  it('fills a gap that does not close by itself from the ledger', async () => {
    const ledger = Array.from({ length: 8 }, (_, i) => entry(1, i + 1));
    const h = harness(ledger);
    h.streams.open(1);
    h.streams.prime(1, 2);
    h.streams.entries(1, [entry(1, 3)]);
    // 4 and 5 were committed by a process that died before publishing them.
    h.streams.entries(1, [entry(1, 6), entry(1, 7)]);
    await until(() => h.seqs().length === 5, 'the gap filled');
    expect(h.seqs()).toEqual([3, 4, 5, 6, 7]);
    expect(h.reads[0]).toMatchObject({ after: 3 });
  });

  it('writes a lot change only after every entry up to its seq', async () => {
    const h = harness([], { gapTimeoutMs: 5_000 });
    h.streams.open(1);
    h.streams.prime(1, 0);
    h.streams.entries(1, [entry(1, 1)]);
    h.streams.lot(change(1, 3));
    h.streams.entries(1, [entry(1, 3)]);
    h.streams.entries(1, [entry(1, 2)]);
    await until(() => h.writes.some((w) => w.kind === 'lot'), 'the lot change');
    const order = h.writes.map((w) => (w.kind === 'lot' ? `lot@${w.seq}` : w.seqs.join(','))).join(' ');
    expect(order.endsWith('lot@3')).toBe(true);
    expect(h.seqs()).toEqual([1, 2, 3]);
  });

  it('writes a change that concerns no new entry at once, and only once', async () => {
    const h = harness();
    h.streams.open(1);
    h.streams.prime(1, 7);
    h.streams.lot(change(1, 7, 'cancelled'));
    expect(h.writes).toEqual([{ kind: 'lot', seq: 7, reason: 'cancelled' }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.writes).toHaveLength(1);
  });

  it('writes nothing about a lot after its end, even when a relayed change arrives late', async () => {
    const h = harness();
    h.streams.open(1);
    h.streams.prime(1, 5);
    h.streams.lot(change(1, 5, 'closed'));
    h.streams.lot(change(1, 4, 'extended'));
    h.streams.lot(change(1, 5, 'closed'));
    expect(h.writes).toEqual([{ kind: 'lot', seq: 5, reason: 'closed' }]);
  });

  it('forgets a lot when its last local watcher leaves', async () => {
    const h = harness();
    h.streams.open(1);
    h.streams.prime(1, 0);
    h.streams.drop(1);
    h.streams.entries(1, [entry(1, 1)]);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.writes).toEqual([]);
    expect(h.streams.size()).toBe(0);
  });
});
