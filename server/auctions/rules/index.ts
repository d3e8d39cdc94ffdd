// The auction's rules, each written once (README, Architecture): lot statuses and their transitions
// (status.ts), bidding (bidding.ts), withdrawals (withdrawal.ts) and the close (closing.ts); the
// other methods' schedules and outcomes (descending.ts, rounds.ts, sealed.ts: issue 16); the award
// after the close (award.ts: issue 18's groundwork); a technical suspension and its re-run
// (suspension.ts: issue 18). Pure
// functions and constants, no I/O: the batch writers, the read model, the scheduler, the realtime
// layer and the records call them.
export * from './status.ts';
export * from './bidding.ts';
export * from './withdrawal.ts';
export * from './closing.ts';
export * from './registration.ts';
export * from './descending.ts';
export * from './rounds.ts';
export * from './sealed.ts';
export * from './methods.ts';
export * from './award.ts';
export * from './suspension.ts';
