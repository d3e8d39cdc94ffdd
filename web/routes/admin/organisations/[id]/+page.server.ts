// One auction organisation (issue 19), for admins: its details to edit and its managers.
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireRole } from '#lib/guards.ts';

export const load: PageServerLoad = async (event) => {
  requireRole(event.locals, event.url, 'admin');
  const id = Number(event.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) error(404, 'NOT_FOUND');
  const api = serverApi(event);
  const [org, managers] = await Promise.all([
    api.get((c) => c.GET('/organisations/{id}', { params: { path: { id } } })),
    api.get((c) => c.GET('/organisations/{id}/managers', { params: { path: { id } } })),
  ]);
  if (!org.ok) error(org.status === 404 || org.status === 422 ? 404 : 503, org.error.message);
  return {
    organisation: org.data,
    managers: managers.ok ? managers.data.items : [],
    managersUnavailable: !managers.ok,
  };
};
