// One group commit: a batch of queued bids and withdrawals for one lot, evaluated in arrival order
// (batch-ledger.ts) against the lot's standing state, and written atomically: the ledger entries
// (gap-free seq, hash-chained), the lot's new standing state, and any audit events. Rejected items
// leave no trace. Plain bid batches are written optimistically (optimistic-batch.ts); the rest under
// the lot-row lock (SELECT ... FOR UPDATE) in one transaction. Either way the database, not this
// process, decides: several processes may share one PostgreSQL. The in-process queue (bid-engine.ts)
// is what makes batches.
import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { ledgerEntries, lots, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { ok, refuse } from '../shared/errors.ts';
import { BatchLedger, notFound, type BatchItem, type BatchOutcome, type BidItem } from './batch-ledger.ts';
import { lastPlacedAt, loadBidders } from './batch-reads.ts';
import { isBiddingOpen } from '../auctions/rules/index.ts';
import { lotChange } from '../auctions/public-lot.ts';
import { commitOptimistic } from './optimistic-batch.ts';

export type { BatchItem, BatchOutcome, WithdrawAck } from './batch-ledger.ts';

/**
 * Commits a batch. A batch of bids that neither extends the lot nor meets a concurrent change is
 * written optimistically (two round trips, see optimistic-batch.ts); anything else, and any batch the
 * optimistic write could not commit, goes through the locked transaction below.
 */
export async function commitBatch(ctx: AppContext, lotId: number, items: BatchItem[]): Promise<BatchOutcome> {
  if (items.every((i): i is BidItem => i.kind === 'bid')) {
    const outcome = await commitOptimistic(ctx, lotId, items);
    if (outcome) return { ...outcome, committed: 'optimistic' };
  }
  return { ...(await commitLocked(ctx, lotId, items)), committed: 'locked' };
}

/** The general path: everything under the lot-row lock in one transaction. */
async function commitLocked(ctx: AppContext, lotId: number, items: BatchItem[]): Promise<BatchOutcome> {
  return ctx.db.transaction(async (tx) => {
    // The lot row, locked, with the time of its last entry (one round trip).
    const [locked] = await tx
      .select({ lot: lots, lastPlacedAt: lastPlacedAt() })
      .from(lots)
      .where(eq(lots.id, lotId))
      .for('update', { of: lots });
    const lot = locked?.lot;
    if (!lot || lot.status === 'draft') return notFound(items);
    const bidders = await loadBidders(tx, lotId, items);
    const ledger = new BatchLedger(lot, locked.lastPlacedAt ?? null);
    const out = ledger.outcome;
    const s = ledger.standing;
    const flush = async (): Promise<void> => {
      const rows = ledger.takePending();
      if (rows.length) await tx.insert(ledgerEntries).values(rows);
    };

    for (const item of items) {
      if (item.kind === 'bid') {
        await ledger.placeBid(item, bidders);
        continue;
      }
      const bidder = bidders.byPid.get(item.person.pid);
      // A withdrawal of the person's own standing highest bid, before the close.
      if (!isBiddingOpen({ ...lot, endsAt: s.endsAt }, item.receivedAt)) {
        out.results.push(refuse('withdraw_not_open'));
        continue;
      }
      await flush();
      const [target] = await tx
        .select()
        .from(ledgerEntries)
        .where(and(eq(ledgerEntries.lotId, lotId), eq(ledgerEntries.seq, item.seq)));
      if (!target || target.kind !== 'bid') {
        out.results.push(refuse('bid_not_found', { seq: item.seq }));
        continue;
      }
      if (!bidder || target.registrationId !== bidder.id) {
        out.results.push(refuse('withdraw_not_own'));
        continue;
      }
      if (s.leaderRegistrationId !== bidder.id || target.amount !== s.currentPrice) {
        out.results.push(refuse('not_leading'));
        continue;
      }
      const row = ledger.append(
        {
          kind: 'withdrawal',
          registrationId: bidder.id,
          bidderCode: bidder.bidderCode,
          amount: target.amount,
          withdrawsSeq: target.seq,
          idempotencyKey: null,
        },
        item.receivedAt,
      );
      await flush();
      await tx
        .update(registrations)
        .set({ status: 'barred', depositState: 'forfeited', updatedAt: item.receivedAt })
        .where(eq(registrations.id, bidder.id));
      bidder.status = 'barred';
      const fallback = await previousStanding(tx, lotId, bidder.id);
      s.currentPrice = fallback?.amount ?? null;
      s.leaderRegistrationId = fallback?.registrationId ?? null;
      const leaderCode = fallback?.bidderCode ?? null;
      await appendAudit(tx, {
        actorPid: item.person.pid,
        action: 'bid.withdrawn',
        lotId,
        subject: String(bidder.id),
        at: item.receivedAt,
        data: {
          seq: row.seq,
          withdrawsSeq: target.seq,
          amount: target.amount,
          bidderCode: bidder.bidderCode,
          depositState: 'forfeited',
          currentPrice: s.currentPrice,
        },
      });
      out.results.push(
        ok({
          seq: row.seq,
          withdrawsSeq: target.seq,
          amount: target.amount,
          bidderCode: bidder.bidderCode,
          placedAt: row.placedAt.toISOString(),
          currentPrice: s.currentPrice,
        }),
      );
      // Watchers get the new standing state from here: the one rule, never worked out by a page.
      out.lotChanges.push(
        lotChange(
          { ...lot, status: 'live', currentPrice: s.currentPrice, seq: s.seq, endsAt: s.endsAt },
          'withdrawal',
          { leaderCode, winnerCode: null },
          item.receivedAt,
        ),
      );
    }

    if (!ledger.changed) return out;
    await flush();
    await tx
      .update(lots)
      .set({
        seq: s.seq,
        bidCount: s.bidCount,
        currentPrice: s.currentPrice,
        leaderRegistrationId: s.leaderRegistrationId,
        lastHash: s.lastHash,
        endsAt: s.endsAt,
        updatedAt: sql`now()`,
      })
      .where(eq(lots.id, lotId));
    if (ledger.extendedFrom) {
      await appendAudit(tx, {
        actorPid: null,
        action: 'lot.extended',
        lotId,
        at: s.lastPlacedAt ?? ctx.clock.now(),
        data: { from: ledger.extendedFrom.toISOString(), to: s.endsAt.toISOString(), seq: s.seq },
      });
      const leaderCode =
        s.leaderRegistrationId === null ? null : ((await bidders.byId(s.leaderRegistrationId))?.bidderCode ?? null);
      out.lotChanges.push(
        lotChange(
          { ...lot, status: 'live', currentPrice: s.currentPrice, seq: s.seq, endsAt: s.endsAt },
          'extended',
          { leaderCode, winnerCode: null },
          s.lastPlacedAt ?? ctx.clock.now(),
        ),
      );
    }
    return out;
  });
}

/** After a withdrawal: the latest bid still standing (not withdrawn, bidder not barred), if any. */
async function previousStanding(
  tx: Tx,
  lotId: number,
  withdrawerId: number,
): Promise<{ amount: number; registrationId: number; bidderCode: string } | undefined> {
  const [row] = await tx
    .select({
      amount: ledgerEntries.amount,
      registrationId: ledgerEntries.registrationId,
      bidderCode: registrations.bidderCode,
    })
    .from(ledgerEntries)
    .innerJoin(registrations, eq(registrations.id, ledgerEntries.registrationId))
    .where(
      and(
        eq(ledgerEntries.lotId, lotId),
        eq(ledgerEntries.kind, 'bid'),
        ne(registrations.status, 'barred'),
        ne(registrations.id, withdrawerId),
      ),
    )
    .orderBy(desc(ledgerEntries.seq))
    .limit(1);
  return row;
}
