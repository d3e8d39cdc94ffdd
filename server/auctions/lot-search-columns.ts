// A lot's search columns (issue 14, issue 21): its text normalised (search_text), as letters and
// digits only (search_compact), and the lexemes the catalogue finds it by (search_vector: its words,
// plates and beginnings, made by server/shared/search-text.ts, and its facets), written with the lot
// and, for lots written before a migration emptied them, filled at start. The catalogue reads them in
// lot-search.ts.
import { asc, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { lots } from '../../db/schema.ts';
import type { Logger } from '../shared/log.ts';
import {
  compactText,
  facetLexeme,
  matchesLexemes,
  normaliseText,
  searchLexemes,
  tsvectorLiteral,
  type SearchTerms,
} from '../shared/search-text.ts';
import { PROVINCES, provinceName, type ProvinceId } from './provinces.ts';

/** The facets of a lot its search_vector carries (see facetLexeme): its category and province. */
export function facetsOf(lot: { category: string | null; province?: string | null }): string[] {
  return [
    ...(lot.category ? [facetLexeme('category', lot.category)] : []),
    ...(lot.province ? [facetLexeme('province', lot.province)] : []),
  ];
}

/**
 * The normalised search columns of a lot, written with its title, description, category and province
 * (search_vector: the words' lexemes, and the facets').
 */
export function lotSearchColumns(lot: {
  title: string;
  description: string;
  category: string | null;
  province?: string | null;
}): {
  searchText: string;
  searchCompact: string;
  searchVector: string;
} {
  const place = provinceName(lot.province) ?? '';
  const text = [lot.title, lot.description, place].join('\n');
  return {
    searchText: normaliseText(text),
    searchCompact: compactText(text),
    searchVector: tsvectorLiteral([...searchLexemes(`${lot.title}\n${place}`, lot.description), ...facetsOf(lot)]),
  };
}

/** Each province's name as lexemes: what every lot of the province holds (see provincesNamedBy). */
const PROVINCE_LEXEMES = PROVINCES.map((p) => ({ id: p.id, lexemes: searchLexemes(`\n${p.name}`) }));

/**
 * The provinces whose every lot matches a query: those whose name alone matches it ("hai phong",
 * "haiphong", "Đà Nẵng"). A lot's lexemes hold its province's name's as they are alone (lotSearchColumns:
 * the name is a line of its own, joined to nothing else), and a query matches more lexemes whenever it
 * matches fewer, so every lot of such a province matches (the catalogue walks those along the
 * province's own index: lot-search.ts).
 */
export function provincesNamedBy(terms: SearchTerms): ProvinceId[] {
  return PROVINCE_LEXEMES.flatMap((p) => (matchesLexemes(p.lexemes, terms) ? [p.id] : []));
}

/**
 * Fills the search columns of lots written before they existed (or inserted around the services;
 * migration 0017 empties them all once, for search_vector), a batch at a time, one statement a batch.
 * Idempotent, and safe beside writers: a row is only filled while still empty.
 */
export async function backfillLotSearch(db: Db, log: Logger): Promise<number> {
  let filled = 0;
  for (;;) {
    const batch = await db
      .select({
        id: lots.id,
        title: lots.title,
        description: lots.description,
        category: lots.category,
        province: lots.province,
      })
      .from(lots)
      .where(isNull(lots.searchText))
      .orderBy(asc(lots.id))
      .limit(500);
    if (!batch.length) break;
    const values = batch.map((row) => {
      const c = lotSearchColumns(row);
      return sql`(${row.id}::integer, ${c.searchText}::text, ${c.searchCompact}::text, ${c.searchVector}::tsvector)`;
    });
    await db.execute(sql`
      update ${lots} set search_text = v.t, search_compact = v.c, search_vector = v.v
        from (values ${sql.join(values, sql`, `)}) as v(id, t, c, v)
       where ${lots.id} = v.id and ${lots.searchText} is null`);
    filled += batch.length;
    if (filled % 50_000 < batch.length) log.info({ lots: filled }, 'catalogue search: filling the search columns');
  }
  if (filled) log.info({ lots: filled }, 'catalogue search: filled the search columns of existing lots');
  return filled;
}
