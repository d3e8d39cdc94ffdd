// The catalogue query, in one place: who sees what (drafts), the filters (status by the clock,
// category, province, price range, start and end), the search, the order and the paging, at national
// size (issue 21: millions of lots, a page well within 100 ms on two cores).
//
// - The search is PostgreSQL full-text search over lexemes written with the lot (search_vector;
//   server/shared/search-text.ts makes them and the query's tsquery, so PGlite and PostgreSQL give the
//   same answers), served by one GIN index (lots_search_vector, migration 0017).
// - Each order is a concatenation of segments, each a range of one btree index (catalogue-plan.ts).
//   On a large catalogue a sample of the table says how many lots match: few, and every match's key
//   is collected through the indexes and ordered here (the total comes with it, exact); many, and each
//   segment is walked in order until the page is full (the total is the sample's estimate). A walk
//   newest first keeps to the ids a range of starts or ends holds, or goes along a province's,
//   category's or status's own index by id (readBySample). A small catalogue (the demo, PGlite) is
//   left to the planner, with an exact count up to the bound.
// - The cursor (catalogue-cursor.ts) is a position in the order: the next page starts right after it,
//   by a range of the segment's index or among the collected keys. `offset` still works, and costs
//   what it skips.
// - Every statement plans with its own values (plan_cache_mode): a plan made once for any word (a
//   generic plan, which postgres.js's prepared statements get after five runs) would read a frequent
//   word the way that suits a rare one, or the reverse.
import { and, between, eq, gt, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { resultRows, type Db } from '../../db/client.ts';
import { lots, type LotStatus } from '../../db/schema.ts';
import type { Person } from '../identity/person.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { facetLexeme, searchTerms, tsqueryLiteral, withLexemes } from '../shared/search-text.ts';
import type { ProvinceId } from './provinces.ts';
import { facetsOf, provincesNamedBy } from './lot-search-columns.ts';
import { scheduledStart } from './lot-expressions.ts';
import type { LotRow } from './rules/index.ts';
import {
  decodeCursor,
  encodeCursor,
  filtersDigest,
  type CatalogueOrder,
  type CursorPosition,
} from './catalogue-cursor.ts';
import {
  cappedCount,
  catalogueSize,
  collectPage,
  explained,
  alongIndex,
  idRange,
  mergeInOrder,
  mayHold,
  nthPosition,
  readMode,
  readSegment,
  rowsById,
  sampleQuery,
  segmentFirst,
  startingAt,
  SEGMENTS,
  type PlanNode,
  type ReadMode,
  type Segment,
  upTo,
  after,
} from './catalogue-plan.ts';

export type { PlanNode } from './catalogue-plan.ts';

/** `ending`: lots still open by their end, soonest first, then ended ones, latest end first. `newest`: latest created first. */
export const CATALOGUE_SORTS = ['ending', 'newest'] as const;
export type CatalogueSort = (typeof CATALOGUE_SORTS)[number];

/** Up to this many matches `total` is an exact count; beyond, the planner's estimate. */
export const EXACT_TOTAL_UP_TO = 10_000;

export interface CatalogueQuery {
  status?: LotStatus;
  q?: string;
  category?: string;
  province?: ProvinceId;
  /** Bounds (inclusive, VND) on the lot's price: see `lotPrice`. */
  minPrice?: number;
  maxPrice?: number;
  /** Bidding starts at or after `startsFrom` and before `startsTo`. */
  startsFrom?: Date;
  startsTo?: Date;
  /** Bidding ends (endsAt, as extended) at or after `endsFrom` and before `endsTo`. */
  endsFrom?: Date;
  endsTo?: Date;
  sort?: CatalogueSort;
  /** Managers: only the lots they manage, drafts included. */
  mine?: boolean;
  limit: number;
  offset: number;
  /** Where the previous page ended (its nextCursor): the page after it. */
  cursor?: string;
}

export interface CataloguePage {
  rows: LotRow[];
  /** How many lots match: exact when totalExact, else the planner's estimate (more than EXACT_TOTAL_UP_TO). */
  total: number;
  totalExact: boolean;
  /** The cursor of the page after this one; null on the last page. */
  nextCursor: string | null;
  /** The offset of the page after this one (offset paging); null on the last page and when paging by cursor. */
  nextOffset: number | null;
}

/** A lot's price for the price filter: the final price once closed, the standing price once bid on, else the starting price. */
const lotPrice = sql`coalesce(${lots.finalPrice}, ${lots.currentPrice}, ${lots.startingPrice})`;

/**
 * Every word found, as a tsquery over search_vector (with the facets asked for); never when the query
 * holds no letter or digit. The GIN index answers it whole: every part is a whole lexeme (an
 * unfinished word's too: search-text.ts).
 */
function searchConditions(q: string, facets: string[], without: string[]): Condition[] {
  const terms = searchTerms(q);
  if (!terms) return facetsCondition(facets);
  const words = tsqueryLiteral(terms);
  if (words === null) return [{ sql: sql`false`, indexed: false }];
  return [
    { sql: sql`${lots.searchVector} @@ ${withLexemes(words, facets, without)}::tsquery`, indexed: true, words: true },
  ];
}

/** The facets alone (no words), as one condition the GIN index serves; none for no facets. */
function facetsCondition(facets: string[]): Condition[] {
  const query = withLexemes(null, facets);
  return query === null ? [] : [{ sql: sql`${lots.searchVector} @@ ${query}::tsquery`, indexed: true, words: true }];
}

/** The statuses the filter allows, or undefined for any. */
function allowedStatuses(status: LotStatus | undefined): readonly LotStatus[] | undefined {
  if (!status) return undefined;
  // Scheduled rows whose start has passed are live by the clock even before the scheduler flips them.
  return status === 'live' ? ['live', 'scheduled'] : [status];
}

function statusFilter(status: LotStatus, now: Date): SQL | undefined {
  const at = sql`${now.toISOString()}::timestamptz`;
  // Scheduled lots whose start has passed are live by the clock even before the scheduler flips them.
  if (status === 'live') return sql`(${lots.status} = 'live' or ${scheduledStart} <= ${at})`;
  if (status === 'scheduled') return sql`${scheduledStart} > ${at}`;
  return eq(lots.status, status);
}

/** The lots this person may see among drafts: none for the public; their organisations' or scope's for staff. */
function draftsVisibleTo(person: Person | undefined): SQL | undefined {
  const published = sql`${lots.status} <> 'draft'`;
  if (!person) return published;
  if (person.roles.includes('admin') || (person.roles.includes('regulator') && person.scope === null)) return undefined;
  const own = [
    ...(person.roles.includes('manager') ? person.organisations : []),
    ...(person.scope?.organisations ?? []),
  ];
  return own.length ? or(published, inArray(lots.organisationId, own)) : published;
}

/**
 * One thing the lots must satisfy. On a large catalogue, collecting matches reads only the conditions
 * the sample shows to be selective through their indexes; the others are written so no index serves
 * them (`(…) is true`: the same test, which the planner cannot match to an index) and are checked on
 * each row read. The planner, left to itself, intersects a bitmap of every closed lot with a bitmap of
 * a province's, or lists every lot holding "biển số", because it prices those bitmaps low.
 */
interface Condition {
  sql: SQL;
  /** Whether an index serves it (the others are checked on each row whatever the sample says). */
  indexed: boolean;
  /** Words (and facets) the GIN index finds: its bitmap costs more an entry than a btree's. */
  words?: boolean;
  /** Checked on each row when collecting: a bound for walks only (see readBySample). */
  walksOnly?: boolean;
  /**
   * With a range of ends, one range of lots_status_ends_at (status, ends_at): read through its index
   * when collecting a segment ordered by end, however many lots have the status ("closed" ending
   * after now is a handful of lots, though "closed" alone is a third of them).
   */
  withEnds?: boolean;
  /**
   * A range of starts or ends: the ids of the lots in it bound a walk by id (idRange; lots are created
   * about when they are scheduled, so a month's lots are a stretch of ids).
   */
  boundsIds?: boolean;
  /**
   * Bounds the key of an order's index, ends_at (segments by end) or id (segments by id): where a
   * probing walk of such a segment starts (an end range a month from now: not at now).
   */
  keyRange?: 'ends' | 'ids';
  /** A province, category or stored status: its index (lots_province, lots_category, lots_status_id) reads its lots by id. */
  byId?: { column: AnyPgColumn; value: string };
}

/** A condition written so that no index serves it. */
const rowwise = (c: SQL): SQL => sql`((${c}) is true)`;

/**
 * What the lots must satisfy, whatever the order; `outside`, lots of none of these provinces (the part
 * of a search besides the provinces its words name: readNamed).
 */
function filters(person: Person | undefined, o: CatalogueQuery, now: Date, outside: ProvinceId[] = []): Condition[] {
  const out: Condition[] = [];
  const push = (c: SQL | undefined, indexed: boolean): void => void (c && out.push({ sql: c, indexed }));
  // Drafts are seen by the managers of their organisation, regulators whose scope covers it, and admins
  // (issue 19); "mine" is the lots of the organisations the person manages.
  if (o.mine && person) push(inArray(lots.organisationId, [...person.organisations, 0]), true);
  else push(draftsVisibleTo(person), false);
  if (o.status) {
    const byStatus = statusFilter(o.status, now);
    // A status by the clock ("live", "scheduled") is an expression; the others have their own index
    // by end (lots_status_ends_at) and by id (lots_status_id).
    const stored = o.status !== 'live' && o.status !== 'scheduled';
    if (byStatus)
      out.push({
        sql: byStatus,
        indexed: true,
        withEnds: stored,
        ...(stored ? { byId: { column: lots.status, value: o.status } } : {}),
      });
  }
  // The category and province also as lexemes beside the words (or each other): the GIN index then
  // finds the lots with both at once, where their btrees would each list a large share of the lots.
  // Their own btrees are then left to walks (a collect checks them on the rows the GIN index finds).
  const facets = facetsOf({ category: o.category ?? null, province: o.province ?? null });
  const facetsInGin = o.q ? facets.length > 0 : facets.length > 1;
  const facet = (column: AnyPgColumn, value: string): void =>
    void out.push({ sql: eq(column, value), indexed: !facetsInGin, byId: { column, value } });
  if (o.category) facet(lots.category, o.category);
  if (o.province) facet(lots.province, o.province);
  if (o.minPrice !== undefined) push(gte(lotPrice, o.minPrice), false);
  if (o.maxPrice !== undefined) push(lte(lotPrice, o.maxPrice), false);
  // A range is one condition: its two ends are far less selective apart than together.
  const starts = and(o.startsFrom && gte(lots.startsAt, o.startsFrom), o.startsTo && lt(lots.startsAt, o.startsTo));
  if (starts) out.push({ sql: starts, indexed: true, boundsIds: true });
  const ends = and(o.endsFrom && gte(lots.endsAt, o.endsFrom), o.endsTo && lt(lots.endsAt, o.endsTo));
  if (ends) out.push({ sql: ends, indexed: true, boundsIds: true, keyRange: 'ends' });
  if (o.q)
    out.push(
      ...searchConditions(
        o.q,
        facets,
        outside.map((p) => facetLexeme('province', p)),
      ),
    );
  else if (facets.length > 1) out.push(...facetsCondition(facets));
  // Implied (a lot ends after it starts): where an order by end can start its range.
  if (o.startsFrom) out.push({ sql: gt(lots.endsAt, o.startsFrom), indexed: true, walksOnly: true, keyRange: 'ends' });
  return out;
}

/** What a cursor is bound to: the filters as the query means them (the search by its words). */
function digestOf(person: Person | undefined, o: CatalogueQuery): string {
  const terms = o.q ? searchTerms(o.q) : undefined;
  return filtersDigest([
    o.status ?? null,
    terms ? terms.words : null,
    o.category ?? null,
    o.province ?? null,
    o.minPrice ?? null,
    o.maxPrice ?? null,
    o.startsFrom?.toISOString() ?? null,
    o.startsTo?.toISOString() ?? null,
    o.endsFrom?.toISOString() ?? null,
    o.endsTo?.toISOString() ?? null,
    Boolean(o.mine && person),
  ]);
}

/** When the catalogue samples before it reads, and what it counts exactly (see the module's header). */
export interface CatalogueTuning {
  /** From how many lots (the planner's statistics) the catalogue samples; below, the planner chooses. */
  largeFrom: number;
  /** Totals are exact up to this many matches, and a sample estimating no more collects every match. */
  exactUpTo: number;
  /** About how many lots the sample reads. */
  sampleRows: number;
  /** How many lots the catalogue holds; unless given, as the planner's statistics count them. */
  size?: number;
  /** The most lots a probing walk reads before a segment's matches are collected instead (default WALK_PROBE). */
  walkProbe?: number;
  /**
   * Past how many lots a collect would read (its most selective index's), a page walked cheaply along
   * a province's, category's or status's index is walked instead, with the sample's estimate for a
   * total (default twice exactUpTo).
   */
  walkAlongPast?: number;
  /** How many lots a walk reads before a search whose words name provinces is read in parts (default NAMED_PROBE; 0: none). */
  namedProbe?: number;
}

export const CATALOGUE_TUNING: CatalogueTuning = { largeFrom: 50_000, exactUpTo: EXACT_TOTAL_UP_TO, sampleRows: 3_000 };

/** A statement the catalogue ran, with its plan: what explainCatalogue reports. */
export interface TracedStatement {
  statement: string;
  plan: PlanNode;
  executionMs: number;
}

/** Runs statements, EXPLAIN ANALYZE first when tracing (the benchmark's view of what a search reads). */
class Reader {
  readonly tx: Db;
  private readonly trace?: TracedStatement[];

  constructor(tx: Db, trace?: TracedStatement[]) {
    this.tx = tx;
    this.trace = trace;
  }

  async mode(mode: ReadMode): Promise<void> {
    await this.tx.execute(readMode(mode));
  }

  /** Each segment's first lot, read once a search (a probe's walks start where it does too). */
  private readonly firsts = new Map<Segment, Promise<{ endsAt: string } | undefined>>();

  /** A segment by end's first lot (segmentFirst) as of the search's instant, read once. */
  segmentFirst(s: Segment, asOf: Date): Promise<{ endsAt: string } | undefined> {
    let first = this.firsts.get(s);
    if (!first) {
      const query = segmentFirst(this.tx, s, asOf);
      first = this.run('segment start', query, () => query).then(([row]) => row);
      this.firsts.set(s, first);
    }
    return first;
  }

  async run<T>(statement: string, query: SQL | { getSQL(): SQL }, execute: () => Promise<T>): Promise<T> {
    if (this.trace) {
      const [plan] = explained(await this.tx.execute(sql`explain (analyze, buffers, format json) ${query}`));
      this.trace.push({ statement, plan: plan.Plan, executionMs: plan['Execution Time'] as number });
    }
    return execute();
  }
}

/**
 * Runs `fn` in a transaction whose statements are planned for their own values (see the header),
 * never JIT-compiled (see readMode).
 */
function customPlans<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('plan_cache_mode', 'force_custom_plan', true), set_config('jit', 'off', true)`,
    );
    return fn(tx as unknown as Db);
  });
}

/** Which order a query reads in. */
const orderOf = (o: CatalogueQuery): CatalogueOrder => o.sort ?? 'default';

interface Read {
  /** The page's lots and one more if there is one, each with its exact end and segment. */
  rows: { row: LotRow; endsAt: string; segment: number }[];
  total: number;
  exact: boolean;
}

/** What a page is read from: the query's conditions, order, position and bounds. */
interface Plan {
  o: CatalogueQuery;
  order: CatalogueOrder;
  segments: Segment[];
  /** Indexes of the segments the status filter leaves. */
  live: number[];
  conditions: Condition[];
  asOf: Date;
  cursor: CursorPosition | undefined;
  tuning: CatalogueTuning;
  /** Who asks, and when: what the conditions of a part of the query are made with (readNamed). */
  person: Person | undefined;
  now: Date;
  /** The provinces the words name (provincesNamedBy), when no province is asked for; none for a part. */
  named: ProvinceId[];
}

/**
 * The conditions, each through its index or checked row by row: `indexed[i]` for the i-th, every one
 * through its index when not given (walking, and the planner's own reading).
 */
function whereOf(p: Plan, indexed?: boolean[]): SQL | undefined {
  return and(...p.conditions.map((c, i) => (indexed && !indexed[i] ? rowwise(c.sql) : c.sql)));
}

/**
 * One page of the catalogue as this person may see it, how many lots match in all, and where the next
 * page starts. A cursor this catalogue did not give for this order and these filters is refused.
 */
export async function searchLots(
  db: Db,
  person: Person | undefined,
  o: CatalogueQuery,
  now: Date,
  tuning: CatalogueTuning = CATALOGUE_TUNING,
  trace?: TracedStatement[],
): Promise<Result<CataloguePage>> {
  const order = orderOf(o);
  const segments = SEGMENTS[order];
  const digest = digestOf(person, o);
  let cursor: CursorPosition | undefined;
  if (o.cursor !== undefined) {
    cursor = decodeCursor(o.cursor);
    if (
      !cursor ||
      cursor.order !== order ||
      cursor.filters !== digest ||
      cursor.segment >= segments.length ||
      (cursor.endsAt === null) === segments[cursor.segment].byEnd
    )
      return refuse('catalogue_cursor_invalid');
  }
  const allowed = allowedStatuses(o.status);
  const terms = o.q ? searchTerms(o.q) : undefined;
  const plan: Plan = {
    o,
    order,
    segments,
    live: segments.flatMap((s, i) => (mayHold(s, allowed) ? [i] : [])),
    conditions: filters(person, o, now),
    // Later pages split open lots from ended ones at the first page's instant, so no lot changes
    // segment between pages because time passed.
    asOf: cursor ? new Date(cursor.asOf) : now,
    cursor,
    tuning,
    person,
    now,
    named: o.province === undefined && terms ? provincesNamedBy(terms) : [],
  };
  const size = tuning.size ?? (await catalogueSize(db));
  const read =
    size < tuning.largeFrom
      ? await readByPlanner(db, plan, trace)
      : await customPlans(db, (tx) => readBySample(new Reader(tx, trace), plan, size));

  const page = read.rows.slice(0, o.limit);
  const more = read.rows.length > o.limit;
  const last = page.at(-1);
  const nextCursor =
    more && last
      ? encodeCursor({
          order,
          asOf: plan.asOf.getTime(),
          segment: last.segment,
          endsAt: segments[last.segment].byEnd ? last.endsAt : null,
          id: last.row.id,
          filters: digest,
          ...(read.exact ? { exactTotal: read.total } : {}),
        })
      : null;
  return ok({
    rows: page.map((r) => r.row),
    // An estimate is never below what the pages have shown.
    total: read.exact ? read.total : Math.max(read.total, o.offset + page.length + (more ? 1 : 0)),
    totalExact: read.exact,
    nextCursor,
    nextOffset: !cursor && more ? o.offset + page.length : null,
  });
}

/**
 * For the benchmark and operators: the statements a search runs, as searchLots runs them (and with
 * the same choices), each with its EXPLAIN ANALYZE.
 */
export async function explainCatalogue(
  db: Db,
  person: Person | undefined,
  o: CatalogueQuery,
  now: Date,
  tuning: CatalogueTuning = CATALOGUE_TUNING,
): Promise<TracedStatement[]> {
  const trace: TracedStatement[] = [];
  const result = await searchLots(db, person, o, now, tuning, trace);
  if (!result.ok) throw new Error(result.message);
  return trace;
}

type ReadSegment = (index: number, want: number, skip: number) => Promise<{ rows: Read['rows']; skipped: number }>;

/** Reads the segments in order from the cursor (or offset), each as `read` says; the rows and one more. */
async function readSegments(p: Plan, read: ReadSegment): Promise<Read['rows']> {
  const out: Read['rows'] = [];
  let want = p.o.limit + 1;
  let skip = p.cursor ? 0 : p.o.offset;
  for (const index of p.live) {
    if (want === 0) break;
    if (p.cursor && index < p.cursor.segment) continue;
    const { rows, skipped } = await read(index, want, skip);
    skip -= skipped;
    out.push(...rows);
    want -= rows.length;
  }
  return out;
}

/**
 * The segment's lots from the cursor (if it is the cursor's), in order, walking its index; or, `along`
 * a province's, category's or status's, walking that one's index by id with every other condition,
 * the segment's own included, checked on each row read.
 */
async function walkSegment(
  r: Reader,
  p: Plan,
  index: number,
  want: number,
  skip: number,
  label: string,
  bound?: SQL,
  along?: Condition,
): Promise<{ rows: Read['rows']; skipped: number }> {
  const s = p.segments[index];
  const segment = s.where(p.asOf);
  const where = along?.byId
    ? and(
        whereOf(
          p,
          p.conditions.map((c) => c.walksOnly === true),
        ),
        segment && rowwise(segment),
        await alongFrom(r, p, s, along),
        bound,
      )
    : and(whereOf(p), segment, bound);
  const position = p.cursor && index === p.cursor.segment ? p.cursor : undefined;
  const query = readSegment(r.tx, where, s, position, want, skip, along?.byId?.column);
  const rows = (await r.run(label, query, () => query)).map((x) => ({
    row: x.lot,
    endsAt: x.endsAt,
    segment: index,
  }));
  // The offset lies past this segment: skip all of it, and the rest of the offset in the next.
  const skipped = rows.length === 0 && skip > 0 ? await countUpTo(r, where, skip) : skip;
  return { rows, skipped };
}

/**
 * Where a walk of segment `s` along another index (a province's, category's or status's) starts, and
 * what bounds it: the one value, then the bounds on the segment's key (its range of ends, from its
 * first lot's end on; a range of ends asked for; walks' bounds), which bound that index's range too.
 */
async function alongFrom(r: Reader, p: Plan, s: Segment, along: Condition): Promise<SQL> {
  const { column, value } = along.byId!;
  if (!s.byEnd) return and(alongIndex(column, value), ...keyRangeOf(p, s))!;
  const first = await r.segmentFirst(s, p.asOf);
  return and(alongIndex(column, value), startingAt(s, first), s.keyBound?.(p.asOf), ...keyRangeOf(p, s))!;
}

/** A small catalogue: the planner chooses; the count is exact up to the bound, else the planner's estimate. */
async function readByPlanner(db: Db, p: Plan, trace?: TracedStatement[]): Promise<Read> {
  const page = (): Promise<Read['rows']> =>
    customPlans(db, (tx) => {
      const r = new Reader(tx, trace);
      return readSegments(p, (index, want, skip) => walkSegment(r, p, index, want, skip, `segment ${index}`));
    });
  const count = (): Promise<{ total: number; exact: boolean }> =>
    customPlans(db, async (tx) => {
      const r = new Reader(tx, trace);
      const limit = p.tuning.exactUpTo + 1;
      const query = cappedCount(whereOf(p), limit);
      const [{ n }] = resultRows<{ n: number }>(await r.run('count', query, () => tx.execute(query)));
      if (n <= p.tuning.exactUpTo) return { total: n, exact: true };
      const [estimate] = explained(
        await tx.execute(sql`explain (format json) select from ${lots} where ${whereOf(p) ?? sql`true`}`),
      );
      return { total: Math.max(limit, Math.round(estimate.Plan['Plan Rows'])), exact: false };
    });
  // Both at once, on two connections; one after the other when tracing, so the trace reads in order.
  if (trace) {
    const rows = await page();
    return { rows, ...(await count()) };
  }
  const [rows, counted] = await Promise.all([page(), count()]);
  return { rows, ...counted };
}

/** How many rows a segment holds, counting no further than `upTo` (offset paging skipping whole segments). */
async function countUpTo(r: Reader, where: SQL | undefined, upTo: number): Promise<number> {
  const query = cappedCount(where, upTo);
  const [{ n }] = resultRows<{ n: number }>(await r.run('skip count', query, () => r.tx.execute(query)));
  return n;
}

/**
 * Collects every match (no more than the bound) by bitmap scans and reads the page's worth after the
 * cursor (or past the offset) in full; null when there are more matches than the bound.
 */
async function collect(
  r: Reader,
  p: Plan,
  where: SQL | undefined,
  cursor: CursorPosition | undefined,
  want: number,
  skip: number,
  label: string,
  cap = p.tuning.exactUpTo + 1,
): Promise<{ rows: Read['rows']; matches: number } | null> {
  await r.mode('collect');
  const query = collectPage(p.segments, where, p.asOf, cap, cursor, want, skip);
  const keys = resultRows<{ n: number; id: number | null; seg: number | null; ends_key: string | null }>(
    await r.run(label, query, () => r.tx.execute(query)),
  );
  const matches = keys[0]?.n ?? 0;
  if (matches >= cap) return null;
  const chosen = keys.filter((k) => k.id !== null);
  const read = rowsById(
    r.tx,
    chosen.map((k) => k.id!),
  );
  const rows = new Map((await r.run('rows', read, () => read)).map((x) => [x.lot.id, x]));
  return {
    matches,
    rows: chosen.flatMap((k) => {
      const row = rows.get(k.id!);
      // A lot deleted since its key was read: the page is one short, never wrong.
      return row ? [{ row: row.lot, endsAt: row.endsAt, segment: Number(k.seg) }] : [];
    }),
  };
}

/** A large catalogue: sample, then collect every match or walk the segments (see the header). */
async function readBySample(r: Reader, p: Plan, size: number): Promise<Read> {
  const bound = p.tuning.exactUpTo;
  const percent = Math.min(100, (100 * p.tuning.sampleRows) / size);
  const segmentWheres = p.live.map((i) => p.segments[i].where(p.asOf) ?? sql`true`);
  // The province, category or stored status asked for, each a walk along its own index by id.
  const alongs = p.conditions.filter((c) => c.byId);
  const sampled = sampleQuery(
    whereOf(p),
    p.live.map((i) => p.segments[i]),
    p.asOf,
    percent,
    p.conditions.map((c) => c.sql),
    p.o.startsTo !== undefined,
    alongs.map((c) => c.sql),
    p.live.map((i) => and(...keyRangeOf(p, p.segments[i]))),
    p.named.length ? inArray(lots.province, p.named) : undefined,
  );
  // A sample scan whatever the values.
  const [sample] = resultRows<Record<string, number | null>>(
    await r.run('sample', sampled, () => r.tx.execute(sampled)),
  );
  // Matches the sample implies in all the lots: a sample without a lot (an empty table) implies none.
  const estimate = (m: number | null): number => (sample.s ? Math.round(((m ?? 0) * size) / sample.s) : 0);
  const total = estimate(sample.m);
  // The lots of a segment a walk passes before its first match. The sample sees one lot in
  // size / s, so even matches spread evenly come after about (sampled lots ÷ sampled matches) − 1 of
  // its lots: only the sample's stretch beyond that is a stretch without matches. None seen there:
  // all of it.
  const gapOf = (at: number): number => {
    const lotsSeen = sample[`z${at}`] ?? 0;
    const matchesSeen = sample[`m${at}`] ?? 0;
    if (matchesSeen === 0) return estimate(lotsSeen);
    return estimate(Math.max(0, (sample[`g${at}`] ?? 0) - (lotsSeen / matchesSeen - 1)));
  };
  // What a walk of a segment reads: its lots before its first match, then about `want` matches' worth
  // at its share of matching lots (all of it when the sample saw none there). From the cursor on, the
  // first stretch is behind: the share alone.
  const walkLength = (at: number, want: number, fromCursor: boolean): number => {
    const inSegment = estimate(sample[`z${at}`]);
    const matches = estimate(sample[`m${at}`]);
    const share = matches > 0 ? inSegment / matches : inSegment;
    return (fromCursor ? 0 : gapOf(at)) + Math.min(inSegment, want * share);
  };
  // Many matches of words alone, nearly all in the provinces the words name: a province's sessions,
  // which a walk of the order reaches late and a collect reads a heap page each for. Unless a short
  // walk of the first segment fills the page ("ha noi", a sixth of the lots, within a few hundred;
  // the sample's stretch before the first match is too rough to tell), those provinces' lots are read
  // apart (readNamed), each along its own index, and the others by the words without them.
  const reach = p.o.offset + p.o.limit;
  if (
    p.named.length &&
    wordsAlone(p.o) &&
    reach <= NAMED_REACH &&
    total > bound / 2 &&
    estimate((sample.m ?? 0) - (sample.mw ?? 0)) <= bound
  ) {
    const index = p.live.find((i) => !p.cursor || i >= p.cursor.segment);
    const probe = p.tuning.namedProbe ?? NAMED_PROBE;
    const quick =
      index === undefined || probe === 0
        ? null
        : await probeWalk(
            r,
            p,
            index,
            reach + 1,
            p.cursor && index === p.cursor.segment ? p.cursor : undefined,
            undefined,
            [probe],
          );
    const known = p.cursor?.exactTotal;
    const named =
      quick && quick.rows.length > reach
        ? { rows: quick.rows.slice(p.o.offset), total }
        : await readNamed(r, p, size, total);
    return known === undefined ? { ...named, exact: false } : { rows: named.rows, total: known, exact: true };
  }
  const span = Number(sample.span ?? NaN);
  if (p.o.startsTo && Number.isFinite(span)) {
    // Implied (a lot starting before startsTo ends within the longest bidding window after it): where
    // a descending walk by end can start, instead of reading every lot ending since.
    const before = new Date(p.o.startsTo.getTime() + Math.ceil(span) * 1000 + 1000);
    p.conditions = [
      ...p.conditions,
      { sql: lt(lots.endsAt, before), indexed: true, walksOnly: true, keyRange: 'ends' },
    ];
  }
  // A segment by id is walked within the ids a range of starts or ends holds, read from the range's
  // own index when the sample finds it small enough to read cheaply: a month of lots three years back
  // is a stretch of ids a walk from the newest would reach only after a million lots.
  const ranges = p.conditions.flatMap((c, i) =>
    c.boundsIds && estimate(sample[`c${i}`] ?? size) <= ID_RANGE_UP_TO ? [c.sql] : [],
  );
  if (ranges.length && p.live.some((i) => !p.segments[i].byEnd)) {
    await r.mode('walk');
    const query = idRange(and(...ranges)!);
    const [ids] = resultRows<{ lo: number | null; hi: number | null }>(
      await r.run('id range', query, () => r.tx.execute(query)),
    );
    const bound = ids.lo === null || ids.hi === null ? sql`false` : between(lots.id, ids.lo, ids.hi);
    p.conditions = [...p.conditions, { sql: bound, indexed: true, walksOnly: true, keyRange: 'ids' }];
  }
  // Which conditions a collect reads through their indexes: the most selective one an index serves,
  // and any other an index serves that is selective enough to be worth a bitmap (a fifth of the lots
  // or fewer: "closed", "biển số" are not; and no more than a few times the most selective one's,
  // below); the rest are checked on the rows those find.
  const selectivity = p.conditions.map((_c, i) => estimate(sample[`c${i}`] ?? size));
  const servable = p.conditions.map((c) => c.indexed && !c.walksOnly);
  const leastOf = (extra: number[]): number => Math.min(...selectivity.filter((_n, i) => servable[i]), ...extra, size);
  // A btree's bitmap costs some 0.16 µs an entry, the GIN index's for words some 0.3 µs a lot it
  // finds (it intersects each word's list of lots, each longer than what they find together), a row
  // checked on the heap about 1 µs: a bitmap of more than five times (three for words) the lots the
  // most selective index finds costs more than checking those on the heap ("failed", 300,000 lots,
  // beside a province's 16,000: 160 ms ANDed, 60 ms checked; "quyền sử dụng đất", 174,000 lots,
  // beside a month's starts, 26,500: 100 ms with the failed lots' bitmap too, 37 ms with neither).
  const worthABitmap = (n: number, least: number, words = false): boolean =>
    n === least || n <= Math.max(bound, Math.min(size / 5, (words ? 3 : 5) * least));
  const throughIndexes = (least: number): boolean[] =>
    selectivity.map((n, i) => servable[i] && worthABitmap(n, least, p.conditions[i].words === true));
  // A collect reads at least the rows its most selective index finds: past ten times the bound,
  // walking in order is the cheaper even for few matches.
  const affordable = (least: number): boolean => least <= 10 * bound;

  // Collecting costs about a heap page per match and gives the exact total; walking costs about
  // limit / (share of lots matching) rows read in order, each dearer than a collected one: up to
  // some ten thousand matches in two million lots, collecting is the cheaper (bench/catalogue.ts).
  // With a province, category or status asked for, that one's own index reads its lots in a
  // segment's order (by id, or by end: lots_province, lots_province_ends, …), wherever in the segment
  // they are (a province's sessions are scattered over three years of lots): those before the
  // segment's first match (its coming sessions, when failed lots are asked for), then about
  // want ÷ (the share of them matching). Corrected as gapOf below. The cheapest is walked, the others
  // checked on each row; none when even that one would read more than a small collect.
  // `probing`: the one worth a probing walk, which finds out what the stretch before the first match
  // is (the sample's is rough, see below): of those whose matches alone would be cheap to walk to, the
  // cheapest with that stretch.
  const alongFor = (at: number, want: number, fromCursor: boolean, probing = false): Condition | undefined => {
    const matchesSeen = sample[`m${at}`] ?? 0;
    const costs = alongs.map((_c, j) => {
      const lotsAlong = sample[`fz${j}_${at}`] ?? 0;
      if (matchesSeen === 0) return { along: estimate(lotsAlong), gap: 0 };
      const gap = fromCursor ? 0 : Math.max(0, (sample[`fg${j}_${at}`] ?? 0) - (lotsAlong / matchesSeen - 1));
      return { along: (estimate(lotsAlong) * want) / Math.max(1, estimate(matchesSeen)), gap: estimate(gap) };
    });
    const eligible = costs.flatMap((c, j) => (c.along + (probing ? 0 : c.gap) <= bound / 4 ? [j] : []));
    const cheapest = eligible.sort((a, b) => costs[a].along + costs[a].gap - (costs[b].along + costs[b].gap))[0];
    return cheapest === undefined ? undefined : alongs[cheapest];
  };

  let overflowed = false;
  const least = leastOf([]);
  // A later page of a search whose first page counted its matches exactly repeats that count (the
  // cursor carries it) and reads its page segment by segment from the cursor, without collecting
  // every match again.
  const known = p.cursor?.exactTotal;
  // A collect reads a heap page for each lot its indexes find: past twice the bound, when every
  // segment can be walked cheaply along a province's, category's or status's index, the walks are the
  // page and the total is the sample's estimate (the 67,000 vehicles "thanh lý tài sản công" finds,
  // for its 9,055 failed ones: 290 ms collected, 15 ms walked along lots_status_id).
  const walkedAlong =
    p.o.offset === 0 &&
    total > 0 &&
    least > (p.tuning.walkAlongPast ?? 2 * bound) &&
    p.live.every((_i, at) => alongFor(at, p.o.limit + 1, p.cursor !== undefined) !== undefined);
  if (known === undefined && !walkedAlong && total <= bound && servable.some(Boolean) && affordable(least)) {
    const all = whereOf(p, throughIndexes(least));
    const got = await collect(r, p, all, p.cursor, p.o.limit + 1, p.cursor ? 0 : p.o.offset, 'collect');
    if (got) return { rows: got.rows, total: got.matches, exact: true };
    overflowed = true;
  }
  const rows = await readSegments(p, async (index, want, skip) => {
    const at = p.live.indexOf(index);
    const cursor = p.cursor && index === p.cursor.segment ? p.cursor : undefined;
    const inSegment = estimate(sample[`z${at}`]);
    const matches = estimate(sample[`m${at}`]);
    const leastHere = leastOf([inSegment]);
    const walk = walkLength(at, want, cursor !== undefined);
    // A small segment is walked whatever its matches: reading all of it in order costs no more than
    // a small collect, and a collect's bitmaps may miss its range (the planner, taking "not open and
    // ending later" for half the lots, reads every ended lot to find the few that end later).
    const small = inSegment <= bound / 4;
    const fewMatches = matches <= bound / 4;
    const along = alongFor(at, want, cursor !== undefined);
    // A segment with few matches, or whose walk would read more lots than collecting its matches, is
    // collected (the segment's own range a bitmap too, when worth it); past the cap, walked after all.
    // Many matches that the sample places past a long stretch without any, or that are cheap to
    // collect, are first looked for by a walk that reads no more than WALK_PROBE lots: the sample
    // reads whole pages of lots seeded or written together, and matches come in sessions, so the
    // stretch before the first it sees is rough (ten times too long, seen), and so is their share
    // after it (the plates of series 33A by end: 21 in the first 92,788 open lots, where the sample
    // put 21 in some 14,000). A walk the probe did not fill is collected. Matches dearer to collect
    // than a probe's worth of walking, placed near by the sample, are walked ("bac ninh": 55 ms
    // walked, 290 ms probed and collected).
    const probeLimit = p.tuning.walkProbe ?? WALK_PROBE;
    if (!small && !along && (p.segments.length > 1 || walk > leastHere || leastHere <= probeLimit)) {
      // Along a province's, category's or status's index, a probe is worth it even when collecting is
      // not: the walk it saves would go through the segment's own index (closed land-use lots newest
      // first: 86,000 coming land-use lots before the first along lots_category, 305 closed lots along
      // lots_status_id).
      const probeAlong = alongFor(at, want, cursor !== undefined, true);
      let probed = false;
      if (
        !fewMatches &&
        (walk > leastHere || leastHere <= probeLimit) &&
        (affordable(leastHere) || probeAlong) &&
        skip === 0
      ) {
        // A lot walked costs about what a collect costs for each lot its most selective index finds
        // (1.8 µs against 1.7): where a collect follows, the probe walks no more than half of those
        // (the plates of series 33A by end: 30,000 open lots probed in 54 ms before a 16 ms collect
        // of 7,798 plates' 3,932 open ones).
        const first = Math.ceil(probeLimit / 15);
        const most = probeAlong ? probeLimit : Math.min(probeLimit, Math.max(first, Math.round(leastHere / 2)));
        const found = await probeWalk(r, p, index, want, cursor, probeAlong, most > first ? [first, most] : [first]);
        if (found) return found;
        probed = true;
      }
      if ((fewMatches || walk > leastHere || probed) && affordable(leastHere)) {
        const byEnd = p.segments[index].byEnd;
        const indexed = throughIndexes(leastHere).map((n, i) => n || (byEnd && p.conditions[i].withEnds === true));
        const segment = worthABitmap(inSegment, leastHere) ? segmentWheres[at] : rowwise(segmentWheres[at]);
        const where = and(whereOf(p, indexed), segment);
        const got = await collect(r, p, where, cursor, want, skip, `segment ${index} collect`, 10 * bound + 1);
        if (got) return { rows: got.rows, skipped: Math.min(skip, got.matches) };
      }
    }
    await r.mode('walk');
    return walkSegment(r, p, index, want, skip, `segment ${index} walk`, undefined, along);
  });
  // More than the bound when a collect stopped there; else the sample's estimate.
  if (known !== undefined) return { rows, total: known, exact: true };
  return { rows, total: overflowed ? Math.max(total, bound + 1) : total, exact: false };
}

/** The most lots a page of readNamed reaches (offset and limit): each part reads that many. */
const NAMED_REACH = 500;

/** How many lots a walk reads before a search whose words name provinces is read in parts (readNamed). */
const NAMED_PROBE = 2_000;

/** Whether a query asks for words and nothing else (no filter, not a manager's own lots). */
const wordsAlone = (o: CatalogueQuery): boolean =>
  o.q !== undefined &&
  [o.status, o.category, o.province, o.minPrice, o.maxPrice, o.startsFrom, o.startsTo, o.endsFrom, o.endsTo].every(
    (x) => x === undefined,
  ) &&
  !o.mine;

/**
 * A search of words alone that name provinces ("Hải Phòng", "an giang": every lot of such a province
 * matches, see provincesNamedBy), in parts: each province's lots walked along its own index
 * (lots_province or lots_province_ends, every lot read a match: they are sessions far from where
 * the order starts, which a walk of the order's index reaches late and a collect reads a heap page
 * each for, 87,000 for "Hải Phòng": 140 ms), and the lots of none of them collected by the words
 * without those provinces' facets (`!'=province:hai-phong'`: few, by the sample); the parts' pages
 * merged in the order, with the sample's estimate for a total.
 */
async function readNamed(r: Reader, p: Plan, size: number, total: number): Promise<Omit<Read, 'exact'>> {
  const reach = p.o.offset + p.o.limit;
  // The parts' pages reach as far as the page does; the total known from the first page stays.
  const cursor = p.cursor && { ...p.cursor, exactTotal: undefined };
  const part = (o: CatalogueQuery, outside: ProvinceId[]): Plan => {
    const whole = { ...o, offset: 0, limit: reach };
    return { ...p, o: whole, conditions: filters(p.person, whole, p.now, outside), cursor, named: [] };
  };
  const pages: Read['rows'][] = [];
  await r.mode('walk');
  for (const province of p.named) {
    const lotsOf = part({ ...p.o, province }, []);
    const along = lotsOf.conditions.find((c) => c.byId);
    pages.push(
      await readSegments(lotsOf, (index, want, skip) =>
        walkSegment(r, lotsOf, index, want, skip, `${province} segment ${index} walk`, undefined, along),
      ),
    );
  }
  const rest = part(p.o, p.named);
  const where = whereOf(
    rest,
    rest.conditions.map((c) => c.indexed),
  );
  const got = await collect(r, rest, where, rest.cursor, reach + 1, 0, 'others collect');
  // More than the sample said: read as any search.
  pages.push(got ? got.rows : (await readBySample(r, rest, size)).rows);
  return { rows: mergeInOrder(p.segments, pages).slice(p.o.offset, reach + 1), total };
}

/** The conditions on a segment's key (its ends, or its ids): where a walk of its index, or along another's, starts. */
const keyRangeOf = (p: Plan, s: Segment): SQL[] =>
  p.conditions.flatMap((c) => (c.keyRange === (s.byEnd ? 'ends' : 'ids') ? [c.sql] : []));

/** The most lots a probing walk reads before the segment's matches are collected instead. */
const WALK_PROBE = 30_000;

/** The most lots (the sample's estimate) a range of starts or ends may hold for its ids to be read (idRange). */
const ID_RANGE_UP_TO = 300_000;

/**
 * A walk of the segment that reads no more than WALK_PROBE of its lots (the tuning may say otherwise),
 * up to the position of the WALK_PROBE-th, read from its index alone, from where the conditions on
 * the segment's key start it: its rows when it found the page's worth or read the whole segment, else
 * null. A walk of a fifteenth of that first. `along` a province's, category's or status's index: no
 * more than WALK_PROBE of its lots (the coming sessions' closed lots are few: 304 of the 30,000 newest
 * lots, so a walk of lots_status_id reaches what one of lots_pkey cannot). `steps`: the walks' lengths,
 * if not those two.
 */
async function probeWalk(
  r: Reader,
  p: Plan,
  index: number,
  want: number,
  cursor: CursorPosition | undefined,
  along?: Condition,
  steps?: number[],
): Promise<{ rows: Read['rows']; skipped: number } | null> {
  const s = p.segments[index];
  await r.mode('walk');
  const from = and(
    along ? await alongFrom(r, p, s, along) : and(s.where(p.asOf), ...keyRangeOf(p, s)),
    cursor ? after(s, cursor) : undefined,
  );
  // A short probe first: reading the position of the 30,000th lot alone costs some 10 ms, and matches
  // the sample placed far off are most often near.
  const most = p.tuning.walkProbe ?? WALK_PROBE;
  for (const n of steps ?? [Math.ceil(most / 15), most]) {
    const query = nthPosition(r.tx, from, s, n, along?.byId?.column);
    const [stop] = await r.run(`segment ${index} probe bound ${n}`, query, () => query);
    const bound = stop ? upTo(s, stop) : undefined;
    const walked = await walkSegment(r, p, index, want, 0, `segment ${index} probe ${n}`, bound, along);
    if (walked.rows.length >= want || !stop) return walked;
  }
  return null;
}
