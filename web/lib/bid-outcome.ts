// What a failed bid request means for the bidder. A definitive refusal (too low, not live, …) leaves no
// trace and needs a new decision. Otherwise the service could not answer (503 UNAVAILABLE, a gateway
// error, an internal error, no answer in time, no connection): the bid is either known not to have been
// placed (the API says so) or its outcome is unknown (the answer was lost). In both cases a retry with
// the same Idempotency-Key is safe: it returns the first outcome if the bid was committed, and places
// it now otherwise; never twice.
import type { ApiError } from './api/types.ts';

export type BidFailure = 'refused' | 'not_placed' | 'unknown';

/** Messages that leave the outcome open ("may have been placed"). */
const OPEN = /\bmay (or may not )?have been\b|\bunknown\b|\bnot known\b|\buncertain\b|\bcould not (be )?confirm/i;
/** Messages that say the bid was not placed. */
const NOT_PLACED = /\b(was|has|is|were) (not|never) (been )?(placed|accepted|recorded|stored|committed)\b|\bnot placed\b|\bnothing was (placed|stored|recorded)\b/i;

/** Classifies a failed bid answer (status 0: no connection or no answer in time). */
export function bidFailure(status: number, error: ApiError & { placed?: unknown }): BidFailure {
  const trouble = status === 0 || status === 500 || status === 502 || status === 503 || status === 504 || error.code === 'UNAVAILABLE';
  if (!trouble) return 'refused';
  if (status === 0) return 'unknown';
  if (error.placed === false) return 'not_placed';
  if (OPEN.test(error.message)) return 'unknown';
  return NOT_PLACED.test(error.message) ? 'not_placed' : 'unknown';
}
