// "Who viewed my data" (issue 20): the signed-in person's identity reads by staff, newest first, a
// page at a time (?cursor= the previous page's last entry).
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireSignedIn } from '#lib/guards.ts';

const PAGE = 50;

export const load: PageServerLoad = async (event) => {
  requireSignedIn(event.locals, event.url);
  const raw = event.url.searchParams.get('cursor');
  const cursor = raw && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
  const res = await serverApi(event).get((c) =>
    c.GET('/me/data-views', { params: { query: { limit: PAGE, ...(cursor ? { cursor } : {}) } } }),
  );
  return {
    items: res.ok ? res.data.items : [],
    nextCursor: res.ok ? res.data.nextCursor : null,
    paged: cursor !== undefined,
    unavailable: !res.ok,
  };
};
