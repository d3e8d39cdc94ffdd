// "My auctions": the signed-in person's registrations, bids, wins and deposits, with what is still to
// pay (the deposit, the winner's balance) and its VietQR code drawn here, on the server, as an SVG.
import QRCode from 'qrcode';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireSignedIn } from '#lib/guards.ts';
import type { Payment } from '#lib/api/types.ts';

const owed = (p: Payment | null | undefined): p is Payment => !!p && (p.state === 'pending' || p.state === 'partial');

export const load: PageServerLoad = async (event) => {
  requireSignedIn(event.locals, event.url);
  const api = serverApi(event);
  const res = await api.get((c) => c.GET('/me/registrations'));
  // In the demo, each payment links to the demo bank.
  const demoBank = (await api.get((c) => c.GET('/demo/bank'))).ok;
  const items = res.ok ? res.data.items : [];
  const qr: Record<string, string> = {};
  for (const r of items)
    for (const p of [r.payment, r.balance].filter(owed))
      qr[p.reference] = await QRCode.toString(p.qr, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return { items, qr, demoBank, unavailable: !res.ok };
};
