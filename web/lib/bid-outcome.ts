// What a failed bid request means for the bidder. A definitive refusal (too low, not live, …) leaves no
// trace and needs a new decision. Otherwise the service could not answer (503 UNAVAILABLE, a gateway
// error, an internal error, no answer in time, no connection): the bid is either known not to have been
// placed (the API's reason says so) or its outcome is unknown (the answer was lost). In both cases a
// retry with the same Idempotency-Key is safe: it returns the first outcome if the bid was committed,
// and places it now otherwise; never twice.
import type { ApiError } from './api/types.ts';

export type BidFailure = 'refused' | 'not_placed' | 'unknown';

/** The reasons of a 503 that say the bid was NOT placed (the platform's own refusals, server/bidding/shed-reasons.ts). */
const NOT_PLACED = new Set(['database_unavailable', 'queue_full', 'overloaded', 'timeout']);

/** Classifies a failed bid answer (status 0: no connection or no answer in time). */
export function bidFailure(status: number, error: Pick<ApiError, 'code' | 'reason'>): BidFailure {
  const trouble =
    status === 0 ||
    status === 500 ||
    status === 502 ||
    status === 503 ||
    status === 504 ||
    error.code === 'UNAVAILABLE';
  if (!trouble) return 'refused';
  // Without the server's word (no connection, no answer in time, a gateway's error) the outcome is unknown.
  return error.reason !== undefined && NOT_PLACED.has(error.reason) ? 'not_placed' : 'unknown';
}
