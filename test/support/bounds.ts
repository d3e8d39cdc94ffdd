/**
 * Bounds for functional tests: a test machine shares two cores between test files, and a first
 * commit on a cold PGlite can take seconds there, so the production defaults (2 s per bid, shedding
 * at 200 ms of event-loop delay) would refuse bids that a test is about. Tests of the bounds
 * themselves (test/faults) set the production values explicitly.
 */
export const GENEROUS_BOUNDS: Record<string, string> = {
  BID_TIMEOUT_MS: '15000',
  REQUEST_TIMEOUT_MS: '30000',
  OVERLOAD_LAG_MS: '10000',
};

/** The production defaults, spelled out for tests of the bounds. */
export const PRODUCTION_BOUNDS: Record<string, string> = {
  BID_TIMEOUT_MS: '2000',
  REQUEST_TIMEOUT_MS: '5000',
  OVERLOAD_LAG_MS: '200',
};
