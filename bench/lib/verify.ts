// Correctness after a run, from the database itself: the ledger is gap-free and hash-chained, each
// accepted bid is at least one step above the one before, the lot's price is the highest accepted
// bid, and every bid a client saw acknowledged is in the ledger with the acknowledged amount.
import { GENESIS_HASH, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import type { Sql } from './database.ts';

export interface LedgerCheck {
  entries: number;
  acknowledged: number;
  /** Acknowledged bids missing from the ledger, or there with another amount: must be 0. */
  acknowledgedMissing: number;
  /** Entries no client saw acknowledged (the client gave up waiting); reported, not an error. */
  unacknowledgedEntries: number;
  seqGapFree: boolean;
  stepRuleHolds: boolean;
  hashChainIntact: boolean;
  finalPrice: number | null;
  highestAcknowledged: number | null;
  finalPriceIsHighestBid: boolean;
  ok: boolean;
}

interface Row {
  seq: number;
  kind: 'bid' | 'withdrawal';
  amount: string;
  bidder_code: string;
  placed_at: Date;
  withdraws_seq: number | null;
  prev_hash: string;
  hash: string;
}

/** Waits until the lot's seq has not moved for a second (bids given up on by the clients may still be committing). */
export async function settle(sql: Sql, lotId: number, maxMs = 120_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  for (;;) {
    const [{ seq }] = await sql<{ seq: number }[]>`select seq from lots where id = ${lotId}`;
    if (seq === last || Date.now() > deadline) return;
    last = seq;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

export async function checkLedger(sql: Sql, lotId: number, acks: [number, number, number][]): Promise<LedgerCheck> {
  await settle(sql, lotId);
  // One snapshot for both reads: a batch committing between them would look like a broken ledger.
  const [rows, [lot]] = await sql.begin('isolation level repeatable read read only', async (tx) => [
    await tx<
      Row[]
    >`select seq, kind, amount, bidder_code, placed_at, withdraws_seq, prev_hash, hash from ledger_entries where lot_id = ${lotId} order by seq`,
    await tx<
      {
        current_price: string | null;
        price_step: string;
        starting_price: string;
        seq: number;
        last_hash: string | null;
      }[]
    >`select current_price, price_step, starting_price, seq, last_hash from lots where id = ${lotId}`,
  ]);
  const step = Number(lot.price_step);
  let seqGapFree = rows.length === lot.seq;
  let stepRuleHolds = true;
  let hashChainIntact = true;
  let prevHash = GENESIS_HASH;
  let prevAmount: number | null = null;
  const bySeq = new Map<number, number>();
  rows.forEach((r, i) => {
    const amount = Number(r.amount);
    bySeq.set(r.seq, amount);
    if (r.seq !== i + 1) seqGapFree = false;
    if (r.kind === 'bid') {
      if (amount < (prevAmount === null ? Number(lot.starting_price) : prevAmount + step)) stepRuleHolds = false;
      prevAmount = amount;
    }
    const expected = ledgerEntryHash(prevHash, {
      lotId,
      seq: r.seq,
      kind: r.kind,
      amount,
      bidderCode: r.bidder_code,
      placedAt: r.placed_at.toISOString(),
      withdrawsSeq: r.withdraws_seq,
    });
    if (r.prev_hash !== prevHash || r.hash !== expected) hashChainIntact = false;
    prevHash = r.hash;
  });
  if ((lot.last_hash ?? GENESIS_HASH) !== prevHash) hashChainIntact = false;
  let acknowledgedMissing = 0;
  let highestAcknowledged: number | null = null;
  const ackedSeqs = new Set<number>();
  for (const [, seq, amount] of acks) {
    if (bySeq.get(seq) !== amount) acknowledgedMissing++;
    ackedSeqs.add(seq);
    if (highestAcknowledged === null || amount > highestAcknowledged) highestAcknowledged = amount;
  }
  const finalPrice = lot.current_price === null ? null : Number(lot.current_price);
  const finalPriceIsHighestBid =
    finalPrice === prevAmount &&
    (highestAcknowledged === null ||
      finalPrice === highestAcknowledged ||
      (finalPrice !== null && finalPrice > highestAcknowledged && !ackedSeqs.has(rows.length)));
  const ok =
    acknowledgedMissing === 0 &&
    seqGapFree &&
    stepRuleHolds &&
    hashChainIntact &&
    finalPriceIsHighestBid &&
    ackedSeqs.size === acks.length;
  return {
    entries: rows.length,
    acknowledged: acks.length,
    acknowledgedMissing,
    unacknowledgedEntries: rows.length - ackedSeqs.size,
    seqGapFree,
    stepRuleHolds,
    hashChainIntact,
    finalPrice,
    highestAcknowledged,
    finalPriceIsHighestBid,
    ok,
  };
}
