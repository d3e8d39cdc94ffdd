// The regulator's exports: the period's lot records and audit log, downloaded from the API by the
// page itself (GET /api/records/lots and /api/records/audit, the regulator's own session).
import type { PageServerLoad } from './$types';
import { requireRole } from '#lib/guards.ts';

export const load: PageServerLoad = (event) => {
  requireRole(event.locals, event.url, 'regulator');
  return {};
};
