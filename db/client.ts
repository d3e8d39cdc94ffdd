// The database client factory: postgres.js against PostgreSQL when a URL is given, otherwise embedded
// PGlite (on disk in a data directory, or in memory for tests). Both expose the same Drizzle API;
// migrations are the committed drizzle-kit set in db/migrations, applied by `migrate`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';

export type Schema = typeof schema;
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
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** The PGlite instance, for snapshotting in tests; absent on PostgreSQL. */
  pglite?: import('@electric-sql/pglite').PGlite;
}

/** The rows of `db.execute(sql...)`: postgres.js returns them as the result, PGlite in `rows`. */
export function resultRows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

export interface DatabaseOptions {
  url?: string;
  /** PGlite data directory; omitted means in memory. */
  dataDir?: string;
  /** A gzipped PGlite data directory snapshot to start from (tests). */
  loadDataDir?: Blob;
  poolSize?: number;
}

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 10) : openPglite(options);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, { max: poolSize, onnotice: () => {}, connect_timeout: 10, idle_timeout: 60 });
  const db = drizzle(client, { schema }) as unknown as Db;
  const u = new URL(url);
  return {
    db,
    kind: 'postgres',
    description: `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`,
    ping: async () => void (await db.execute(sql`select 1`)),
    migrate: () => migrate(drizzle(client, { schema }), { migrationsFolder: MIGRATIONS_DIR }),
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
  const client = await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    description: options.dataDir ? `embedded PGlite in ${path.resolve(options.dataDir)}` : 'embedded PGlite in memory',
    ping: async () => void (await client.query('select 1')),
    migrate: () => migrate(drizzle(client, { schema }), { migrationsFolder: MIGRATIONS_DIR }),
    close: () => client.close(),
    pglite: client,
  };
}
