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
  /** The normalised words of the query, as typed between spaces (their letters and digits are what is looked for). */
  words: string[];
  /** The query's letters and digits: a licence plate holding them also matches. */
  compact: string;
}

/** What a query looks for; undefined when it holds nothing to look for. */
export function searchTerms(query: string): SearchTerms | undefined {
  const words = [...new Set(normaliseText(query).split(' ').filter(Boolean))];
  if (!words.length) return undefined;
  return { words, compact: compactText(query) };
}

// The catalogue's index (issue 21): a lot's text as the set of lexemes PostgreSQL's full-text search
// keeps in `lots.search_vector` (a GIN index), and a query as a tsquery over them. Both are made here,
// so PGlite and PostgreSQL, and `matchesTerms` below, decide alike; PostgreSQL only stores and
// intersects the lexemes (no parser, dictionary or text search configuration of its own is involved).
//
// - Words: the runs of letters and digits of the normalised text, and, in the title and the province's
//   name, the joins of two and of three neighbouring runs of letters ("bienso", "hanoi", "hochiminh"),
//   since people type Vietnamese syllables run together.
// - Licence plates ("30K-888.88", "29H1-234.56", "51LD-123.45", "30A-1234") are not words: every
//   run of two or more of the plate's letters and digits ("30k88888") is, marked with '#' ("#30",
//   "#30k", …, "#30k88888", "#0k", …, "#88888", "#88"). So whatever occurs in a plate is one whole
//   lexeme: "51k888" (its start), "88888" (its last digits, as lucky plates are searched), "k888"
//   (anywhere), each one posting list, which the index intersects by skipping.
// - Beginnings: every word (and join) of four characters or more also gives each of its beginnings of
//   three characters or more, marked with '~' ("~bie", "~bien" for "bien"; "~toy", …, "~toyot" for
//   "toyota"). An unfinished word is then two whole lexemes ("bien" or "~bien"), which the index
//   intersects by skipping like any other, where a prefix query (`bien:*`) would make it first gather
//   every lot holding any word the beginning begins ("đồng" begins words in most lots).
//
// A query matches a lot when each of its words (as typed between spaces) is found: its letters-and-
// digits runs are words of the lot, the query's last run possibly unfinished (a beginning of three
// characters or more: "bie" finds "biển", "toyota cam" finds "Toyota Camry"); or, run together, they
// occur in the lot's plate. Or when all the query's letters and digits, run together, occur in the
// plate (a plate typed in pieces: "30 K 888 88"). "bien so" finds "Biển số …"; "51K-888", "51k888",
// "888.88" and "88888" find "51K-888.88" (and every plate holding them); "bien so 51k" needs both.
// Every part of a query is a whole lexeme, so the index's work grows with the rarest, not the most
// frequent.

/** Lexemes longer than this are left out, on both sides alike (PostgreSQL refuses lexemes over 2 KB). */
export const MAX_LEXEME_LENGTH = 64;

/**
 * A Vietnamese licence plate in normalised text: the province code (2 digits), the series (1–2
 * letters as issued, no I, J, O, Q, R or W, and a motorbike's digit), then 5 digits as 3.2, or 4.
 */
const PLATE =
  /(?<![\p{L}\p{N}])(\d{2})[ -]?([abcdefghklmnpstuvxyz]{1,2}\d?)[ .-]?(\d{3}[ .]?\d{2}|\d{4})(?![\p{L}\p{N}])/gu;
const RUN = /[\p{L}\p{N}]+/gu;
const LETTERS = /^\p{L}+$/u;

/**
 * The lexemes a lot is found by (see above), without repeats: those of `text`, with the joins of
 * neighbouring words on each of its lines, and those of `plain`, without (a lot's description: long,
 * and typed joined less often than a title or a place, so its joins would double the index for little).
 */
export function searchLexemes(text: string, plain = ''): string[] {
  const out = new Set<string>();
  const add = (lexeme: string): void => void (lexeme.length <= MAX_LEXEME_LENGTH && out.add(lexeme));
  // Joins never span lines: the title's last word and the province's first are not typed together.
  const parts = [...text.split('\n').map((line) => [line, true] as const), [plain, false] as const];
  for (const [part, joins] of parts) {
    const plates: string[] = [];
    const rest = normaliseText(part).replace(PLATE, (_m, code: string, series: string, number: string) => {
      plates.push(code + series + number.replace(/[ .]/g, ''));
      return ' ';
    });
    const runs = rest.match(RUN) ?? [];
    runs.forEach((run, i) => {
      add(run);
      if (!joins || !LETTERS.test(run)) return;
      let joined = run;
      for (const next of runs.slice(i + 1, i + 3)) {
        if (!LETTERS.test(next)) break;
        joined += next;
        add(joined);
      }
    });
    for (const plate of plates)
      for (let i = 0; i < plate.length; i++) for (let j = i + 2; j <= plate.length; j++) add(`#${plate.slice(i, j)}`);
  }
  for (const lexeme of [...out]) {
    if (lexeme.startsWith('#')) continue;
    const chars = [...lexeme];
    for (let n = BEGINNING_MIN; n < chars.length; n++) add(beginningLexeme(chars.slice(0, n).join('')));
  }
  return [...out];
}

/** The shortest beginning a query's unfinished word is looked for by (see `unfinished`). */
const BEGINNING_MIN = 3;

/** The lexeme a word's beginning is found by (see above): "~bie". */
const beginningLexeme = (beginning: string): string => `~${beginning}`;

/** What each word of a query looks for: its letters-and-digits runs, and them run together (for plates). */
export function queryWords(terms: SearchTerms): { runs: string[]; compact: string }[] {
  return terms.words
    .map((w) => w.match(RUN) ?? [])
    .filter((runs) => runs.length > 0)
    .map((runs) => ({ runs, compact: runs.join('') }));
}

const quoted = (lexeme: string): string => `'${lexeme.replace(/['\\]/g, (c) => c + c)}'`;

/**
 * A lot's facet as a lexeme: `=category:vehicle`, `=province:ha-noi`. A query's lexemes are letters,
 * digits and '#', so no word typed matches one; the catalogue adds them to a search (its category and
 * province filters) so that the GIN index intersects them with the words (lot-search.ts).
 */
export const facetLexeme = (facet: 'category' | 'province', value: string): string => `=${facet}:${value}`;

/**
 * A tsquery literal that also requires these lexemes, and none of those `without` (the query alone when
 * there are none; null for neither).
 */
export function withLexemes(
  query: string | null,
  lexemes: readonly string[],
  without: readonly string[] = [],
): string | null {
  const all = [...(query === null ? [] : [`(${query})`]), ...lexemes.map(quoted)];
  if (!all.length) return null;
  return [...all, ...without.map((l) => `!${quoted(l)}`)].join(' & ');
}

/** A tsvector literal of these lexemes (PostgreSQL's input syntax: quoted, no positions). */
export function tsvectorLiteral(lexemes: readonly string[]): string {
  return lexemes.map(quoted).join(' ');
}

/**
 * A run may be matched as a beginning when it is the query's last and has three characters or more
 * (shorter beginnings, "s", "so", begin too many words to say anything, and cost the index a list
 * of every lot holding any of them).
 */
const unfinished = (run: string, last: boolean): boolean => last && [...run].length >= BEGINNING_MIN;

/**
 * Whether a word's letters and digits, run together, may occur in a plate (PLATE): two characters or
 * more, and never three letters in a row (a series has one or two). "bien" never does, so a query
 * does not also look for it among the plates' runs.
 */
const inPlate = (compact: string): boolean => [...compact].length >= 2 && !/\p{L}{3}/u.test(compact);

/** An unfinished run as a tsquery: the whole word, or a longer word it begins. */
const beginningQuery = (run: string): string => `(${quoted(run)} | ${quoted(beginningLexeme(run))})`;

/**
 * The query as a tsquery literal (see above): for each word, its runs as words (the last run of the
 * last word as a beginning, `:*`), or its runs together as a plate lexeme; or the whole query's
 * letters and digits so. Null when the query holds no letter or digit (it then matches
 * no lot).
 */
export function tsqueryLiteral(terms: SearchTerms): string | null {
  const words = queryWords(terms);
  const parts = words.flatMap(({ runs, compact }, w) => {
    const last = (i: number): boolean => unfinished(runs[i], w === words.length - 1 && i === runs.length - 1);
    const asWords = runs.map((r, i) => (last(i) ? beginningQuery(r) : quoted(r))).join(' & ');
    const options = [runs.length > 1 ? `(${asWords})` : asWords];
    if (inPlate(compact)) options.push(quoted(`#${compact}`));
    return [options.length > 1 ? `(${options.join(' | ')})` : options[0]];
  });
  if (!parts.length) return null;
  const all = parts.join(' & ');
  return /\p{N}/u.test(terms.compact) && words.length > 1 ? `(${all}) | ${quoted(`#${terms.compact}`)}` : all;
}

/** Whether lexemes (searchLexemes) match a query, exactly as the catalogue query decides it in the database. */
export function matchesLexemes(lexemes: readonly string[], terms: SearchTerms): boolean {
  const words = queryWords(terms);
  if (!words.length) return false;
  const set = new Set(lexemes);
  const begins = (prefix: string): boolean => lexemes.some((l) => l.startsWith(prefix));
  const each = words.every(
    ({ runs, compact }, w) =>
      runs.every((r, i) => (unfinished(r, w === words.length - 1 && i === runs.length - 1) ? begins(r) : set.has(r))) ||
      (inPlate(compact) && set.has(`#${compact}`)),
  );
  return each || (/\p{N}/u.test(terms.compact) && words.length > 1 && set.has(`#${terms.compact}`));
}

/** Whether a text (its lines joined as a title's) matches a query, as the catalogue query decides it. */
export function matchesTerms(text: string, terms: SearchTerms): boolean {
  return matchesLexemes(searchLexemes(text), terms);
}
