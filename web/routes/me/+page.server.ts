// "My auctions": the signed-in person's registrations, bids, wins and deposits.
import type { PageServerLoad } from './$types';
import { serverApi } from '#lib/api/server.ts';
import { requireSignedIn } from '#lib/guards.ts';

export const load: PageServerLoad = async (event) => {
  requireSignedIn(event.locals, event.url);
  const res = await serverApi(event).get((api) => api.GET('/me/registrations'));
  return { items: res.ok ? res.data.items : [], unavailable: !res.ok };
};
