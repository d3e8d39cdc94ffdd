// The "technical faults" of a lot for its manager and regulators: bids the platform refused with 503 for
// its own reasons (GET /api/lots/:id/shed-bids), read with the other data of the page. A failure of
// this one call never ends the page (it is read with `raw`, which does not mark the API down for the
// request): the panel says "not available right now" instead.
import type { ServerApi } from '../api/server.ts';
import type { ShedBids } from '../api/types.ts';
import type { ShedReason } from '../../../server/bidding/shed-reasons.ts';

export type { ShedReason };

/** In the order the panel lists them (the server's SHED_REASONS). */
export const SHED_REASON_ORDER = [
  'database_unavailable',
  'queue_full',
  'overloaded',
  'timeout',
  'unknown_outcome',
] as const satisfies readonly ShedReason[];

/** GET /api/lots/:id/shed-bids → 200. */
export type { ShedBids };

/** What the panel shows: the counts, "not available right now", or nothing (not this person's lot). */
export type ShedBidsState = { state: 'ok'; data: ShedBids } | { state: 'unavailable' } | { state: 'forbidden' };

function looksLikeShedBids(body: unknown): body is ShedBids {
  const b = body as ShedBids | null;
  return (
    !!b &&
    typeof b.total === 'number' &&
    typeof b.byReason === 'object' &&
    b.byReason !== null &&
    Array.isArray(b.minutes)
  );
}

/** Reads a lot's shed-bid counts, bounded like every call of the page; never throws. */
export async function loadShedBids(api: ServerApi, lotId: number): Promise<ShedBidsState> {
  try {
    const res = await api.raw(`/api/lots/${lotId}/shed-bids`);
    if (res.status === 403) {
      await res.body?.cancel();
      return { state: 'forbidden' };
    }
    if (!res.ok) {
      await res.body?.cancel();
      return { state: 'unavailable' };
    }
    const body: unknown = await res.json();
    return looksLikeShedBids(body) ? { state: 'ok', data: body } : { state: 'unavailable' };
  } catch {
    // Unreachable, no answer within the bound, or a body cut short.
    return { state: 'unavailable' };
  }
}
