// The records domain's wiring: loads the record keys at start (the configured key and retired keys,
// or the demo's generated key), so a bad key stops the process at once, and returns the router
// mounted under /api.
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import { exportRoutes } from './export-routes.ts';
import { recordRoutes } from './routes.ts';
import { createRecordService, type RecordService } from './service.ts';
import { loadRecordKeys, tableKeys } from './signing-keys.ts';
import { VerifyPool } from './verify-pool.ts';

export interface Records {
  path: string;
  app: ApiApp;
  service: RecordService;
  /** Stops the verification workers. */
  close(): Promise<void>;
}

export async function createRecords(ctx: AppContext): Promise<Records> {
  const keys = await loadRecordKeys(ctx.db, ctx.config, ctx.clock.now());
  const { key } = keys;
  if (keys.source === 'configured') {
    // Keys the demo once generated into the database are no longer published: say so, once.
    const published = new Set((await keys.published()).map((k) => k.kid));
    const dropped = (await tableKeys(ctx.db)).filter((k) => !published.has(k.kid)).map((k) => k.kid);
    if (dropped.length)
      ctx.log.warn(
        { kids: dropped },
        'record keys in the database are not published (only the configured and retired keys are): records they signed no longer verify here; list their public JWKs in RECORD_RETIRED_KEYS to keep them verifiable',
      );
  }
  const service = createRecordService(ctx, key, async () => ({ keys: await keys.published() }));
  const pool = new VerifyPool();
  const app = recordRoutes(service, pool);
  app.route('/', exportRoutes(ctx, key));
  ctx.log.info({ kid: key.kid, alg: key.alg, source: keys.source }, 'record-signing key loaded');
  return { path: '/', app, service, close: () => pool.close() };
}
