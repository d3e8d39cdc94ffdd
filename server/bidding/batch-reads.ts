// The reads of a group commit: the time of the lot's last entry, and the registrations a batch needs
// with the first answers to its Idempotency-Keys: under the lot-row lock (loadBidders), and without it
// in one prepared statement (readForBatch).
import { eq, sql, type Placeholder } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { ledgerEntries, lots, registrations } from '../../db/schema.ts';
import type { LotRow } from '../auctions/public-lot.ts';
import type { Bidder } from '../auctions/rules/index.ts';
import type { BatchItem, Replays } from './batch-ledger.ts';

/** The time of the lot's last ledger entry, as a column of a query on lots. */
export const lastPlacedAt = () =>
  sql<Date | null>`(select le.placed_at from ledger_entries le where le.lot_id = "lots"."id" and le.seq = "lots"."seq")`.mapWith(
    ledgerEntries.placedAt,
  );

export interface BatchBidders {
  byPid: Map<string, Bidder>;
  /** A registration by id (read on demand if the batch's reads did not include it). */
  byId(id: number): Promise<Bidder | undefined>;
  replays: Replays;
}

interface ReplayRow {
  registrationId: number;
  key: string;
  seq: number;
  amount: number;
  placedAt: string;
}

const bidderColumns = {
  id: registrations.id,
  pid: registrations.pid,
  bidderCode: registrations.bidderCode,
  status: registrations.status,
};

/** JSON aggregates come back parsed from postgres.js and as text from PGlite. */
const parsed = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

function indexBidders(db: Pick<Db, 'select'>, bidderRows: Bidder[], replayRows: ReplayRow[]): BatchBidders {
  const ids = new Map<number, Bidder>(
    bidderRows.map((r) => [r.id, { id: r.id, pid: r.pid, bidderCode: r.bidderCode, status: r.status }]),
  );
  const replays: Replays = new Map();
  for (const r of replayRows) {
    const bidder = ids.get(r.registrationId);
    if (bidder)
      replays.set(`${r.registrationId}\n${r.key}`, {
        amount: r.amount,
        ack: {
          seq: r.seq,
          amount: r.amount,
          bidderCode: bidder.bidderCode,
          placedAt: new Date(r.placedAt).toISOString(),
        },
      });
  }
  return {
    byPid: new Map([...ids.values()].map((r) => [r.pid, r])),
    replays,
    async byId(id) {
      if (!ids.has(id)) {
        const [r] = await db.select(bidderColumns).from(registrations).where(eq(registrations.id, id));
        if (r) ids.set(id, r);
      }
      return ids.get(id);
    },
  };
}

/**
 * The registrations a batch needs, as two JSON columns of a query on its lot: `bidders`, the batch's
 * bidders (`pids`, a JSON array) and the standing leader (whom a bid may outbid); `replays`, the first
 * answers to the batch's Idempotency-Keys (`pairs`, a JSON array of {pid, key}), each looked up by
 * its exact (registration, key) in the ledger's unique index, so the cost follows the batch, not the
 * ledger's size.
 */
function registrationColumns(pids: string | Placeholder, pairs: string | Placeholder) {
  return {
    bidders: sql<Bidder[] | string>`(
      select coalesce(json_agg(json_build_object('id', r.id, 'pid', r.pid, 'bidderCode', r.bidder_code, 'status', r.status)), '[]'::json)
        from registrations r
       where r.lot_id = "lots"."id" and (r.pid = any(array(select jsonb_array_elements_text(${pids}::jsonb))) or r.id = "lots"."leader_registration_id"))`,
    replays: sql<ReplayRow[] | string>`(
      select coalesce(json_agg(json_build_object('registrationId', le.registration_id, 'key', le.idempotency_key, 'seq', le.seq, 'amount', le.amount, 'placedAt', le.placed_at)), '[]'::json)
        from jsonb_to_recordset(${pairs}::jsonb) as k(pid text, key text)
        join registrations r on r.lot_id = "lots"."id" and r.pid = k.pid
        join ledger_entries le on le.registration_id = r.id and le.idempotency_key = k.key)`,
  };
}

const pidsOf = (items: BatchItem[]): string => JSON.stringify([...new Set(items.map((i) => i.person.pid))]);
const pairsOf = (items: BatchItem[]): string =>
  JSON.stringify(
    items.flatMap((i) => (i.kind === 'bid' && i.idempotencyKey ? [{ pid: i.person.pid, key: i.idempotencyKey }] : [])),
  );

/** The batch's registrations and replays (see registrationColumns), under the lot-row lock. */
export async function loadBidders(tx: Pick<Db, 'select'>, lotId: number, items: BatchItem[]): Promise<BatchBidders> {
  const [row] = await tx
    .select(registrationColumns(pidsOf(items), pairsOf(items)))
    .from(lots)
    .where(eq(lots.id, lotId));
  return indexBidders(tx, row ? parsed(row.bidders) : [], row ? parsed(row.replays) : []);
}

/**
 * Everything an optimistic batch reads, in one prepared statement (built once per database, not per
 * batch): the lot row with its row version (xmin) and the time of its last entry, and the batch's
 * registrations and replays, all from one snapshot.
 */
function prepareBatchRead(db: Db) {
  return db
    .select({
      lot: lots,
      version: sql<string>`"lots".xmin::text`,
      lastPlacedAt: lastPlacedAt(),
      ...registrationColumns(sql.placeholder('pids'), sql.placeholder('pairs')),
    })
    .from(lots)
    .where(eq(lots.id, sql.placeholder('lotId')))
    .prepare('bid_batch_read');
}

const batchReads = new WeakMap<Db, ReturnType<typeof prepareBatchRead>>();

export interface BatchRead {
  lot: LotRow;
  version: string;
  lastPlacedAt: Date | null;
  bidders: BatchBidders;
}

export async function readForBatch(db: Db, lotId: number, items: BatchItem[]): Promise<BatchRead | undefined> {
  let read = batchReads.get(db);
  if (!read) batchReads.set(db, (read = prepareBatchRead(db)));
  const [row] = await read.execute({ lotId, pids: pidsOf(items), pairs: pairsOf(items) });
  if (!row) return undefined;
  return {
    lot: row.lot,
    version: row.version,
    lastPlacedAt: row.lastPlacedAt ?? null,
    bidders: indexBidders(db, parsed(row.bidders), parsed(row.replays)),
  };
}
