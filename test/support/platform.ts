// An in-process platform for integration tests: a fresh test database, the loopback e-ID provider,
// real HTTP on a free loopback port, and helpers to call the API as an outside client would.
import { GENEROUS_BOUNDS } from './bounds.ts';
import { loadConfig } from '../../server/config.ts';
import { createPlatform, type Platform } from '../../server/platform.ts';
import { createLogger, type Logger } from '../../server/shared/log.ts';
import type { Clock } from '../../server/shared/clock.ts';
import { openTestDatabase, type TestDatabase } from './db.ts';
import { startTestIdp, type TestIdp } from './eid.ts';
import { caller, type Call } from './http.ts';

export interface TestPlatform {
  platform: Platform;
  database: TestDatabase;
  idp: TestIdp;
  base: string;
  call: Call;
  stop(): Promise<void>;
}

export async function startTestPlatform(
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    pages?: boolean;
    /** An existing database and identity provider (a restart over the same data): left open by stop(). */
    database?: TestDatabase;
    idp?: TestIdp;
    /** The platform's logger (default: silent, or TEST_LOG_LEVEL). */
    log?: Logger;
  } = {},
): Promise<TestPlatform> {
  const idp = options.idp ?? (await startTestIdp());
  const database = options.database ?? (await openTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    AUCTION_MIN_BIDDING_MINUTES: '0',
    CLOSE_POLL_MS: '100',
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    ...GENEROUS_BOUNDS,
    ...idp.env(),
    ...options.env,
  });
  const platform = await createPlatform(config, {
    database,
    clock: options.clock,
    pages: options.pages ?? false,
    log: options.log ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  const port = await platform.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  return {
    platform,
    database,
    idp,
    base,
    call: caller(base),
    async stop() {
      await platform.stop();
      if (!options.database) await database.close();
      if (!options.idp) await idp.close();
    },
  };
}
