// "My auctions": the signed-in person's registrations, bids, wins and deposits, with what is still to
// pay (the deposit, the winner's balance) and its VietQR code drawn here, on the server, as an SVG;
// and what awaits them after a close (issue 18): the record to sign, Art. 51's offer to answer, read
// from the lot's own `award` (whom it names and until when) for each registration the award concerns.
import QRCode from 'qrcode';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireSignedIn } from '#lib/guards.ts';
import type { Lot, Payment } from '#lib/api/types.ts';
import { awardRole } from '#lib/award.ts';

/** How many of the person's most recent awards are read from their lots. */
const AWARD_LOTS = 20;

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
  // The award of each recent lot whose award concerns this person: what it asks of them, if anything.
  const closed = items.filter((r) => r.award !== null).slice(0, AWARD_LOTS);
  const lots = await Promise.all(
    closed.map((r) => api.tryGet((c) => c.GET('/lots/{id}', { params: { path: { id: r.lotId } } }))),
  );
  const tasks: { lotId: number; title: string; role: 'sign' | 'offer' | 'signed'; award: NonNullable<Lot['award']> }[] =
    [];
  lots.forEach((res, i) => {
    if (!res.ok || !res.data.award) return;
    const role = awardRole(res.data, closed[i].bidderCode);
    // A signed record is still something to do while its balance is owed.
    if (role === 'sign' || role === 'offer' || (role === 'signed' && owed(closed[i].balance)))
      tasks.push({ lotId: res.data.id, title: res.data.title, role, award: res.data.award });
  });
  return { items, qr, demoBank, unavailable: !res.ok, tasks };
};
