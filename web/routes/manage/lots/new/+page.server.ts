import type { PageServerLoad } from './$types';
import { requireRole } from '#lib/guards.ts';

export const load: PageServerLoad = (event) => {
  requireRole(event.locals, event.url, 'manager');
  return {};
};
