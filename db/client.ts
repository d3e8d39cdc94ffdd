// The database client factory: postgres.js against PostgreSQL when a URL is given, otherwise embedded
// PGlite (on disk in a data directory, or in memory for tests). Both expose the same Drizzle API;
// migrations are the committed drizzle-kit set in db/migrations, applied by `migrate` (followed by the
// conversions SQL cannot do, which the caller passes in: personal data sealed under keys from outside
// the database, server/privacy/conversion.ts). On PostgreSQL
// the schema may belong to a separate owner role (ownerUrl, DATABASE_OWNER_URL): migrations then run
// as that role and grant the app role only what it needs (privileges.ts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';
import { grantAppPrivileges } from './privileges.ts';
import { DatabaseHealth } from '../server/shared/database-health.ts';
import type { Logger } from '../server/shared/log.ts';

export type Schema = typeof schema;
/** Run after the SQL migrations, as the schema's owner (see Database.migrate). */
export type AfterMigrate = (ownerDb: Db) => Promise<unknown>;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle; the same query API as Db. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** A human description for the start-up line, without credentials. */
  description: string;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Applies pending migrations, then `after` with the owner's connection: the data conversions SQL
   * cannot do (the platform passes the sealing of clear personal data, server/privacy/conversion.ts).
   */
  migrate(after?: AfterMigrate): Promise<void>;
  close(): Promise<void>;
  /** Whether the database answers now, as this process last saw it (see server/shared/database-health.ts). */
  health: DatabaseHealth;
  /** The PGlite instance, for snapshotting in tests; absent on PostgreSQL. */
  pglite?: import('@electric-sql/pglite').PGlite;
}

/** The rows of `db.execute(sql...)`: postgres.js returns them as the result, PGlite in `rows`. */
export function resultRows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

export interface DatabaseOptions {
  url?: string;
  /** The schema owner's URL (DATABASE_OWNER_URL): migrations run as that role; the app connects with `url`. */
  ownerUrl?: string;
  /** PGlite data directory; omitted means in memory. */
  dataDir?: string;
  /** A gzipped PGlite data directory snapshot to start from (tests). */
  loadDataDir?: Blob;
  poolSize?: number;
  /** Bounds on PostgreSQL: connecting, one statement, waiting for a lock (milliseconds). */
  timeouts?: Partial<DatabaseTimeouts>;
  /** Where the health monitor logs outages and recoveries (default: nowhere). */
  log?: Logger;
}

export interface DatabaseTimeouts {
  connectMs: number;
  statementMs: number;
  lockMs: number;
  /** A transaction left idle this long (its client gone) is ended by the server, freeing its locks. */
  idleInTransactionMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = {
  connectMs: 2_000,
  statementMs: 5_000,
  lockMs: 2_000,
  idleInTransactionMs: 10_000,
};

/** The driver's pause before reconnecting after `retries` failed attempts: 50 ms doubling, at most 250 ms, with jitter. */
export function reconnectDelaySeconds(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 0.25) * (0.5 + Math.random() / 2);
}

const silent = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options);
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const t = { ...DEFAULT_DATABASE_TIMEOUTS, ...options.timeouts };
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  // Every statement, lock wait and connection attempt is bounded by the server and the driver, so a
  // slow or unreachable database answers with an error (503 to the client) instead of a hang.
  const client = postgres(url, {
    max: options.poolSize ?? 10,
    onnotice: () => {},
    connect_timeout: t.connectMs / 1000,
    idle_timeout: 60,
    connection: {
      statement_timeout: t.statementMs,
      lock_timeout: t.lockMs,
      idle_in_transaction_session_timeout: t.idleInTransactionMs,
    },
    // postgres.js waits before reconnecting, growing with every failed attempt across the pool (its
    // default reaches 20 s after a few seconds of outage, so bidding stayed down long after the
    // database came back). Capped at a quarter second: the health monitor, not the driver, keeps an
    // outage from becoming a connection storm.
    backoff: reconnectDelaySeconds,
  });
  const db = drizzle(client, { schema }) as unknown as Db;
  const u = new URL(url);
  const ping = async (): Promise<void> => void (await db.execute(sql`select 1`));
  const health = new DatabaseHealth({ ping, log: options.log ?? silent });
  return {
    db,
    kind: 'postgres',
    description: `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`,
    ping,
    health,
    // Migrations get a connection of their own without the statement bound: a migration of a large
    // table may rightly take longer than any request should. With an owner URL they run as the owner,
    // which then grants the app role its privileges. Without one, a schema already current is left
    // alone (so an app role without DDL rights starts), and pending migrations run as the app role.
    migrate: async (after) => {
      const [{ appRole }] = resultRows<{ appRole: string }>(await db.execute(sql`select current_user as "appRole"`));
      const ownerUrl = options.ownerUrl ?? url;
      const owner = postgres(ownerUrl, { max: 1, onnotice: () => {}, connect_timeout: t.connectMs / 1000 });
      try {
        const [{ ownerRole }] = await owner<{ ownerRole: string }[]>`select current_user as "ownerRole"`;
        const separate = ownerRole !== appRole;
        const ownerDb = drizzle(owner, { schema }) as unknown as Db;
        if (!separate && (await migrationsPending(owner)) === 0) {
          await after?.(ownerDb);
          return;
        }
        await migrate(drizzle(owner, { schema }), { migrationsFolder: MIGRATIONS_DIR });
        await after?.(ownerDb);
        if (separate) await grantAppPrivileges(owner, appRole);
      } catch (err) {
        if ((err as { code?: string }).code === '42501' && !options.ownerUrl) {
          throw new Error(
            `migrations are pending and DATABASE_URL's role ${appRole} may not apply them (${(err as Error).message}): start once with DATABASE_OWNER_URL, the role that owns the schema`,
            { cause: err },
          );
        }
        throw err;
      } finally {
        await owner.end({ timeout: 5 });
      }
    },
    close: async () => {
      health.close();
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * How many committed migrations the database has not applied (drizzle's own rule: those newer than
 * the last applied one); every one when the journal cannot be read.
 */
async function migrationsPending(client: import('postgres').Sql): Promise<number> {
  const { readMigrationFiles } = await import('drizzle-orm/migrator');
  const files = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR });
  try {
    const [row] = await client<
      { last: string | null }[]
    >`select max(created_at)::text as last from drizzle.__drizzle_migrations`;
    const last = row?.last === null || row?.last === undefined ? -1 : Number(row.last);
    return files.filter((m) => m.folderMillis > last).length;
  } catch {
    return files.length;
  }
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
  const client = await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
  const db = drizzle(client, { schema }) as unknown as Db;
  const ping = async (): Promise<void> => void (await client.query('select 1'));
  const health = new DatabaseHealth({ ping, log: options.log ?? silent });
  return {
    db,
    kind: 'pglite',
    description: options.dataDir ? `embedded PGlite in ${path.resolve(options.dataDir)}` : 'embedded PGlite in memory',
    ping,
    health,
    migrate: async (after) => {
      await migrate(drizzle(client, { schema }), { migrationsFolder: MIGRATIONS_DIR });
      await after?.(db);
    },
    close: async () => {
      health.close();
      await client.close();
    },
    pglite: client,
  };
}
