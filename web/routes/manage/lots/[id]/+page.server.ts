// One lot in the manager console: its terms, photos, registrations, live state, result and technical
// faults (bids the platform refused for its own reasons); after the hammer (issue 18) its award with
// the signed confirmation and countersignature, the published result notices, and its attendance; the
// relatedness flags of its registrations (issue 19).
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireRole } from '#lib/guards.ts';
import { loadShedBids } from '#lib/components/shed-bids.ts';
import { loadAfterClose } from '#lib/components/award/after-close.ts';
import { loadOrganisation } from '#lib/organisations.ts';

export type { LotImage } from '#lib/api/types.ts';

export const load: PageServerLoad = async (event) => {
  requireRole(event.locals, event.url, 'manager');
  const id = Number(event.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) error(404, 'NOT_FOUND');
  const api = serverApi(event);
  const lot = await api.get((c) => c.GET('/lots/{id}', { params: { path: { id } } }));
  if (!lot.ok)
    error(lot.status === 404 || lot.status === 422 ? 404 : lot.status === 403 ? 403 : 503, lot.error.message);
  // The shed-bid counts never end the page: "not available right now" in their panel instead.
  const [images, regs, result, bids, shed, money, afterClose, organisation, flags] = await Promise.all([
    api.get((c) => c.GET('/lots/{id}/images', { params: { path: { id } } })),
    api.get((c) => c.GET('/lots/{id}/registrations', { params: { path: { id } } })),
    api.get((c) => c.GET('/lots/{id}/result', { params: { path: { id } } })),
    api.get((c) => c.GET('/lots/{id}/bids', { params: { path: { id }, query: { after: 0, limit: 1000 } } })),
    loadShedBids(api, id),
    api.get((c) => c.GET('/lots/{id}/money', { params: { path: { id } } })),
    loadAfterClose(api, lot.data),
    loadOrganisation(api, lot.data.organisationId),
    // Registrations that look related (issue 19); a draft has none, and their absence never ends the page.
    lot.data.status === 'draft'
      ? null
      : api.tryGet((c) => c.GET('/lots/{id}/registration-flags', { params: { path: { id } } })),
  ]);
  return {
    lot: lot.data,
    images: images.ok ? images.data.items : [],
    registrations: regs.ok ? regs.data.items : [],
    registrationsForbidden: !regs.ok && regs.status === 403,
    result: result.ok ? result.data : null,
    entries: bids.ok ? bids.data.items : [],
    shed,
    money: money.ok ? money.data : null,
    organisation,
    flags: flags?.ok ? flags.data : null,
    ...afterClose,
  };
};
