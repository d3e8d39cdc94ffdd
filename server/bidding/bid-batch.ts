// One group commit: a batch of queued bids and withdrawals for one lot (the in-process queue,
// bid-engine.ts, makes batches), read under the lot-row lock (SELECT … FOR UPDATE), evaluated in
// arrival order and written atomically in one transaction: the ledger entries (gap-free seq,
// hash-chained), the lot's new standing state, and any bars and audit events. Refused items leave no
// trace. The database, not this process, decides: several processes may share one PostgreSQL, and the
// row lock serializes their batches. (An optimistic, lock-free first try was measured and removed: it
// bought nothing up to 2,000 bids/s and cost accepted bids under overload: bench/results/
// experiments-2026-12-02.md.)
import type { AppContext } from '../context.ts';
import { evaluateBatch, notFound, type BatchItem, type BatchOutcome } from './batch-ledger.ts';
import { readBatch, writeBatch } from './batch-store.ts';

export type { BatchItem, BatchOutcome, WithdrawAck } from './batch-ledger.ts';

/** Commits a batch: read under the lot's lock, evaluate by the rules, write, in one transaction. */
export function commitBatch(ctx: AppContext, lotId: number, items: BatchItem[]): Promise<BatchOutcome> {
  return ctx.db.transaction(async (tx) => {
    const read = await readBatch(tx, lotId, items);
    if (!read || read.lot.status === 'draft') return notFound(items);
    const { write, outcome } = evaluateBatch(read, items);
    if (write) await writeBatch(tx, lotId, write);
    return outcome;
  });
}
