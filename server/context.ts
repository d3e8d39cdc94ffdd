// The dependencies every domain module receives: configuration, database, clock, logger and the
// post-commit event bus. Built once in server/platform.ts; tests build their own.
import type { Config } from './config.ts';
import type { Database, Db } from '../db/client.ts';
import type { Clock } from './shared/clock.ts';
import type { Logger } from './shared/log.ts';
import type { DomainEvents } from './shared/events.ts';

export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  clock: Clock;
  log: Logger;
  events: DomainEvents;
}
