// The fast way to commit a batch of bids: two statements and no explicit transaction. The lot row
// (with its row version, xmin) and the batch's registrations are read in one statement; the bids are
// evaluated in memory (batch-ledger.ts); then ONE statement updates the lot only if its row version is
// still the one read, and inserts the ledger entries only if that update happened. A single statement
// is atomic and commits durably on its own, so the entries and the lot's standing state are written
// together or not at all, exactly as under the lot-row lock. Any change to the lot row in between
// (another process's bids, the close, a cancellation, the scheduler opening it) leaves the version
// stale: nothing is written and the caller falls back to the locked transaction, so this path never
// retries and never decides anything the locked path would decide differently.
//
// Batches this path does not take: withdrawals (they read and bar in between), and batches that
// extend the lot's end (the extension is audited, and the audit chain is appended under its own lock).
import { sql } from 'drizzle-orm';
import { resultRows, type Db } from '../../db/client.ts';
import type { AppContext } from '../context.ts';
import { BatchLedger, notFound, type BatchOutcome, type BidItem, type NewEntry } from './batch-ledger.ts';
import type { Standing } from '../auctions/rules/index.ts';
import { readForBatch } from './batch-reads.ts';

/** Commits the batch, or returns undefined when it must go through the locked transaction instead. */
export async function commitOptimistic(
  ctx: AppContext,
  lotId: number,
  items: BidItem[],
): Promise<BatchOutcome | undefined> {
  const read = await readForBatch(ctx.db, lotId, items);
  if (!read || read.lot.status === 'draft') return notFound(items);
  const ledger = new BatchLedger(read.lot, read.lastPlacedAt);
  for (const item of items) await ledger.placeBid(item, read.bidders);
  if (!ledger.changed) return ledger.outcome;
  if (ledger.extendedFrom) return undefined;

  return (await writeIfUnchanged(ctx.db, lotId, read.version, ledger.standing, ledger.takePending()))
    ? ledger.outcome
    : undefined;
}

/**
 * In one statement: sets the lot's standing state and appends the entries, only if the lot row is
 * still at `version` (its xmin when read). Returns whether it wrote.
 */
export async function writeIfUnchanged(
  db: Db,
  lotId: number,
  version: string,
  s: Standing,
  entries: NewEntry[],
): Promise<boolean> {
  const rows = JSON.stringify(
    entries.map((r) => ({
      seq: r.seq,
      kind: r.kind,
      registration_id: r.registrationId,
      bidder_code: r.bidderCode,
      amount: r.amount,
      placed_at: r.placedAt.toISOString(),
      idempotency_key: r.idempotencyKey ?? null,
      prev_hash: r.prevHash,
      hash: r.hash,
    })),
  );
  const result = await db.execute(sql`
    with written as (
      update lots
         set seq = ${s.seq}, bid_count = ${s.bidCount}, current_price = ${s.currentPrice}, leader_registration_id = ${s.leaderRegistrationId}, last_hash = ${s.lastHash}, updated_at = now()
       where id = ${lotId} and xmin = ${version}::xid
   returning id
    ), appended as (
      insert into ledger_entries (lot_id, seq, kind, registration_id, bidder_code, amount, placed_at, idempotency_key, prev_hash, hash)
      select written.id, e.seq, e.kind, e.registration_id, e.bidder_code, e.amount, e.placed_at, e.idempotency_key, e.prev_hash, e.hash
        from written, jsonb_to_recordset(${rows}::jsonb)
          as e(seq integer, kind text, registration_id integer, bidder_code text, amount bigint, placed_at timestamptz, idempotency_key text, prev_hash text, hash text)
   returning 1
    )
    select (select count(*) from written)::int as written`);
  return resultRows<{ written: number }>(result)[0].written === 1;
}
