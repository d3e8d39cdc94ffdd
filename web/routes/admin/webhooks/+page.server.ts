// Webhooks to external systems (issue 20), for admins: the configured targets and the deliveries,
// failed ones first in attention (?state=failed filters), each with its attempts; a failed one can be
// sent again.
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireRole } from '#lib/guards.ts';

const STATES = ['pending', 'delivered', 'failed'] as const;
type State = (typeof STATES)[number];

export const load: PageServerLoad = async (event) => {
  requireRole(event.locals, event.url, 'admin');
  const asked = event.url.searchParams.get('state');
  const state = (STATES as readonly string[]).includes(asked ?? '') ? (asked as State) : undefined;
  const res = await serverApi(event).get((api) =>
    api.GET('/admin/webhooks', { params: { query: { state, limit: 200 } } }),
  );
  return {
    state: state ?? null,
    targets: res.ok ? res.data.targets : [],
    deliveries: res.ok ? res.data.items : [],
    unavailable: !res.ok,
  };
};
