// The records domain's wiring: loads (or creates) the record-signing key at start, so a bad
// RECORD_SIGNING_KEY stops the process at once, and returns the router mounted under /api.
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import { exportRoutes } from './export-routes.ts';
import { recordRoutes } from './routes.ts';
import { createRecordService, type RecordService } from './service.ts';
import { loadSigningKey } from './signing-keys.ts';
import { VerifyPool } from './verify-pool.ts';

export interface Records {
  path: string;
  app: ApiApp;
  service: RecordService;
  /** Stops the verification workers. */
  close(): Promise<void>;
}

export async function createRecords(ctx: AppContext): Promise<Records> {
  const key = await loadSigningKey(ctx.db, ctx.config.recordSigningKey, ctx.clock.now());
  const service = createRecordService(ctx, key);
  const pool = new VerifyPool();
  const app = recordRoutes(service, pool);
  app.route('/', exportRoutes(ctx, key));
  ctx.log.info({ kid: key.kid, alg: key.alg }, 'record-signing key loaded');
  return { path: '/', app, service, close: () => pool.close() };
}
