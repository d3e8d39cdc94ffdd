// Role administration: who holds which role; grant and revoke.
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireRole } from '#lib/guards.ts';
import type { Role } from '#lib/api/types.ts';

export interface RoleHolder {
  pid: string;
  name: string | null;
  level: number;
  roles: Role[];
  grants: { role: Role; grantedBy: string | null; grantedAt: string }[];
}

export const load: PageServerLoad = async (event) => {
  requireRole(event.locals, event.url, 'admin');
  const res = await serverApi(event).get<{ items: RoleHolder[] }>('/api/admin/roles');
  return { holders: res.ok ? res.data.items : [], unavailable: !res.ok };
};
