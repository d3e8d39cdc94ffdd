// One group commit: a batch of queued bids and withdrawals for one lot, evaluated in arrival order
// against the standing state read under the lot-row lock (SELECT ... FOR UPDATE), written in one
// transaction: the ledger entries (gap-free seq, hash-chained), the lot's new standing state, and any
// audit events. Rejected items leave no trace. The row lock keeps this correct when several
// processes share one PostgreSQL; the in-process queue (bid-engine.ts) is what makes batches.
import { and, desc, eq, inArray, ne, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { ledgerEntries, lots, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { isBiddingOpen, type LotRow } from '../auctions/public-lot.ts';
import { fail, ok, type Result } from '../shared/errors.ts';
import type { LotChange, PersonalEvent, PublicEntry } from '../shared/events.ts';
import { GENESIS_HASH, ledgerEntryHash } from '../shared/hash-chain.ts';
import { extendedEnd, refuseBid, type Bidder, type Standing } from './bid-rules.ts';
import type { BidAck } from './types.ts';

export interface WithdrawAck {
  seq: number;
  withdrawsSeq: number;
  amount: number;
  bidderCode: string;
  placedAt: string;
  currentPrice: number | null;
}

export type BatchItem =
  | { kind: 'bid'; person: Person; amount: number; idempotencyKey?: string; receivedAt: Date }
  | { kind: 'withdraw'; person: Person; seq: number; receivedAt: Date };

export interface BatchOutcome {
  results: Result<BidAck | WithdrawAck>[];
  entries: PublicEntry[];
  personal: { pid: string; event: PersonalEvent }[];
  lotChanges: LotChange[];
}

type NewEntry = typeof ledgerEntries.$inferInsert;

export async function commitBatch(ctx: AppContext, lotId: number, items: BatchItem[]): Promise<BatchOutcome> {
  return ctx.db.transaction(async (tx) => {
    const out: BatchOutcome = { results: [], entries: [], personal: [], lotChanges: [] };
    // The lot row, locked, with the time of its last entry (one round trip).
    const [locked] = await tx
      .select({ lot: lots, lastPlacedAt: sql<Date | null>`(select le.placed_at from ledger_entries le where le.lot_id = ${lotId} and le.seq = "lots"."seq")`.mapWith(ledgerEntries.placedAt) })
      .from(lots)
      .where(eq(lots.id, lotId))
      .for('update', { of: lots });
    const lot = locked?.lot;
    if (!lot || lot.status === 'draft') {
      out.results = items.map(() => fail('NOT_FOUND', 'No such lot.'));
      return out;
    }
    const bidders = await loadBidders(tx, lot, items);
    const replays = bidders.replays;
    const s: Standing = { seq: lot.seq, bidCount: lot.bidCount, currentPrice: lot.currentPrice, leaderRegistrationId: lot.leaderRegistrationId, lastHash: lot.lastHash ?? GENESIS_HASH, endsAt: lot.endsAt, lastPlacedAt: locked.lastPlacedAt ?? null };
    let pending: NewEntry[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length) await tx.insert(ledgerEntries).values(pending);
      pending = [];
    };
    const append = (e: Omit<NewEntry, 'lotId' | 'seq' | 'prevHash' | 'hash' | 'placedAt'>, receivedAt: Date): NewEntry => {
      // Recorded times never go backwards along the ledger, even across processes' clocks.
      const placedAt = s.lastPlacedAt && s.lastPlacedAt > receivedAt ? s.lastPlacedAt : receivedAt;
      const seq = s.seq + 1;
      const fields = { lotId, seq, kind: e.kind, amount: e.amount, bidderCode: e.bidderCode, placedAt: placedAt.toISOString(), withdrawsSeq: e.withdrawsSeq ?? null };
      const hash = ledgerEntryHash(s.lastHash, fields);
      const row: NewEntry = { ...e, lotId, seq, placedAt, prevHash: s.lastHash, hash };
      pending.push(row);
      out.entries.push({ lotId, seq, kind: e.kind, amount: e.amount, bidderCode: e.bidderCode, placedAt: fields.placedAt, ...(e.withdrawsSeq ? { withdrawsSeq: e.withdrawsSeq } : {}) });
      s.seq = seq;
      s.lastHash = hash;
      s.lastPlacedAt = placedAt;
      return row;
    };
    let extendedFrom: Date | null = null;

    for (const item of items) {
      const bidder = bidders.byPid.get(item.person.pid);
      if (item.kind === 'bid') {
        const replayKey = bidder && item.idempotencyKey ? `${bidder.id}\n${item.idempotencyKey}` : undefined;
        const replay = replayKey ? replays.get(replayKey) : undefined;
        if (replay) {
          out.results.push(replay.amount === item.amount ? ok(replay.ack) : fail('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used for a different amount.'));
          continue;
        }
        const refusal = refuseBid(lot, s, bidder, item.person.pid, item.amount, item.receivedAt);
        if (refusal || !bidder) {
          out.results.push(refusal ?? fail('NOT_APPROVED', 'Not registered.'));
          continue;
        }
        const previousLeader = s.leaderRegistrationId;
        const row = append({ kind: 'bid', registrationId: bidder.id, bidderCode: bidder.bidderCode, amount: item.amount, idempotencyKey: item.idempotencyKey ?? null, withdrawsSeq: null }, item.receivedAt);
        s.currentPrice = item.amount;
        s.leaderRegistrationId = bidder.id;
        s.bidCount++;
        const ends = extendedEnd(lot, s.endsAt, item.receivedAt);
        if (ends.getTime() !== s.endsAt.getTime()) {
          extendedFrom ??= s.endsAt;
          s.endsAt = ends;
        }
        const ack: BidAck = { seq: row.seq, amount: item.amount, bidderCode: bidder.bidderCode, placedAt: row.placedAt.toISOString() };
        if (replayKey) replays.set(replayKey, { amount: item.amount, ack });
        out.results.push(ok(ack));
        if (previousLeader !== null) {
          const pid = (await bidders.byId(previousLeader))?.pid;
          if (pid) out.personal.push({ pid, event: { type: 'outbid', lotId, seq: row.seq, amount: item.amount } });
        }
        continue;
      }
      // A withdrawal of the person's own standing highest bid, before the close.
      if (!isBiddingOpen({ ...lot, endsAt: s.endsAt }, item.receivedAt)) {
        out.results.push(fail('LOT_NOT_LIVE', 'Bids can be withdrawn only while bidding is open.'));
        continue;
      }
      await flush();
      const [target] = await tx.select().from(ledgerEntries).where(and(eq(ledgerEntries.lotId, lotId), eq(ledgerEntries.seq, item.seq)));
      if (!target || target.kind !== 'bid') {
        out.results.push(fail('NOT_FOUND', `There is no bid ${item.seq} on this lot.`));
        continue;
      }
      if (!bidder || target.registrationId !== bidder.id) {
        out.results.push(fail('FORBIDDEN', 'You may withdraw only your own bid.'));
        continue;
      }
      if (s.leaderRegistrationId !== bidder.id || target.amount !== s.currentPrice) {
        out.results.push(fail('NOT_LEADING', 'Only the standing highest bid can be withdrawn.'));
        continue;
      }
      const row = append({ kind: 'withdrawal', registrationId: bidder.id, bidderCode: bidder.bidderCode, amount: target.amount, withdrawsSeq: target.seq, idempotencyKey: null }, item.receivedAt);
      await flush();
      await tx.update(registrations).set({ status: 'barred', depositState: 'forfeited', updatedAt: item.receivedAt }).where(eq(registrations.id, bidder.id));
      bidder.status = 'barred';
      const fallback = await previousStanding(tx, lotId, bidder.id);
      s.currentPrice = fallback?.amount ?? null;
      s.leaderRegistrationId = fallback?.registrationId ?? null;
      await appendAudit(tx, { actorPid: item.person.pid, action: 'bid.withdrawn', lotId, subject: String(bidder.id), at: item.receivedAt, data: { seq: row.seq, withdrawsSeq: target.seq, amount: target.amount, bidderCode: bidder.bidderCode, depositState: 'forfeited', currentPrice: s.currentPrice } });
      out.results.push(ok({ seq: row.seq, withdrawsSeq: target.seq, amount: target.amount, bidderCode: bidder.bidderCode, placedAt: row.placedAt.toISOString(), currentPrice: s.currentPrice }));
      out.lotChanges.push({ lotId, status: 'live', endsAt: s.endsAt.toISOString(), currentPrice: s.currentPrice, seq: s.seq, reason: 'withdrawal' });
    }

    if (s.seq === lot.seq) return out;
    await flush();
    await tx
      .update(lots)
      .set({ seq: s.seq, bidCount: s.bidCount, currentPrice: s.currentPrice, leaderRegistrationId: s.leaderRegistrationId, lastHash: s.lastHash, endsAt: s.endsAt, updatedAt: sql`now()` })
      .where(eq(lots.id, lotId));
    if (extendedFrom) {
      await appendAudit(tx, { actorPid: null, action: 'lot.extended', lotId, at: s.lastPlacedAt ?? ctx.clock.now(), data: { from: extendedFrom.toISOString(), to: s.endsAt.toISOString(), seq: s.seq } });
      out.lotChanges.push({ lotId, status: 'live', endsAt: s.endsAt.toISOString(), currentPrice: s.currentPrice, seq: s.seq, reason: 'extended' });
    }
    return out;
  });
}

type Replays = Map<string, { amount: number; ack: BidAck }>;

/**
 * The registrations the batch needs (its bidders by pid, the standing leader, others on demand) and,
 * in the same query, the first answers of earlier requests that used the batch's Idempotency-Keys,
 * keyed by registration id and key.
 */
async function loadBidders(tx: Tx, lot: LotRow, items: BatchItem[]): Promise<{ byPid: Map<string, Bidder>; byId(id: number): Promise<Bidder | undefined>; replays: Replays }> {
  const pids = [...new Set(items.map((i) => i.person.pid))];
  const keys = [...new Set(items.flatMap((i) => (i.kind === 'bid' && i.idempotencyKey ? [i.idempotencyKey] : [])))];
  const cols = { id: registrations.id, pid: registrations.pid, bidderCode: registrations.bidderCode, status: registrations.status };
  const cond = lot.leaderRegistrationId === null ? inArray(registrations.pid, pids) : or(inArray(registrations.pid, pids), eq(registrations.id, lot.leaderRegistrationId));
  const rows = await tx
    .select({ ...cols, key: ledgerEntries.idempotencyKey, seq: ledgerEntries.seq, amount: ledgerEntries.amount, placedAt: ledgerEntries.placedAt })
    .from(registrations)
    .leftJoin(ledgerEntries, keys.length ? and(eq(ledgerEntries.registrationId, registrations.id), inArray(ledgerEntries.idempotencyKey, keys)) : sql`false`)
    .where(and(eq(registrations.lotId, lot.id), cond));
  const ids = new Map<number, Bidder>();
  const replays: Replays = new Map();
  for (const r of rows) {
    if (!ids.has(r.id)) ids.set(r.id, { id: r.id, pid: r.pid, bidderCode: r.bidderCode, status: r.status });
    if (r.key !== null && r.seq !== null && r.amount !== null && r.placedAt !== null) {
      replays.set(`${r.id}\n${r.key}`, { amount: r.amount, ack: { seq: r.seq, amount: r.amount, bidderCode: r.bidderCode, placedAt: r.placedAt.toISOString() } });
    }
  }
  const byPid = new Map([...ids.values()].map((r) => [r.pid, r]));
  return {
    byPid,
    replays,
    async byId(id) {
      if (!ids.has(id)) {
        const [r] = await tx.select(cols).from(registrations).where(eq(registrations.id, id));
        if (r) ids.set(id, r);
      }
      return ids.get(id);
    },
  };
}

/** After a withdrawal: the latest bid still standing (not withdrawn, bidder not barred), if any. */
async function previousStanding(tx: Tx, lotId: number, withdrawerId: number): Promise<{ amount: number; registrationId: number } | undefined> {
  const [row] = await tx
    .select({ amount: ledgerEntries.amount, registrationId: ledgerEntries.registrationId })
    .from(ledgerEntries)
    .innerJoin(registrations, eq(registrations.id, ledgerEntries.registrationId))
    .where(and(eq(ledgerEntries.lotId, lotId), eq(ledgerEntries.kind, 'bid'), ne(registrations.status, 'barred'), ne(registrations.id, withdrawerId)))
    .orderBy(desc(ledgerEntries.seq))
    .limit(1);
  return row;
}
