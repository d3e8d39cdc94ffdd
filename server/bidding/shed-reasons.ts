// Why the platform refused a bid for its own reasons (not the bidder's): kept free of imports, since
// the database schema, the bid engine and the offline record verifier all name them.
export const SHED_REASONS = ['database_unavailable', 'queue_full', 'overloaded', 'timeout', 'unknown_outcome'] as const;
export type ShedReason = (typeof SHED_REASONS)[number];
