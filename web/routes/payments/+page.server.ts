// The money exceptions queue (held credits) and the bank statement import: the auction house's
// managers decide and import; regulators see the queue read-only; admins both.
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireSignedIn } from '#lib/guards.ts';

export const load: PageServerLoad = async (event) => {
  const me = requireSignedIn(event.locals, event.url);
  const overseer = me.roles.includes('regulator') || me.roles.includes('admin');
  if (!me.roles.includes('manager') && !overseer) error(403, 'FORBIDDEN');
  const res = await serverApi(event).get((api) => api.GET('/payments/held'));
  return {
    held: res.ok ? res.data.items : [],
    unavailable: !res.ok,
    canDecide: me.roles.includes('manager') || me.roles.includes('admin'),
  };
};
