// A lot's full record for a regulator: the lot, who each bidder code was, the ledger, the result,
// the bids the platform refused for its own reasons (technical faults), and the signed record downloads
// (JSON, CSV, PDF) once the lot has ended; after the hammer (issue 18) its attendance, the winner's
// signed confirmation and the countersignature, how the award went (its result notices: a refusal, an
// offer to the next bidder, a lapse), and a suspension with its re-run. Reading who the bidders are is
// an audited identity read (issue 20): the purpose the regulator states in the page's form (?purpose=)
// goes with it, and with the record downloads.
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireRole } from '#lib/guards.ts';
import type { BidEntry } from '#lib/api/types.ts';
import { loadShedBids } from '#lib/components/shed-bids.ts';
import { loadAfterClose } from '#lib/components/award/after-close.ts';
import { loadOrganisation } from '#lib/organisations.ts';

export const load: PageServerLoad = async (event) => {
  requireRole(event.locals, event.url, 'regulator');
  const id = Number(event.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) error(404, 'NOT_FOUND');
  const api = serverApi(event);
  const lot = await api.get((c) => c.GET('/lots/{id}', { params: { path: { id } } }));
  if (!lot.ok) error(lot.status === 404 || lot.status === 422 ? 404 : 503, lot.error.message);
  // Read alongside the ledger; its failure never ends the page ("not available right now" in its panel).
  const shedPromise = loadShedBids(api, id);
  const afterClosePromise = loadAfterClose(api, lot.data);
  const organisationPromise = loadOrganisation(api, lot.data.organisationId);
  const entries: BidEntry[] = [];
  for (let after = 0; entries.length < 10_000;) {
    const page = await api.get((c) =>
      c.GET('/lots/{id}/bids', { params: { path: { id }, query: { after, limit: 1000 } } }),
    );
    if (!page.ok || !page.data.items.length) break;
    entries.push(...page.data.items);
    after = page.data.items[page.data.items.length - 1].seq;
  }
  const stated = event.url.searchParams.get('purpose')?.trim() ?? '';
  const purpose = stated ? stated : undefined;
  const regs = await api.get((c) =>
    c.GET('/lots/{id}/registrations', { params: { path: { id }, query: purpose ? { purpose } : {} } }),
  );
  const shed = await shedPromise;
  const money = await api.get((c) => c.GET('/lots/{id}/money', { params: { path: { id } } }));
  const afterClose = await afterClosePromise;
  const organisation = await organisationPromise;
  return {
    lot: lot.data,
    entries,
    registrations: regs.ok ? regs.data.items : [],
    purpose: purpose ?? '',
    // A purpose the API refused (10–500 characters, no control characters), or identities past retention.
    purposeRefused: !regs.ok && regs.status === 422,
    identitiesHidden: regs.ok && regs.data.identities === 'hidden',
    ended: lot.data.ended,
    shed,
    money: money.ok ? money.data : null,
    organisation,
    ...afterClose,
  };
};
