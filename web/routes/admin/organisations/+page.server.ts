// The auction organisations (issue 19), for admins: the register, and the form adding one.
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireRole } from '#lib/guards.ts';

export const load: PageServerLoad = async (event) => {
  requireRole(event.locals, event.url, 'admin');
  const res = await serverApi(event).get((api) => api.GET('/organisations'));
  return { organisations: res.ok ? res.data.items : [], unavailable: !res.ok };
};
