// Why the platform refused a bid for its own reasons (not the bidder's): kept free of imports, since
// the database schema, the bid engine and the offline record verifier all name them.
export const SHED_REASONS = ['database_unavailable', 'queue_full', 'overloaded', 'timeout', 'unknown_outcome'] as const;
export type ShedReason = (typeof SHED_REASONS)[number];

/** The answers a client gets when its bid is shed; each says whether the bid was placed. */
export const SHED_MESSAGES: Record<ShedReason, string> = {
  database_unavailable: 'The database is unreachable right now; your bid was NOT placed. Try again in a moment.',
  queue_full: 'Too many bids are waiting for this lot right now; your bid was NOT placed. Try again in a moment.',
  overloaded: 'The platform is overloaded right now; your bid was NOT placed. Try again in a moment.',
  timeout: 'Your bid could not be processed in time; it was NOT placed. Try again in a moment.',
  unknown_outcome:
    'The database did not confirm your bid in time, so it may or may not have been placed. Retry with the same Idempotency-Key to learn the outcome (it is never placed twice).',
};
