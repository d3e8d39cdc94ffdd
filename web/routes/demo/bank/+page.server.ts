// The demo bank (demo mode only): pay a payment instruction as if by bank transfer. Outside the demo
// the API answers 404 demo_only, and so does this page.
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireSignedIn } from '#lib/guards.ts';

export const load: PageServerLoad = async (event) => {
  requireSignedIn(event.locals, event.url);
  const bank = await serverApi(event).get((api) => api.GET('/demo/bank'));
  if (!bank.ok) error(bank.status === 404 ? 404 : 503, bank.error.message);
  const amount = Number(event.url.searchParams.get('amount') ?? '');
  return {
    account: bank.data.account,
    reference: (event.url.searchParams.get('reference') ?? '').slice(0, 200),
    amount: Number.isSafeInteger(amount) && amount > 0 ? amount : null,
  };
};
