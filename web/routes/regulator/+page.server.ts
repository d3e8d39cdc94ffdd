// The regulator's search: lots by status and period (the bidding window overlapping the period),
// and by words in the title or description.
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireRole } from '#lib/guards.ts';
import { LOT_STATUSES } from '#lib/lots.ts';
import type { LotStatus } from '#lib/api/types.ts';

const STATUSES: readonly LotStatus[] = LOT_STATUSES;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const load: PageServerLoad = async (event) => {
  requireRole(event.locals, event.url, 'regulator');
  const p = event.url.searchParams;
  const status = STATUSES.includes(p.get('status') as LotStatus) ? (p.get('status') as LotStatus) : '';
  const from = DAY.test(p.get('from') ?? '') ? p.get('from')! : '';
  const to = DAY.test(p.get('to') ?? '') ? p.get('to')! : '';
  const q = (p.get('q') ?? '').trim().slice(0, 100);
  const api = serverApi(event);
  const statuses = status ? [status] : STATUSES;
  const answers = await Promise.all(
    statuses.map((s) => {
      const query = { status: s, limit: 100, ...(q ? { q } : {}) };
      return api.get((c) => c.GET('/lots', { params: { query } }));
    }),
  );
  // Days are Vietnam days (UTC+7).
  const fromMs = from ? Date.parse(`${from}T00:00:00+07:00`) : -Infinity;
  const toMs = to ? Date.parse(`${to}T23:59:59.999+07:00`) : Infinity;
  const seen = new Set<number>();
  const lots = answers
    .flatMap((a) => (a.ok ? a.data.items : []))
    .filter(
      (l) => !seen.has(l.id) && seen.add(l.id) && Date.parse(l.endsAt) >= fromMs && Date.parse(l.startsAt) <= toMs,
    )
    .sort((a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt));
  return { lots, status, from, to, q, unavailable: answers.some((a) => !a.ok) };
};
