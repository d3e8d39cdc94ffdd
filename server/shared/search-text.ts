// Text as people type it into a search box: without diacritics ("ha noi" for "Hà Nội", đ as d),
// in any case, and licence plates in any format ("30K88888", "30k-888.88", "30K 888" for
// "30K-888.88"). The same functions normalise what is stored (at write time) and what is asked, so
// the two always agree, on every database. Kept free of imports: the web pages use them too.

/**
 * Lower case, diacritics removed (compatibility decomposition, then every combining mark dropped;
 * đ/Đ are letters of their own and become d), whitespace collapsed to single spaces.
 */
export function normaliseText(text: string): string {
  return text.normalize('NFKD').toLowerCase().replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/\s+/g, ' ').trim();
}

/** Letters and digits only, after normalising: "Biển số 30K-888.88" → "bienso30k88888". */
export function compactText(text: string): string {
  return normaliseText(text).replace(/[^\p{L}\p{N}]/gu, '');
}

export interface SearchTerms {
  /** The normalised words of the query: each must occur in the normalised text. */
  words: string[];
  /** The query's letters and digits: occurring in the compact text also matches (plates). */
  compact: string;
}

/** What a query looks for; undefined when it holds nothing to look for. */
export function searchTerms(query: string): SearchTerms | undefined {
  const words = [...new Set(normaliseText(query).split(' ').filter(Boolean))];
  if (!words.length) return undefined;
  return { words, compact: compactText(query) };
}

/** Whether a text matches a query, exactly as the catalogue query decides it in the database. */
export function matchesTerms(text: string, terms: SearchTerms): boolean {
  const normal = normaliseText(text);
  if (terms.words.every((w) => normal.includes(w))) return true;
  return terms.compact.length > 0 && compactText(text).includes(terms.compact);
}
