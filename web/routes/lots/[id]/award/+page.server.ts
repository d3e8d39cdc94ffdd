// The award after the close, for the bidder it names (issue 18): the winner signs the record or refuses
// the result; the next bidder answers Art. 51's offer, then signs as a winner does. The lot (its award),
// the person's own registration on it (bidder code, deposit, the balance to pay), what the record states
// (its extract, read before signing), the signed
// confirmation once there is one, and the balance's VietQR code drawn here as an SVG.
import QRCode from 'qrcode';
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireSignedIn } from '#lib/guards.ts';
import { jwsPayload, type ConfirmationFact } from '#lib/award.ts';

export const load: PageServerLoad = async (event) => {
  requireSignedIn(event.locals, event.url);
  const id = Number(event.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) error(404, 'NOT_FOUND');
  const api = serverApi(event);
  const [lotRes, mine, demoBank] = await Promise.all([
    api.get((c) => c.GET('/lots/{id}', { params: { path: { id } } })),
    api.get((c) => c.GET('/me/registrations')),
    api.get((c) => c.GET('/demo/bank')),
  ]);
  if (!lotRes.ok)
    error(lotRes.status === 404 || lotRes.status === 422 ? 404 : 503, lotRes.error.message, {
      code: lotRes.error.code,
    });
  const lot = lotRes.data;
  const registration = (mine.ok ? mine.data.items.find((r) => r.lotId === id) : undefined) ?? null;
  // The signed confirmation (for a registrant of the lot), once the record is signed.
  let confirmation: ConfirmationFact | null = null;
  if (registration && (lot.award?.state === 'awarded' || lot.award?.state === 'defaulted')) {
    const doc = await api.get((c) => c.GET('/lots/{id}/confirmation', { params: { path: { id } } }));
    if (doc.ok) confirmation = jwsPayload<ConfirmationFact>(doc.data);
  }
  // What the record states, for a registrant to read before signing it (and after).
  const extractRes =
    registration && lot.award
      ? await api.get((c) => c.GET('/lots/{id}/record/extract', { params: { path: { id } } }))
      : null;
  const extract = extractRes?.ok ? extractRes.data : null;
  const balance = registration?.balance;
  const qr =
    balance && (balance.state === 'pending' || balance.state === 'partial')
      ? await QRCode.toString(balance.qr, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })
      : null;
  return { lot, registration, confirmation, extract, qr, demoBank: demoBank.ok, unavailable: !mine.ok };
};
