// The catalogue: every published lot, grouped into live, upcoming and finished, with search and
// filters from the query string (a plain GET form, so it works without JavaScript). The API does the
// searching; one request per status keeps each group complete.
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import type { Lot, LotStatus } from '#lib/api/types.ts';
import { CATEGORIES } from '#lib/lots.ts';

const GROUPS = { live: ['live'], upcoming: ['scheduled'], finished: ['closed', 'failed', 'cancelled'] } as const satisfies Record<string, LotStatus[]>;
export type Group = keyof typeof GROUPS;

export const load: PageServerLoad = async (event) => {
  const q = (event.url.searchParams.get('q') ?? '').trim().slice(0, 100);
  const groupParam = event.url.searchParams.get('status') ?? '';
  const categoryParam = event.url.searchParams.get('category') ?? '';
  const group = groupParam in GROUPS ? (groupParam as Group) : null;
  const category = (CATEGORIES as readonly string[]).includes(categoryParam) ? categoryParam : '';
  const api = serverApi(event);
  const query = (status: LotStatus): string => {
    const p = new URLSearchParams({ status, limit: '100' });
    if (q) p.set('q', q);
    if (category) p.set('category', category);
    return `/api/lots?${p}`;
  };
  let unavailable = false;
  const fetchGroup = async (g: Group): Promise<Lot[]> => {
    if (group && group !== g) return [];
    const answers = await Promise.all(GROUPS[g].map((s) => api.get<{ items: Lot[] }>(query(s))));
    if (answers.some((a) => !a.ok)) unavailable = true;
    return answers.flatMap((a) => (a.ok ? a.data.items : []));
  };
  const [live, upcoming, finished] = await Promise.all([fetchGroup('live'), fetchGroup('upcoming'), fetchGroup('finished')]);
  const at = (s: string): number => Date.parse(s);
  return {
    unavailable,
    q,
    group,
    category,
    groups: {
      live: live.sort((a, b) => at(a.endsAt) - at(b.endsAt)),
      upcoming: upcoming.sort((a, b) => at(a.startsAt) - at(b.startsAt)),
      finished: finished.sort((a, b) => at(b.endsAt) - at(a.endsAt)).slice(0, 24),
    },
  };
};
