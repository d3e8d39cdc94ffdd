// The manager console's start: the lots this manager runs, drafts included.
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireRole } from '#lib/guards.ts';

export const load: PageServerLoad = async (event) => {
  requireRole(event.locals, event.url, 'manager');
  const res = await serverApi(event).get((api) =>
    api.GET('/lots', { params: { query: { mine: 'true', limit: 100 } } }),
  );
  return { lots: res.ok ? res.data.items : [], unavailable: !res.ok };
};
