// A lot, server-rendered with its current price and its ledger so far; the page then goes live.
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import type { BidEntry, Registration } from '#lib/api/types.ts';
import { loadOrganisation } from '#lib/organisations.ts';
import { primaryRegistration } from '#lib/bid-target.ts';

/** Enough history for the chart; the live connection fills in anything newer. */
const MAX_ENTRIES = 2000;

export const load: PageServerLoad = async (event) => {
  const id = Number(event.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) error(404, 'NOT_FOUND');
  const api = serverApi(event);
  const lotRes = await api.get((c) => c.GET('/lots/{id}', { params: { path: { id } } }));
  if (!lotRes.ok)
    error(lotRes.status === 404 || lotRes.status === 422 ? 404 : 503, lotRes.error.message, {
      code: lotRes.error.code,
    });
  // The auction organisation running the lot (issue 19), read alongside the ledger.
  const organisationPromise = loadOrganisation(api, lotRes.data.organisationId);
  const entries: BidEntry[] = [];
  for (let after = 0; entries.length < MAX_ENTRIES;) {
    const page = await api.get((c) => c.GET('/lots/{id}/bids', { params: { path: { id }, query: { after } } }));
    if (!page.ok || page.data.items.length === 0) break;
    entries.push(...page.data.items);
    after = page.data.items[page.data.items.length - 1].seq;
    if (after >= lotRes.data.seq) break;
  }
  /**
   * The person's registrations on this lot: their own and (issue 19) organisations' they registered or
   * act for by their e-ID. `registration` is the one the lot's other panels and results speak of.
   */
  let registrations: Registration[] = [];
  /** The server's account of this bidder's registrations: bids of theirs stand in the ledger, and another leads. */
  let outbid = false;
  if (event.locals.me) {
    const mine = await api.get((c) => c.GET('/me/registrations'));
    if (mine.ok) {
      const here = mine.data.items.filter((x) => x.lotId === id);
      outbid = here.some((r) => r.bids.some((b) => b.status === 'accepted')) && !here.some((r) => r.leading);
      registrations = here
        .map((r) => ({
          id: r.id,
          lotId: r.lotId,
          bidderCode: r.bidderCode,
          status: r.status,
          depositState: r.depositState,
          rulesVersion: r.rulesVersion,
          rulesAcceptedAt: r.rulesAcceptedAt,
          ...(r.onBehalfOf ? { onBehalfOf: r.onBehalfOf } : {}),
        }))
        .sort((a, b) => a.id - b.id);
    }
  }
  // The lot's public result notices (issue 18), once it has ended; their absence never ends the page.
  const notices = lotRes.data.ended
    ? await api.tryGet((c) => c.GET('/results/{lotId}', { params: { path: { lotId: id } } }))
    : null;
  return {
    lot: lotRes.data,
    entries,
    registrations,
    registration: primaryRegistration(registrations),
    outbid,
    notices: notices?.ok ? notices.data.notices : [],
    organisation: await organisationPromise,
  };
};
