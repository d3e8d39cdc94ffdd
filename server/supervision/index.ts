// Live supervision (issue 20, item 2): regulators watch live lots with identities shown and get
// anomaly signals with their evidence. This wires its routes and the background flush of the client
// sightings the bid path and the socket gateway note (./client-sightings.ts).
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import { startSightingFlush } from './client-sightings.ts';
import { supervisionRoutes } from './supervision-routes.ts';

export interface Supervision {
  router: { path: string; app: ApiApp };
  /** Writes the sightings still pending (tests call it rather than wait for the timer). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function createSupervision(ctx: AppContext): Supervision {
  const sightings = startSightingFlush(ctx);
  return { router: { path: '/', app: supervisionRoutes(ctx) }, flush: sightings.flush, stop: sightings.stop };
}
