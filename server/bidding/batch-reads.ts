// The reads of a group commit: the time of the lot's last entry, and the registrations a batch needs
// with the first answers to its Idempotency-Keys: under the lot-row lock (loadBidders), and without it
// in one prepared statement (readForBatch).
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { ledgerEntries, lots, registrations } from '../../db/schema.ts';
import type { LotRow } from '../auctions/public-lot.ts';
import type { Bidder } from './bid-rules.ts';
import type { BatchItem, Replays } from './batch-ledger.ts';

/** The time of the lot's last ledger entry, as a column of a query on lots. */
export const lastPlacedAt = () => sql<Date | null>`(select le.placed_at from ledger_entries le where le.lot_id = "lots"."id" and le.seq = "lots"."seq")`.mapWith(ledgerEntries.placedAt);

export interface BatchBidders {
  byPid: Map<string, Bidder>;
  /** A registration by id (read on demand if the batch's reads did not include it). */
  byId(id: number): Promise<Bidder | undefined>;
  replays: Replays;
}

interface BidderRow extends Bidder {
  key: string | null;
  seq: number | null;
  amount: number | null;
  placedAt: Date | string | null;
}

const bidderColumns = { id: registrations.id, pid: registrations.pid, bidderCode: registrations.bidderCode, status: registrations.status };

function indexBidders(db: Pick<Db, 'select'>, rows: BidderRow[]): BatchBidders {
  const ids = new Map<number, Bidder>();
  const replays: Replays = new Map();
  for (const r of rows) {
    if (!ids.has(r.id)) ids.set(r.id, { id: r.id, pid: r.pid, bidderCode: r.bidderCode, status: r.status });
    if (r.key !== null && r.seq !== null && r.amount !== null && r.placedAt !== null) {
      replays.set(`${r.id}\n${r.key}`, { amount: r.amount, ack: { seq: r.seq, amount: r.amount, bidderCode: r.bidderCode, placedAt: new Date(r.placedAt).toISOString() } });
    }
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

const pidsOf = (items: BatchItem[]): string[] => [...new Set(items.map((i) => i.person.pid))];
const keysOf = (items: BatchItem[]): string[] => [...new Set(items.flatMap((i) => (i.kind === 'bid' && i.idempotencyKey ? [i.idempotencyKey] : [])))];

/**
 * The registrations the batch needs (its bidders by pid, the standing leader, others on demand) and,
 * in the same query, the first answers of earlier requests that used the batch's Idempotency-Keys,
 * keyed by registration id and key.
 */
export async function loadBidders(tx: Pick<Db, 'select'>, lotId: number, items: BatchItem[]): Promise<BatchBidders> {
  const keys = keysOf(items);
  // The standing leader (whom a bid may outbid) is read from the lot row itself.
  const cond = or(inArray(registrations.pid, pidsOf(items)), eq(registrations.id, sql`(select l.leader_registration_id from lots l where l.id = ${lotId})`));
  const rows = await tx
    .select({ ...bidderColumns, key: ledgerEntries.idempotencyKey, seq: ledgerEntries.seq, amount: ledgerEntries.amount, placedAt: ledgerEntries.placedAt })
    .from(registrations)
    .leftJoin(ledgerEntries, keys.length ? and(eq(ledgerEntries.registrationId, registrations.id), inArray(ledgerEntries.idempotencyKey, keys)) : sql`false`)
    .where(and(eq(registrations.lotId, lotId), cond));
  return indexBidders(tx, rows);
}

/**
 * Everything an optimistic batch reads, in one prepared statement (built once per database, not per
 * batch): the lot row with its row version (xmin) and the time of its last entry, and the batch's
 * registrations and replays as in loadBidders, all from one snapshot.
 */
function prepareBatchRead(db: Db) {
  const inJson = (name: string) => sql`(select jsonb_array_elements_text(${sql.placeholder(name)}::jsonb))`;
  const bidders = sql<BidderRow[]>`(
    select coalesce(json_agg(json_build_object('id', r.id, 'pid', r.pid, 'bidderCode', r.bidder_code, 'status', r.status,
             'key', le.idempotency_key, 'seq', le.seq, 'amount', le.amount, 'placedAt', le.placed_at)), '[]'::json)
      from registrations r
      left join ledger_entries le on le.registration_id = r.id and le.idempotency_key in ${inJson('keys')}
     where r.lot_id = "lots"."id" and (r.pid in ${inJson('pids')} or r.id = "lots"."leader_registration_id"))`;
  return db
    .select({ lot: lots, version: sql<string>`"lots".xmin::text`, lastPlacedAt: lastPlacedAt(), bidders })
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
  const [row] = await read.execute({ lotId, pids: JSON.stringify(pidsOf(items)), keys: JSON.stringify(keysOf(items)) });
  if (!row) return undefined;
  const bidderRows = typeof row.bidders === 'string' ? (JSON.parse(row.bidders) as BidderRow[]) : row.bidders;
  return { lot: row.lot, version: row.version, lastPlacedAt: row.lastPlacedAt ?? null, bidders: indexBidders(db, bidderRows) };
}
