// The catalogue: every published lot, grouped into live, upcoming and finished, with search, filters
// and order from the query string (a plain GET form, so it works without JavaScript). The API does
// the searching (without diacritics, plates in any format); one request per status keeps each group
// complete. Prices are read as people type them ("500tr", "1,5 tỷ"); one that cannot be read is
// shown back with its reason and not applied.
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import type { Lot, LotStatus } from '#lib/api/types.ts';
import {
  CATALOGUE_SORTS,
  CATEGORIES,
  ENDED_STATUSES,
  PROVINCE_IDS,
  type CatalogueSort,
  type ProvinceId,
} from '#lib/lots.ts';
import { readMoney, type MoneyReading } from '#lib/money.ts';

const GROUPS = {
  live: ['live'],
  upcoming: ['scheduled'],
  finished: ENDED_STATUSES,
} as const satisfies Record<string, readonly LotStatus[]>;
export type Group = keyof typeof GROUPS;

/** A price bound as typed, and what it says: an amount, or why it is not one (`order`: below the lower bound). */
export interface PriceBound {
  text: string;
  value: number | null;
  problem: Exclude<MoneyReading['kind'], 'amount' | 'empty'> | 'order' | null;
}

function priceBound(text: string): PriceBound {
  const reading = readMoney(text);
  if (reading.kind === 'amount') return { text, value: reading.value, problem: null };
  return { text, value: null, problem: reading.kind === 'empty' ? null : reading.kind };
}

export const load: PageServerLoad = async (event) => {
  const params = event.url.searchParams;
  const q = (params.get('q') ?? '').trim().slice(0, 100);
  const groupParam = params.get('status') ?? '';
  const categoryParam = params.get('category') ?? '';
  const provinceParam = params.get('province') ?? '';
  const sortParam = params.get('sort') ?? '';
  const group = groupParam in GROUPS ? (groupParam as Group) : null;
  const category = (CATEGORIES as readonly string[]).includes(categoryParam) ? categoryParam : '';
  const province = (PROVINCE_IDS as readonly string[]).includes(provinceParam) ? (provinceParam as ProvinceId) : '';
  const sort = (CATALOGUE_SORTS as readonly string[]).includes(sortParam) ? (sortParam as CatalogueSort) : '';
  const minPrice = priceBound((params.get('minPrice') ?? '').slice(0, 100));
  const maxPrice = priceBound((params.get('maxPrice') ?? '').slice(0, 100));
  if (minPrice.value !== null && maxPrice.value !== null && maxPrice.value < minPrice.value)
    Object.assign(maxPrice, { value: null, problem: 'order' });

  const api = serverApi(event);
  const query = (status: LotStatus) => ({
    status,
    limit: 100,
    ...(q ? { q } : {}),
    ...(category ? { category } : {}),
    ...(province ? { province } : {}),
    ...(minPrice.value !== null ? { minPrice: String(minPrice.value) } : {}),
    ...(maxPrice.value !== null ? { maxPrice: String(maxPrice.value) } : {}),
    ...(sort ? { sort } : {}),
  });
  let unavailable = false;
  const fetchGroup = async (g: Group): Promise<Lot[]> => {
    if (group && group !== g) return [];
    const answers = await Promise.all(
      GROUPS[g].map((s) => api.get((c) => c.GET('/lots', { params: { query: query(s) } }))),
    );
    if (answers.some((a) => !a.ok)) unavailable = true;
    return answers.flatMap((a) => (a.ok ? a.data.items : []));
  };
  const [live, upcoming, finished] = await Promise.all([
    fetchGroup('live'),
    fetchGroup('upcoming'),
    fetchGroup('finished'),
  ]);
  const at = (s: string): number => Date.parse(s);
  // The finished group merges three answers, so it is ordered here in every case; the others keep
  // the API's order when one was asked for.
  const ordered = (lots: Lot[], byDefault: (a: Lot, b: Lot) => number): Lot[] => (sort ? lots : lots.sort(byDefault));
  const finishedOrder =
    sort === 'newest' ? (a: Lot, b: Lot) => b.id - a.id : (a: Lot, b: Lot) => at(b.endsAt) - at(a.endsAt);
  return {
    unavailable,
    q,
    group,
    category,
    province,
    sort,
    minPrice,
    maxPrice,
    groups: {
      live: ordered(live, (a, b) => at(a.endsAt) - at(b.endsAt)),
      upcoming: ordered(upcoming, (a, b) => at(a.startsAt) - at(b.startsAt)),
      finished: finished.sort(finishedOrder).slice(0, 24),
    },
  };
};
