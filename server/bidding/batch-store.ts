// The one reader and the one writer of a group commit (bid-batch.ts), inside its transaction.
//
// readBatch: the lot row under its lock (with the time of its last entry), then in one statement the
// batch's registrations with the first answers to its Idempotency-Keys, and for withdrawals the
// entries they name and each bidder's latest bid (that statement sees everything committed before
// the lock was granted).
//
// writeBatch: ONE statement updates the lot's standing state and appends the ledger entries, its
// column lists taken from the Drizzle tables; then the bars and the audit events of withdrawals and
// soft-close extensions.
import { and, eq, getTableColumns, gte, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { resultRows, type Db, type Tx } from '../../db/client.ts';
import {
  ledgerEntries,
  lots,
  registrationActors,
  registrations,
  type AuthoritySource,
  type OrganisationRole,
} from '../../db/schema.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { period, periodAt, roundsOf, type Bidder, type LedgerBid } from '../auctions/rules/index.ts';
import type { BatchItem, BatchRead, BatchWrite, NewEntry, Replays, RoundBid } from './batch-ledger.ts';

type Query = Db | Tx;

/** Reads what the batch needs under the lot-row lock; undefined when there is no such lot. */
export async function readBatch(q: Query, lotId: number, items: BatchItem[]): Promise<BatchRead | undefined> {
  const [locked] = await q.select(lotColumns()).from(lots).where(eq(lots.id, lotId)).for('update', { of: lots });
  if (!locked) return undefined;
  const [rest] = await batchReadQuery(q, lotId, items);
  const read = batchRead({ ...locked, ...rest }, { targets: '[]', latestBids: '[]', ...rest });
  read.roundBids = await readRoundBids(q, read.lot, items);
  return read;
}

/**
 * The one statement of readBatch after the lock: the batch's registrations and replays, and what its
 * withdrawals need (exported for the test that checks each lookup stays an index probe).
 */
export function batchReadQuery(q: Query, lotId: number, items: BatchItem[]) {
  const seqs = items.flatMap((i) => (i.kind === 'withdraw' ? [i.seq] : []));
  return q
    .select({
      ...registrationColumns(pidsOf(items), pairsOf(items), organisationsOf(items)),
      ...(seqs.length ? withdrawalColumns(JSON.stringify(seqs)) : {}),
    })
    .from(lots)
    .where(eq(lots.id, lotId));
}

/**
 * For a lot with extension rounds whose batch arrives after the official end: the bids placed from
 * the start of the period before the batch's first item's (who may bid in a round depends on them).
 * Other lots, and the official time, need none.
 */
async function readRoundBids(q: Query, lot: BatchRead['lot'], items: BatchItem[]): Promise<RoundBid[]> {
  const policy = roundsOf(lot);
  const first = Math.min(...items.map((i) => i.receivedAt.getTime()));
  if (!policy || first < lot.scheduledEndsAt.getTime()) return [];
  const { round } = periodAt(policy, lot, new Date(first));
  const from = period(policy, lot, round - 1).startsAt;
  return q
    .select({ registrationId: ledgerEntries.registrationId, placedAt: ledgerEntries.placedAt })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.lotId, lot.id), eq(ledgerEntries.kind, 'bid'), gte(ledgerEntries.placedAt, from)));
}

/** Writes the batch (under the lot-row lock): the standing state and the entries, the bars, the audits. */
export async function writeBatch(q: Query, lotId: number, w: BatchWrite): Promise<void> {
  const s = w.standing;
  const written = q
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
    .where(eq(lots.id, lotId))
    .returning({ id: lots.id });
  const rows = JSON.stringify(
    w.entries.map((e) => Object.fromEntries(ENTRY_COLUMNS.map(([key, c]) => [c.name, toDriver(c, e[key])]))),
  );
  const names = sql.join(
    ENTRY_COLUMNS.map(([, c]) => sql.identifier(c.name)),
    sql`, `,
  );
  const types = sql.raw(ENTRY_COLUMNS.map(([, c]) => `"${c.name}" ${c.getSQLType()}`).join(', '));
  const result = await q.execute(sql`
    with written as (${written.getSQL()}),
    appended as (
      insert into ${ledgerEntries} (${names})
      select ${names} from written, jsonb_to_recordset(${rows}::jsonb) as e(${types})
      returning 1
    )
    select (select count(*) from written)::int as written`);
  if (resultRows<{ written: number }>(result)[0].written !== 1)
    throw new Error(`lot ${lotId}: its row was not written under its own lock`);
  if (w.actors.length) await q.insert(registrationActors).values(w.actors);
  for (const b of w.barred)
    await q
      .update(registrations)
      .set({ status: 'barred', depositState: 'forfeited', updatedAt: b.at })
      .where(eq(registrations.id, b.registrationId));
  for (const audit of w.audits) await appendAudit(q, audit);
}

/** The ledger_entries columns an entry is written with: all of the table's but its generated id. */
const ENTRY_COLUMNS = (Object.entries(getTableColumns(ledgerEntries)) as [keyof NewEntry, PgColumn][]).filter(
  ([, c]) => c.generatedIdentity === undefined,
);

const toDriver = (c: PgColumn, value: unknown): unknown =>
  value === null || value === undefined ? null : c.mapToDriverValue(value);

/** The lot row and the time of its last entry, as the columns of a query on lots. */
function lotColumns() {
  return {
    lot: lots,
    lastPlacedAt:
      sql<Date | null>`(select le.placed_at from ledger_entries le where le.lot_id = "lots"."id" and le.seq = "lots"."seq")`.mapWith(
        ledgerEntries.placedAt,
      ),
  };
}

/** JSON aggregates come back parsed from postgres.js and as text from PGlite. */
const parsed = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

interface ReplayRow {
  registrationId: number;
  key: string;
  seq: number;
  amount: number;
  placedAt: string;
}

type LatestBidRow = LedgerBid & Bidder;

/**
 * The registrations a batch needs, as two JSON columns of a query on its lot: `bidders`, the batch's
 * bidders (`pids`, a JSON array) and the standing leader (whom a bid may outbid); `replays`, the first
 * answers to the batch's Idempotency-Keys (`pairs`, a JSON array of {pid, key}), each looked up by
 * its exact (registration, key) in the ledger's unique index, so the cost follows the batch, not the
 * ledger's size.
 */
function registrationColumns(pids: string, pairs: string, organisations: string) {
  return {
    // Only an organisation's registration reads who has acted for it: a person's own pays no extra lookup.
    bidders: sql<BidderRow[] | string>`(
      select coalesce(json_agg(json_build_object('id', r.id, 'pid', r.pid, 'bidderCode', r.bidder_code, 'status', r.status,
                                                 'organisation', o.identifier, 'actingRole', r.acting_role, 'authority', r.authority,
                                                 'actors', case when r.bidder_organisation_id is not null
                                                           then (select json_object_agg(a.pid, a.actor_no) from registration_actors a where a.registration_id = r.id) end)), '[]'::json)
        from registrations r
        left join bidder_organisations o on o.id = r.bidder_organisation_id
       where r.lot_id = "lots"."id"
         and ((r.bidder_organisation_id is null and r.pid = any(array(select jsonb_array_elements_text(${pids}::jsonb))))
              or o.identifier = any(array(select jsonb_array_elements_text(${organisations}::jsonb)))
              or r.id = "lots"."leader_registration_id"))`,
    // A bid for an organisation is keyed to its registration whoever of its representatives sends it.
    // Both lookups are scalar subqueries, so each stays one probe of a unique index whatever the
    // planner's statistics say: written as joins, the planner was free to read every registration of
    // the lot and all their entries per batch (31 ms at 26,000 entries), and a hot lot's batches
    // snowballed (issue 21).
    replays: sql<ReplayRow[] | string>`(
      select coalesce(json_agg(p.replay) filter (where p.replay is not null), '[]'::json)
        from (select (select json_build_object('registrationId', le.registration_id, 'key', le.idempotency_key, 'seq', le.seq, 'amount', le.amount, 'placedAt', le.placed_at)
                        from ledger_entries le
                       where le.registration_id = k.registration_id and le.idempotency_key = k.key) as replay
                from (select k.key,
                             case when k.org is null
                                  then (select r.id from registrations r
                                         where r.lot_id = "lots"."id" and r.bidder_organisation_id is null and r.pid = k.pid)
                                  else (select r.id from registrations r join bidder_organisations o on o.id = r.bidder_organisation_id
                                         where r.lot_id = "lots"."id" and o.identifier = k.org) end as registration_id
                        from jsonb_to_recordset(${pairs}::jsonb) as k(pid text, org text, key text)
                      offset 0) k
              offset 0) p)`,
  };
}

/**
 * What withdrawals need, as two JSON columns of a query on the lot: `targets`, the entries they name
 * (`seqs`, a JSON array), and `latestBids`, the latest bid of each of the lot's bidders with the
 * bidder (the standing bid after a withdrawal is one of them: rules/withdrawal.ts).
 */
function withdrawalColumns(seqs: string) {
  return {
    targets: sql<LedgerBid[] | string>`(
      select coalesce(json_agg(json_build_object('seq', le.seq, 'kind', le.kind, 'registrationId', le.registration_id, 'amount', le.amount)), '[]'::json)
        from ledger_entries le
       where le.lot_id = "lots"."id" and le.seq = any(array(select jsonb_array_elements_text(${seqs}::jsonb)::int)))`,
    latestBids: sql<LatestBidRow[] | string>`(
      select coalesce(json_agg(json_build_object('seq', b.seq, 'kind', 'bid', 'registrationId', b.registration_id, 'amount', b.amount,
                                                 'id', r.id, 'pid', r.pid, 'bidderCode', r.bidder_code, 'status', r.status)), '[]'::json)
        from (select distinct on (le.registration_id) le.registration_id, le.seq, le.amount
                from ledger_entries le
               where le.lot_id = "lots"."id" and le.kind = 'bid'
               order by le.registration_id, le.seq desc) b
        join registrations r on r.id = b.registration_id)`,
  };
}

const pidsOf = (items: BatchItem[]): string => JSON.stringify([...new Set(items.map((i) => i.person.pid))]);
const organisationsOf = (items: BatchItem[]): string =>
  JSON.stringify([...new Set(items.flatMap((i) => (i.onBehalfOf === undefined ? [] : [i.onBehalfOf])))]);
const pairsOf = (items: BatchItem[]): string =>
  JSON.stringify(
    items.flatMap((i) =>
      i.kind === 'bid' && i.idempotencyKey
        ? [{ pid: i.person.pid, org: i.onBehalfOf ?? null, key: i.idempotencyKey }]
        : [],
    ),
  );

/** A registration as the batch reads it: an organisation's with its seat and who has acted for it. */
type BidderRow = Bidder & {
  organisation?: string | null;
  actingRole?: OrganisationRole | null;
  authority?: AuthoritySource | null;
  actors?: Record<string, number> | null;
};

interface ReadRow {
  lot: BatchRead['lot'];
  lastPlacedAt: Date | null;
  bidders: BidderRow[] | string;
  replays: ReplayRow[] | string;
}

function batchRead(
  row: ReadRow,
  withdrawals: { targets: LedgerBid[] | string; latestBids: LatestBidRow[] | string },
): BatchRead {
  const bidders = new Map<number, Bidder>();
  const actors = new Map<number, Map<string, number>>();
  const latestBids = parsed(withdrawals.latestBids);
  for (const r of latestBids) bidders.set(r.id, { id: r.id, pid: r.pid, bidderCode: r.bidderCode, status: r.status });
  // The batch's own bidders last: they carry their seats.
  for (const r of parsed(row.bidders)) {
    const seat =
      r.organisation && r.actingRole && r.authority
        ? { organisation: r.organisation, actingRole: r.actingRole, authority: r.authority }
        : undefined;
    bidders.set(r.id, { id: r.id, pid: r.pid, bidderCode: r.bidderCode, status: r.status, ...(seat ? { seat } : {}) });
    if (seat) actors.set(r.id, new Map(Object.entries(r.actors ?? {})));
  }
  const replays: Replays = new Map();
  for (const r of parsed(row.replays)) {
    const bidder = bidders.get(r.registrationId);
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
    lot: row.lot,
    lastPlacedAt: row.lastPlacedAt ?? null,
    bidders,
    replays,
    targets: new Map(parsed(withdrawals.targets).map((t) => [t.seq, t])),
    latestBids: latestBids.map((b) => ({
      seq: b.seq,
      kind: b.kind,
      registrationId: b.registrationId,
      amount: b.amount,
    })),
    roundBids: [],
    actors,
  };
}
