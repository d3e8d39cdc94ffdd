// How the catalogue reads a page at national size (issue 21; lot-search.ts decides, this module holds
// the pieces). Each order is a concatenation of segments, each one range of one btree index (migration
// 0017); a page of a query is read in one of two ways, chosen from a sample of the table, not from the
// planner's estimate (which multiplies the frequencies of the words as if they were independent, and
// so takes "thanh lý tài sản công", five words that go together, for a rare phrase):
//
// - collect: when few lots match (up to the exact bound), every match's key (id, end, status) is read
//   through the indexes that find them (the GIN index for words, btrees for filters: bitmap scans),
//   ordered here, and only the page's rows are read in full. The count comes with it, exact.
// - walk: when many match, each segment is read in order along its btree, each row checked against
//   the words and filters, until the page is full: a frequent word fills it after a few dozen rows.
//
// The planner is told which (enable_* settings local to the transaction): it would otherwise walk a
// rare word's segment to its end, or collect a million matches of a frequent one to sort them.
import { and, gt, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { resultRows, type Db } from '../../db/client.ts';
import { lots, type LotStatus } from '../../db/schema.ts';
import { OPEN_STATUSES } from './rules/index.ts';
// Open lots and the others as the partial indexes' predicates are written (migration 0017).
import { notOpenLot as notOpen, openLot as isOpen } from './lot-expressions.ts';
import type { CatalogueOrder, CursorPosition } from './catalogue-cursor.ts';

/** A part of an order: which lots, read along one index by (ends_at, id) or by id, one direction for both. */
export interface Segment {
  where: (asOf: Date) => SQL | undefined;
  /** The part of `where` on the segment's own key (its range of ends), if any: what another index by end can bound too. */
  keyBound?: (asOf: Date) => SQL;
  byEnd: boolean;
  dir: 'asc' | 'desc';
  /** The statuses it holds: the status filter skips a segment that cannot hold any it allows. */
  holds: 'open' | 'other' | 'any';
  /** Whether a lot (open by status, ending after the order's instant) is in it. */
  has: (open: boolean, future: boolean) => boolean;
}

/**
 * The orders, segment after segment, each with the index that serves it (migration 0017). Ties on the
 * end are broken by id in the segment's direction, so each is one range of a (ends_at, id) index.
 */
export const SEGMENTS: Record<CatalogueOrder, Segment[]> = {
  // lots_pkey.
  newest: [{ where: () => undefined, byEnd: false, dir: 'desc', holds: 'any', has: () => true }],
  // Open lots first, soonest end first (lots_open_ends); then the rest, newest first (lots_closed_newest).
  default: [
    { where: () => isOpen, byEnd: true, dir: 'asc', holds: 'open', has: (open) => open },
    { where: () => notOpen, byEnd: false, dir: 'desc', holds: 'other', has: (open) => !open },
  ],
  // Open lots still to end, soonest first (lots_open_ends); then ended ones, latest end first: those
  // that ended before their end (cancelled, suspended; lots_closed_ends), then every lot whose end
  // has passed (lots_ends). The two last are one descending run of ends.
  ending: [
    {
      where: (asOf) => and(isOpen, gt(lots.endsAt, asOf)),
      keyBound: (asOf) => gt(lots.endsAt, asOf),
      byEnd: true,
      dir: 'asc',
      holds: 'open',
      has: (open, future) => open && future,
    },
    {
      where: (asOf) => and(notOpen, gt(lots.endsAt, asOf)),
      keyBound: (asOf) => gt(lots.endsAt, asOf),
      byEnd: true,
      dir: 'desc',
      holds: 'other',
      has: (open, future) => !open && future,
    },
    {
      where: (asOf) => lte(lots.endsAt, asOf),
      keyBound: (asOf) => lte(lots.endsAt, asOf),
      byEnd: true,
      dir: 'desc',
      holds: 'any',
      has: (_o, future) => !future,
    },
  ],
};

/** The lot's end to the microsecond (a cursor must name it exactly, and JavaScript dates stop at ms). */
export const endsKey = sql<string>`to_char(${lots.endsAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function segmentOrder(s: Segment): SQL[] {
  const by = (col: typeof lots.id | typeof lots.endsAt): SQL => (s.dir === 'asc' ? sql`${col} asc` : sql`${col} desc`);
  return s.byEnd ? [by(lots.endsAt), by(lots.id)] : [by(lots.id)];
}

/** The lots after a position in a segment, in its order: one range of its index. */
export function after(s: Segment, c: CursorPosition): SQL {
  const op = sql.raw(s.dir === 'asc' ? '>' : '<');
  if (!s.byEnd) return sql`${lots.id} ${op} ${c.id}`;
  return sql`(${lots.endsAt}, ${lots.id}) ${op} (${c.endsAt}::timestamptz, ${c.id}::integer)`;
}

/** The lots up to a position in a segment (it included), in its order: the rest of its index's range. */
export function upTo(s: Segment, c: { endsAt: string | null; id: number }): SQL {
  const op = sql.raw(s.dir === 'asc' ? '<=' : '>=');
  if (!s.byEnd) return sql`${lots.id} ${op} ${c.id}`;
  return sql`(${lots.endsAt}, ${lots.id}) ${op} (${c.endsAt}::timestamptz, ${c.id}::integer)`;
}

/**
 * The position of the segment's `n`-th lot from where `where` starts it, in its order (read from its
 * index alone: a segment by id asks for the id only): where a walk that may read no more than n lots
 * stops. None when it holds fewer. With `leading`, along the index of a column `where` holds to one
 * value (see readSegment).
 */
export function nthPosition(tx: Db, where: SQL | undefined, s: Segment, n: number, leading?: AnyPgColumn) {
  return tx
    .select({ id: lots.id, endsAt: s.byEnd ? endsKey : sql<string | null>`null::text` })
    .from(lots)
    .where(where)
    .orderBy(...leadingOrder(s, leading), ...segmentOrder(s))
    .limit(1)
    .offset(n - 1);
}

/** A column held to one value, first in a segment's order (see readSegment). */
const leadingOrder = (s: Segment, leading: AnyPgColumn | undefined): SQL[] =>
  leading ? [s.dir === 'asc' ? sql`${leading} asc` : sql`${leading} desc`] : [];

/**
 * A segment by end's first lot (its own index's first entry): a walk of the segment along another
 * index by end starts at its end (startingAt), not at that index's first end (the default order's
 * open lots: not at the province's lots that ended three years ago).
 */
export function segmentFirst(tx: Db, s: Segment, asOf: Date) {
  return tx
    .select({ endsAt: endsKey })
    .from(lots)
    .where(s.where(asOf))
    .orderBy(...segmentOrder(s))
    .limit(1);
}

/** The lots from a segment's first end on (segmentFirst), in its order; none for an empty segment. */
export function startingAt(s: Segment, first: { endsAt: string } | undefined): SQL {
  if (!first) return sql`false`;
  const at = sql`${first.endsAt}::timestamptz`;
  return s.dir === 'asc' ? sql`${lots.endsAt} >= ${at}` : sql`${lots.endsAt} <= ${at}`;
}

export function mayHold(s: Segment, allowed: readonly LotStatus[] | undefined): boolean {
  if (!allowed || s.holds === 'any') return true;
  const open = (OPEN_STATUSES as readonly LotStatus[]).some((st) => allowed.includes(st));
  const other = allowed.some((st) => !(OPEN_STATUSES as readonly LotStatus[]).includes(st));
  return s.holds === 'open' ? open : other;
}

/** Which segment of an order a lot is in, as SQL: its status and end against the order's instant. */
function segmentOf(segments: Segment[], asOf: Date): SQL {
  const future = sql`${lots.endsAt} > ${asOf.toISOString()}::timestamptz`;
  const arms = segments.flatMap((s, i) => {
    const conditions = [true, false].flatMap((open) =>
      [true, false].flatMap((later) =>
        s.has(open, later) ? [sql`(${open ? isOpen : notOpen} and ${later ? future : sql`not ${future}`})`] : [],
      ),
    );
    return [sql`when ${sql.join(conditions, sql` or `)} then ${sql.raw(String(i))}`];
  });
  return sql`(case ${sql.join(arms, sql` `)} end)`;
}

/**
 * Every match collected through the indexes that find them (bitmap scans), no more than `cap`; how
 * many there are; and, in the order, the `want` after the cursor (in its segment, or a later one) or
 * past the offset: one statement, so only the page's keys leave the database.
 */
export function collectPage(
  segments: Segment[],
  where: SQL | undefined,
  asOf: Date,
  cap: number,
  cursor: CursorPosition | undefined,
  want: number,
  skip: number,
): SQL {
  const asc = segments.flatMap((s, i) => (s.dir === 'asc' ? [i] : []));
  const list = (xs: number[]): SQL => sql.raw(xs.length ? xs.join(', ') : '-1');
  const byEndAsc = list(segments.flatMap((s, i) => (s.byEnd && s.dir === 'asc' ? [i] : [])));
  const byEndDesc = list(segments.flatMap((s, i) => (s.byEnd && s.dir === 'desc' ? [i] : [])));
  let after = sql`true`;
  if (cursor) {
    const s = segments[cursor.segment];
    const op = sql.raw(s.dir === 'asc' ? '>' : '<');
    const within = s.byEnd
      ? sql`(ends_at, id) ${op} (${cursor.endsAt}::timestamptz, ${cursor.id}::integer)`
      : sql`id ${op} ${cursor.id}::integer`;
    after = sql`(seg > ${cursor.segment}::integer or (seg = ${cursor.segment}::integer and ${within}))`;
  }
  return sql`
    with m as materialized (
      select ${lots.id} as id, ${lots.endsAt} as ends_at, ${segmentOf(segments, asOf)} as seg
        from ${lots} where ${where ?? sql`true`} limit ${cap})
    select c.n, k.id, k.seg, k.ends_key
      from (select count(*)::int as n from m) c
      left join lateral (
        select id, seg, to_char(ends_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ends_key
          from m
         where ${after}
         order by seg,
                  case when seg in (${byEndAsc}) then ends_at end asc,
                  case when seg in (${list(asc)}) then id end asc,
                  case when seg in (${byEndDesc}) then ends_at end desc,
                  id desc
         limit ${want} offset ${skip}) k on true`;
}

/**
 * One segment's read in its order: its lots after the cursor (if it is the cursor's segment). With
 * `leading`, a column the query holds to one value, ordered by it first: the same order, which only
 * an index beginning with that column gives (see alongIndex).
 */
export function readSegment(
  tx: Db,
  where: SQL | undefined,
  s: Segment,
  position: CursorPosition | undefined,
  want: number,
  skip: number,
  leading?: AnyPgColumn,
) {
  return tx
    .select({ lot: lots, endsAt: endsKey })
    .from(lots)
    .where(and(where, position ? after(s, position) : undefined))
    .orderBy(...leadingOrder(s, leading), ...segmentOrder(s))
    .limit(want)
    .offset(skip);
}

/**
 * A column held to one value, written as a list of one value (`= any(array[…])`): the index beginning
 * with it ((column, id), (column, ends_at, id)) serves it and, read with the column leading the order
 * (readSegment), is the only one that gives the order without sorting. Written as an equality, the
 * planner takes the column for a constant, so any index by end or id gives the order, and may prove a
 * partial index holds every lot it allows ("failed" implies lots_closed_newest's "not open") and walk
 * that instead, through every coming cancelled lot before the first failed one. Written as a range of
 * one value (`>= v and <= v`), the btree no longer takes the next column's bounds as where its range
 * starts and stops: a range of ends of the licence plates read every plate's entry (5,400 pages, 50–85
 * ms) to find none; as a list of one value the scan is the one range (3 pages).
 */
export const alongIndex = (column: AnyPgColumn, value: string): SQL => sql`${column} = any(array[${value}]::text[])`;

/**
 * Pages of one order merged into one, in that order (each a disjoint part of the same query's lots:
 * its rows in order, each with its segment and exact end).
 */
export function mergeInOrder<R extends { row: { id: number }; endsAt: string; segment: number }>(
  segments: Segment[],
  pages: R[][],
): R[] {
  const before = (a: R, b: R): number => {
    if (a.segment !== b.segment) return a.segment - b.segment;
    const s = segments[a.segment];
    const sign = s.dir === 'asc' ? 1 : -1;
    // Ends to the microsecond in one fixed format (endsKey): they order as strings.
    if (s.byEnd && a.endsAt !== b.endsAt) return sign * (a.endsAt < b.endsAt ? -1 : 1);
    return sign * (a.row.id - b.row.id);
  };
  return pages.flat().sort(before);
}

/** The lots of these ids, in full (none for no ids). */
export function rowsById(tx: Db, ids: number[]) {
  return tx
    .select({ lot: lots, endsAt: endsKey })
    .from(lots)
    .where(inArray(lots.id, ids.length ? ids : [0]));
}

/**
 * The least and greatest id of the lots a condition holds (a range of starts or ends), read along the
 * condition's own index (lots_starts_at and lots_ends end in the id): `id + 0` keeps the planner from
 * looking for the least id along lots_pkey instead, which reads every lot below the range's first.
 */
export const idRange = (condition: SQL): SQL =>
  sql`select min(${lots.id} + 0)::int as lo, max(${lots.id} + 0)::int as hi from ${lots} where ${condition}`;

/** The count that stops at `upTo`: a frequent word costs the bound, not every match. */
export const cappedCount = (where: SQL | undefined, upTo: number): SQL =>
  sql`select count(*)::int as n from (select from ${lots} where ${where ?? sql`true`} limit ${upTo}) s`;

/**
 * A sample of the table (TABLESAMPLE SYSTEM: whole pages, the same ones each time, REPEATABLE) with how
 * many of its lots match: in all (m); in each segment (m0, m1, …); each segment's lots whatever the
 * conditions (z0, z1, …); each condition alone (c0, c1, …); and, per segment, how many of its lots
 * come, in its order, before its first match (g0, g1, …: matches gathered in one part of an order,
 * a province's sessions, a range of dates, make a walk read far before it finds any). The estimates
 * the choices rest on, true whatever words, filters and orders go together. And, when asked, the
 * longest bidding window of any lot (span, in seconds); and, for each condition of `alongs` (a
 * province, category or status) and each segment, how many of the segment's lots it holds from where
 * a walk along its index starts (`walkFrom`, the segment's bounds on its own key: fz0_0, fz0_1, …)
 * and how many of them come, in the segment's order, before the segment's first match (fg0_0,
 * fg0_1, …: a province's coming sessions before its newest failed lot). And, with `within`, how many
 * of the matches it holds (mw: the matches in the provinces a query's words name).
 */
export function sampleQuery(
  where: SQL | undefined,
  segments: Segment[],
  asOf: Date,
  percent: number,
  conditions: SQL[],
  withSpan: boolean,
  alongs: SQL[] = [],
  walkFrom: (SQL | undefined)[] = [],
  within?: SQL,
): SQL {
  const flags = [
    sql`(${where ?? sql`true`}) as hit`,
    ...(within ? [sql`(${within}) as w`] : []),
    ...alongs.map((c, i) => sql`(${c}) as ${sql.raw(`a${i}`)}`),
    ...segments.map((s, i) => sql`(${s.where(asOf) ?? sql`true`}) as ${sql.raw(`s${i}`)}`),
    ...conditions.map((c, i) => sql`(${c}) as ${sql.raw(`k${i}`)}`),
    ...(alongs.length ? segments.map((_s, i) => sql`(${walkFrom[i] ?? sql`true`}) as ${sql.raw(`b${i}`)}`) : []),
  ];
  // Whether a lot of the sample comes, in segment i's order, before the segment's first match (null
  // when the sample holds no match there).
  const beforeFirst = (s: Segment, i: number): SQL => {
    const seg = sql.raw(`s${i}`);
    const key = s.byEnd ? sql`(x.ends_at, x.id)` : sql`x.id`;
    const dir = sql.raw(s.dir);
    const first = s.byEnd ? sql`ends_at, id` : sql`id`;
    const order = s.byEnd ? sql`ends_at ${dir}, id ${dir}` : sql`id ${dir}`;
    const before = sql.raw(s.dir === 'asc' ? '<' : '>');
    return sql`x.${seg} and ${key} ${before} (select ${first} from sample where ${seg} and hit order by ${order} limit 1)`;
  };
  const gaps = segments.map(
    (s, i) => sql`(select count(*) from sample x where ${beforeFirst(s, i)})::int as ${sql.raw(`g${i}`)}`,
  );
  const counts = [
    ...(within ? [sql`count(*) filter (where hit and w)::int as mw`] : []),
    ...segments.map((_s, i) => sql`count(*) filter (where hit and ${sql.raw(`s${i}`)})::int as ${sql.raw(`m${i}`)}`),
    ...segments.map((_s, i) => sql`count(*) filter (where ${sql.raw(`s${i}`)})::int as ${sql.raw(`z${i}`)}`),
    ...conditions.map((_c, i) => sql`count(*) filter (where ${sql.raw(`k${i}`)})::int as ${sql.raw(`c${i}`)}`),
    ...gaps,
    // The longest a lot's bidding lasts (lots_duration answers it from one end of the index).
    ...(withSpan
      ? [sql`(select extract(epoch from max(${lots.endsAt} - ${lots.startsAt})) from ${lots})::float8 as span`]
      : []),
    ...alongs.flatMap((_c, j) =>
      segments.flatMap((s, i) => {
        const along = sql.raw(`x.a${j} and x.b${i}`);
        return [
          sql`count(*) filter (where ${sql.raw(`a${j} and b${i} and s${i}`)})::int as ${sql.raw(`fz${j}_${i}`)}`,
          sql`(select count(*) from sample x where ${along} and ${beforeFirst(s, i)})::int as ${sql.raw(`fg${j}_${i}`)}`,
        ];
      }),
    ),
  ];
  return sql`with sample as materialized (
               select ${lots.id} as id, ${lots.endsAt} as ends_at, ${sql.join(flags, sql`, `)}
                 from ${lots} tablesample system (${percent}::real) repeatable (21))
             select count(*)::int as s, count(*) filter (where hit)::int as m, ${sql.join(counts, sql`, `)}
               from sample`;
}

/** How the planner must read the next statements: walking an index in order, or collecting by bitmaps. */
export type ReadMode = 'walk' | 'collect';

export function readMode(mode: ReadMode): SQL {
  const off = (name: string, disabled: boolean): string => `set_config('${name}', '${disabled ? 'off' : 'on'}', true)`;
  const walk = mode === 'walk';
  const collect = mode === 'collect';
  // With the statements' own values too (see lot-search.ts): one round trip for every setting.
  return sql.raw(
    `select ${[
      `set_config('plan_cache_mode', 'force_custom_plan', true)`,
      // Parallel workers take longer to start than these statements take to run.
      `set_config('max_parallel_workers_per_gather', '0', true)`,
      // Nor JIT compilation: a statement the planner prices high (a bitmap it expects to be large)
      // spent some 130 ms compiling before reading the handful of rows it found.
      `set_config('jit', 'off', true)`,
      // A walk reads rows already in memory (the catalogue is read all day): a row is a row wherever it
      // lies, so an index whose order is not the table's ("failed" lots by id, lots_status_id) is not
      // priced four times one that is (lots_closed_newest, through every coming cancelled lot first).
      ...(walk ? [`set_config('random_page_cost', '1', true)`] : []),
      off('enable_seqscan', walk || collect),
      off('enable_bitmapscan', walk),
      off('enable_sort', walk),
      off('enable_indexscan', collect),
      off('enable_indexonlyscan', collect),
    ].join(', ')}`,
  );
}

const sizes = new WeakMap<Db, { lots: number; at: number }>();

/** How many lots the planner's statistics count (refreshed every minute): 0 before the first ANALYZE. */
export async function catalogueSize(db: Db): Promise<number> {
  const known = sizes.get(db);
  if (known && Date.now() - known.at < 60_000) return known.lots;
  const [row] = resultRows<{ n: number }>(
    await db.execute(sql`select greatest(reltuples, 0)::float8 as n from pg_class where oid = 'lots'::regclass`),
  );
  const n = Number(row?.n ?? 0);
  sizes.set(db, { lots: n, at: Date.now() });
  return n;
}

/** A plan node of EXPLAIN (FORMAT JSON). */
export interface PlanNode {
  'Node Type': string;
  'Plan Rows': number;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

/** The plans of an EXPLAIN (FORMAT JSON) result (postgres.js parses the json column; PGlite may not). */
export function explained(result: unknown): { Plan: PlanNode; [key: string]: unknown }[] {
  const [row] = resultRows<Record<string, unknown>>(result);
  const raw = Object.values(row)[0];
  return (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
}
