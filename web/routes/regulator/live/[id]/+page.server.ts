// One lot under live supervision (issue 20). Without `?purpose=` the page asks why identities are to be
// viewed; with one it reads the live view, which the API audits with that purpose (an identity read),
// and the page then polls the updates (bidder codes only, not an identity read).
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireSignedIn } from '#lib/guards.ts';

export const load: PageServerLoad = async (event) => {
  const me = requireSignedIn(event.locals, event.url);
  if (!me.roles.includes('regulator') && !me.roles.includes('admin')) error(403, 'FORBIDDEN');
  const id = Number(event.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) error(404, 'NOT_FOUND');
  const purpose = (event.url.searchParams.get('purpose') ?? '').trim();
  if (!purpose) return { id, purpose: '', view: null, problem: null };
  const view = await serverApi(event).get((c) =>
    c.GET('/supervision/lots/{id}', { params: { path: { id }, query: { purpose } } }),
  );
  if (view.ok) return { id, purpose, view: view.data, problem: null };
  if (view.status === 422) return { id, purpose, view: null, problem: view.error };
  error(view.status === 404 ? 404 : view.status === 403 ? 403 : view.status === 409 ? 409 : 503, view.error.message);
};
