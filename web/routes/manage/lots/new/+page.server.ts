// A new lot, in one of the auction organisations this manager manages (issue 19).
import type { PageServerLoad } from './$types';
import { requireRole } from '#lib/guards.ts';

export const load: PageServerLoad = (event) => {
  const me = requireRole(event.locals, event.url, 'manager');
  return { organisations: me.organisations.map((o) => ({ id: o.id, name: o.name })) };
};
