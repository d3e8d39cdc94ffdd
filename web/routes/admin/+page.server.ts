// Role administration: who holds which role; grant and revoke.
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireRole } from '#lib/guards.ts';

export type { RoleHolder } from '#lib/api/types.ts';

export const load: PageServerLoad = async (event) => {
  requireRole(event.locals, event.url, 'admin');
  const res = await serverApi(event).get((api) => api.GET('/admin/roles'));
  return { holders: res.ok ? res.data.items : [], unavailable: !res.ok };
};
