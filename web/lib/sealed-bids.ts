// The caller's own sealed bids on a lot (GET /api/lots/:id/sealed-bids/mine), for the sealed-bid form
// and the reveal's check. Only their bidder ever gets a sealed bid's amount before the reveal.
import { api, call } from './api/client.ts';
import type { SealedBid } from './api/types.ts';

/**
 * The caller's live sealed bids on the lot, oldest first (`onBehalfOf`: those of the organisation's
 * registration they act for, issue 19); undefined when they could not be read.
 */
export async function mySealedBids(lotId: number, onBehalfOf?: string): Promise<SealedBid[] | undefined> {
  const res = await call(
    (signal) =>
      api.GET('/lots/{id}/sealed-bids/mine', {
        params: { path: { id: lotId }, ...(onBehalfOf === undefined ? {} : { query: { onBehalfOf } }) },
        signal,
      }),
    { timeoutMs: 8_000 },
  );
  if (res.ok) return res.data.items;
  return res.status === 404 ? [] : undefined;
}

/** The bid of `round` (the latest, should there be more than one). */
export function bidOfRound(bids: SealedBid[], round: number): SealedBid | undefined {
  return bids.filter((b) => b.round === round).at(-1);
}
