// Live supervision (issue 20): the lots bidding now within the regulator's scope (every lot for admins
// and regulators of the whole country), with their open anomaly signals. No identities here.
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireSignedIn } from '#lib/guards.ts';

export const load: PageServerLoad = async (event) => {
  const me = requireSignedIn(event.locals, event.url);
  if (!me.roles.includes('regulator') && !me.roles.includes('admin')) error(403, 'FORBIDDEN');
  const lots = await serverApi(event).get((c) => c.GET('/supervision/lots'));
  if (!lots.ok) error(lots.status === 403 ? 403 : 503, lots.error.message);
  return { lots: lots.data.items };
};
