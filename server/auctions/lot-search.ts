// The catalogue query, in one place: who sees what (drafts), the filters (status by the clock,
// category, province, price range), the search, and the order. The search looks in stored columns
// normalised when a lot is written (server/shared/search-text.ts: no diacritics, lower case, and a
// letters-and-digits form for licence plates), with LIKE, so it gives the same answers on PGlite and
// PostgreSQL; where PostgreSQL has pg_trgm, trigram indexes serve those LIKEs (migration 0005).
import { and, asc, count, desc, eq, gt, gte, inArray, isNull, like, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { lots, type LotStatus } from '../../db/schema.ts';
import type { Person } from '../identity/person.ts';
import type { Logger } from '../shared/log.ts';
import { compactText, normaliseText, searchTerms } from '../shared/search-text.ts';
import { provinceName, type ProvinceId } from './provinces.ts';
import { OPEN_STATUSES, type LotRow } from './rules/index.ts';

/** `ending`: lots still open by their end, soonest first, then ended ones, latest end first. `newest`: latest created first. */
export const CATALOGUE_SORTS = ['ending', 'newest'] as const;
export type CatalogueSort = (typeof CATALOGUE_SORTS)[number];

export interface CatalogueQuery {
  status?: LotStatus;
  q?: string;
  category?: string;
  province?: ProvinceId;
  /** Bounds (inclusive, VND) on the lot's price: see `lotPrice`. */
  minPrice?: number;
  maxPrice?: number;
  sort?: CatalogueSort;
  /** Managers: only the lots they manage, drafts included. */
  mine?: boolean;
  limit: number;
  offset: number;
}

/** The normalised search columns of a lot, written with its title, description and province. */
export function lotSearchColumns(lot: { title: string; description: string; province?: string | null }): {
  searchText: string;
  searchCompact: string;
} {
  const text = [lot.title, lot.description, provinceName(lot.province) ?? ''].join('\n');
  return { searchText: normaliseText(text), searchCompact: compactText(text) };
}

/** A lot's price for the price filter: the final price once closed, the standing price once bid on, else the starting price. */
const lotPrice = sql`coalesce(${lots.finalPrice}, ${lots.currentPrice}, ${lots.startingPrice})`;

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** Every word of the query in the text, in any order; or the query's letters and digits in the compact form (plates). */
function searchCondition(q: string): SQL | undefined {
  const terms = searchTerms(q);
  if (!terms) return undefined;
  const words = and(...terms.words.map((w) => like(lots.searchText, `%${escapeLike(w)}%`)));
  return terms.compact ? or(words, like(lots.searchCompact, `%${escapeLike(terms.compact)}%`)) : words;
}

function statusFilter(status: LotStatus, now: Date): SQL | undefined {
  // Scheduled rows whose start has passed are live by the clock even before the scheduler flips them.
  if (status === 'live') return or(eq(lots.status, 'live'), and(eq(lots.status, 'scheduled'), lte(lots.startsAt, now)));
  if (status === 'scheduled') return and(eq(lots.status, 'scheduled'), gt(lots.startsAt, now));
  return eq(lots.status, status);
}

function order(sort: CatalogueSort | undefined, now: Date): SQL[] {
  if (sort === 'newest') return [desc(lots.id)];
  if (sort === 'ending') {
    const open = sql`${inArray(lots.status, OPEN_STATUSES)} and ${gt(lots.endsAt, now)}`;
    return [
      sql`case when ${open} then 0 else 1 end`,
      sql`case when ${open} then ${lots.endsAt} end asc`,
      desc(lots.endsAt),
      desc(lots.id),
    ];
  }
  // Open lots first (soonest end first), then the rest newest first.
  return [
    sql`case when ${inArray(lots.status, OPEN_STATUSES)} then 0 else 1 end`,
    sql`case when ${inArray(lots.status, OPEN_STATUSES)} then ${lots.endsAt} end asc`,
    desc(lots.id),
  ];
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

/** One page of the catalogue as this person may see it, and how many lots match in all. */
export async function searchLots(
  db: Db,
  person: Person | undefined,
  o: CatalogueQuery,
  now: Date,
): Promise<{ rows: LotRow[]; total: number }> {
  const conditions: (SQL | undefined)[] = [];
  // Drafts are seen by the managers of their organisation, regulators whose scope covers it, and admins
  // (issue 19); "mine" is the lots of the organisations the person manages.
  if (o.mine && person) conditions.push(inArray(lots.organisationId, [...person.organisations, 0]));
  else conditions.push(draftsVisibleTo(person));
  if (o.status) conditions.push(statusFilter(o.status, now));
  if (o.category) conditions.push(eq(lots.category, o.category));
  if (o.province) conditions.push(eq(lots.province, o.province));
  if (o.minPrice !== undefined) conditions.push(gte(lotPrice, o.minPrice));
  if (o.maxPrice !== undefined) conditions.push(lte(lotPrice, o.maxPrice));
  if (o.q) conditions.push(searchCondition(o.q));
  const where = and(...conditions);
  const [{ total }] = await db.select({ total: count() }).from(lots).where(where);
  const rows = await db
    .select()
    .from(lots)
    .where(where)
    .orderBy(...order(o.sort, now))
    .limit(o.limit)
    .offset(o.offset);
  return { rows, total };
}

/**
 * Fills the search columns of lots written before they existed (or inserted around the services),
 * a batch at a time. Idempotent, and safe beside writers: a row is only filled while still empty.
 */
export async function backfillLotSearch(db: Db, log: Logger): Promise<number> {
  let filled = 0;
  for (;;) {
    const batch = await db
      .select({ id: lots.id, title: lots.title, description: lots.description, province: lots.province })
      .from(lots)
      .where(isNull(lots.searchText))
      .orderBy(asc(lots.id))
      .limit(500);
    if (!batch.length) break;
    for (const row of batch)
      await db
        .update(lots)
        .set(lotSearchColumns(row))
        .where(and(eq(lots.id, row.id), isNull(lots.searchText)));
    filled += batch.length;
  }
  if (filled) log.info({ lots: filled }, 'catalogue search: filled the search text of existing lots');
  return filled;
}
