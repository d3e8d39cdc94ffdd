// The organisation that migration 0013 creates first (issue 19): existing lots and managers moved
// into it, and a fresh database starts with it, so tests that need no second tenant use it.
export const DEFAULT_ORGANISATION_ID = 1;
