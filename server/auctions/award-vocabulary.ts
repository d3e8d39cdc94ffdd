// The award's vocabulary (DESIGN.md §8), free of database imports so the offline record verifier can
// load it: the legal outcome of a closed lot with a winner, beside its status.
/**
 * Waiting for the winner's confirmation, offered to the next bidder (Art. 51), awarded (the winner
 * signed), failed (no one signed; Art. 52), defaulted (the winner did not pay the balance in time).
 */
export const AWARD_STATES = ['awaiting_confirmation', 'offered_to_next', 'awarded', 'failed', 'defaulted'] as const;
export type AwardState = (typeof AWARD_STATES)[number];
