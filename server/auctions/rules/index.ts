// The auction's rules, each written once (README, Architecture): lot statuses and their transitions
// (status.ts), bidding (bidding.ts), withdrawals (withdrawal.ts) and the close (closing.ts). Pure
// functions and constants, no I/O: the batch writers, the read model, the scheduler, the realtime
// layer and the records call them.
export * from './status.ts';
export * from './bidding.ts';
export * from './withdrawal.ts';
export * from './closing.ts';
export * from './registration.ts';
