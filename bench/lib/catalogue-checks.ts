// What the catalogue benchmark checks of every answer (issue 21): each lot matches the words (by the
// platform's own definition, server/shared/search-text.ts) and every filter, the page is in the
// order asked, and an exact total agrees with what a short answer holds. And a plan's summary: the
// scans and sorts of EXPLAIN, with the index each scan read.
import type { PlanNode } from '../../server/auctions/lot-search.ts';
import { provinceName } from '../../server/auctions/provinces.ts';
import { matchesLexemes, searchLexemes, searchTerms } from '../../server/shared/search-text.ts';
import type { Params } from './catalogue-queries.ts';

export interface ListedLot {
  id: number;
  title: string;
  description: string;
  category: string;
  province: string | null;
  status: string;
  startsAt: string;
  endsAt: string;
  startingPrice: number;
  currentPrice: number | null;
  finalPrice: number | null;
}

export interface ListAnswer {
  items: ListedLot[];
  total: number;
  totalExact: boolean;
  nextCursor: string | null;
  nextOffset: number | null;
  /** Milliseconds to the answer's last byte (the bench's own). */
  ms?: number;
}

const OPEN = ['scheduled', 'live'];

/** The problems with one page (1: the first) of an answer to `params` (none: it is right). */
export function checkAnswer(params: Params, a: ListAnswer, now: number, page = 1): string[] {
  const problems: string[] = [];
  const terms = params.q ? searchTerms(params.q) : undefined;
  for (const lot of a.items) {
    const say = (what: string): void => void problems.push(`lot ${lot.id} ${what}`);
    if (terms) {
      const lexemes = searchLexemes(`${lot.title}\n${provinceName(lot.province) ?? ''}`, lot.description);
      if (!matchesLexemes(lexemes, terms)) say(`does not match ${JSON.stringify(params.q)}: ${lot.title}`);
    }
    if (params.status && lot.status !== params.status) say(`is ${lot.status}, not ${params.status}`);
    if (params.category && lot.category !== params.category) say(`is in ${lot.category}`);
    if (params.province && lot.province !== params.province) say(`is in ${lot.province}`);
    const starts = Date.parse(lot.startsAt);
    const ends = Date.parse(lot.endsAt);
    if (params.startsFrom && starts < Date.parse(params.startsFrom)) say('starts before startsFrom');
    if (params.startsTo && starts >= Date.parse(params.startsTo)) say('starts at or after startsTo');
    if (params.endsFrom && ends < Date.parse(params.endsFrom)) say('ends before endsFrom');
    if (params.endsTo && ends >= Date.parse(params.endsTo)) say('ends at or after endsTo');
    const price = lot.finalPrice ?? lot.currentPrice ?? lot.startingPrice;
    if (params.maxPrice && price > Number(params.maxPrice)) say(`costs ${price}, over maxPrice`);
  }
  // The order: the key of each lot must not go back.
  const key = (l: ListedLot): number[] => {
    const ends = Date.parse(l.endsAt);
    if (params.sort === 'newest') return [-l.id];
    if (params.sort === 'ending') {
      if (OPEN.includes(l.status) && ends > now) return [0, ends, l.id];
      return [1, -ends, -l.id];
    }
    return OPEN.includes(l.status) ? [0, ends, l.id] : [1, -l.id];
  };
  for (let i = 1; i < a.items.length; i++) {
    const [x, y] = [key(a.items[i - 1]), key(a.items[i])];
    const cmp = x.map((v, j) => v - (y[j] ?? 0)).find((d) => d !== 0) ?? 0;
    if (cmp > 0) problems.push(`lots ${a.items[i - 1].id} and ${a.items[i].id} out of order`);
  }
  if (page === 1 && a.totalExact && !a.nextCursor && a.total !== a.items.length)
    problems.push(`an exact total of ${a.total} on a last first page of ${a.items.length}`);
  // An estimate is never below what this page shows.
  if (!a.totalExact && a.total < a.items.length) problems.push(`an estimated total of ${a.total} under the page`);
  return problems;
}

/** The scans and sorts of plans, in order, each scan with its index: "Index Scan lots_open_ends". */
export function planSummary(statements: { statement: string; plan: PlanNode }[]): string {
  const nodes = (n: PlanNode): string[] => {
    const own = /Scan|Sort|BitmapAnd|BitmapOr/.test(n['Node Type'])
      ? [`${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`]
      : [];
    return [...own, ...(n.Plans ?? []).flatMap(nodes)];
  };
  return statements.map((s) => `${s.statement}: ${nodes(s.plan).join(' > ') || s.plan['Node Type']}`).join('; ');
}
