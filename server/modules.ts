// Wires the domain modules (auctions, bidding, records, audit, demo data) into the platform: their
// API routers and their background jobs.
import type { AppContext } from './context.ts';
import { fail } from './shared/errors.ts';
import type { ApiApp } from './http/app.ts';
import type { Identity } from './identity/index.ts';
import type { BidService } from './bidding/types.ts';

export interface DomainModules {
  routers: { path: string; app: ApiApp }[];
  /** The bid path, shared by the HTTP routes and the socket.io gateway. */
  bids: BidService;
  /** Starts background jobs (the closing scheduler, the demo keeper) once the server listens. */
  start(): void;
  stop(): Promise<void>;
}

export async function createDomainModules(_ctx: AppContext, _identity: Identity): Promise<DomainModules> {
  const bids: BidService = { place: async () => fail('UNAVAILABLE', 'Bidding is not wired yet.') };
  return { routers: [], bids, start() {}, stop: async () => {} };
}
