// One group commit: a batch of queued bids and withdrawals for one lot (the in-process queue,
// bid-engine.ts, makes batches), read, evaluated in arrival order and written atomically: the ledger
// entries (gap-free seq, hash-chained), the lot's new standing state, and any bars and audit events.
// Refused items leave no trace. Either way of committing reads and writes through the same
// functions (batch-store.ts) and evaluates through the same one (batch-ledger.ts); the database, not
// this process, decides: several processes may share one PostgreSQL.
import type { AppContext } from '../context.ts';
import { evaluateBatch, notFound, type BatchItem, type BatchOutcome } from './batch-ledger.ts';
import { readBatch, writeBatch } from './batch-store.ts';

export type { BatchItem, BatchOutcome, WithdrawAck } from './batch-ledger.ts';

/** A way of committing a batch. */
export interface CommitStrategy {
  readonly name: string;
  /** Commits the batch, or returns undefined when it cannot (the next strategy then does). */
  commit(ctx: AppContext, lotId: number, items: BatchItem[]): Promise<BatchOutcome | undefined>;
}

/**
 * Optimistic: two statements, no explicit transaction and no lock. The read gives the lot's row
 * version; the write applies only if the version is unchanged, so any change to the lot row in
 * between (another process's bids, the close, a cancellation, the scheduler opening it) leaves it
 * unwritten, and the batch goes to the locked strategy: this one never retries and never decides
 * anything the locked one would decide differently. It declines withdrawals (they read more) and any
 * batch with audit events (a soft-close extension): those are appended under the audit chain's lock.
 */
export const optimistic: CommitStrategy = {
  name: 'optimistic',
  async commit(ctx, lotId, items) {
    if (items.some((i) => i.kind !== 'bid')) return undefined;
    const read = await readBatch(ctx.db, lotId, items, { lock: false });
    if (!read || read.lot.status === 'draft') return notFound(items);
    const { write, outcome } = evaluateBatch(read, items);
    if (!write) return outcome;
    if (write.audits.length || write.barred.length) return undefined;
    return (await writeBatch(ctx.db, lotId, write, read.version)) ? outcome : undefined;
  },
};

/** Locked: everything under the lot-row lock (SELECT ... FOR UPDATE) in one transaction. */
export const locked: CommitStrategy = {
  name: 'locked',
  commit(ctx, lotId, items) {
    return ctx.db.transaction(async (tx) => {
      const read = await readBatch(tx, lotId, items, { lock: true });
      if (!read || read.lot.status === 'draft') return notFound(items);
      const { write, outcome } = evaluateBatch(read, items);
      if (write) await writeBatch(tx, lotId, write);
      return outcome;
    });
  },
};

/** The strategies, tried in order: the last one always commits. */
export const COMMIT_STRATEGIES: readonly CommitStrategy[] = [optimistic, locked];

/** Commits a batch with the first strategy that takes it. */
export async function commitBatch(
  ctx: AppContext,
  lotId: number,
  items: BatchItem[],
  strategies: readonly CommitStrategy[] = COMMIT_STRATEGIES,
): Promise<BatchOutcome> {
  for (const strategy of strategies) {
    const outcome = await strategy.commit(ctx, lotId, items);
    if (outcome) return outcome;
  }
  throw new Error(`no strategy committed the batch for lot ${lotId}`);
}
