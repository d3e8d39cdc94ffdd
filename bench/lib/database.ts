// PostgreSQL for the benchmark: the bench's own database (created and dropped), the server-wide
// WAL counters (pg_stat_wal, PostgreSQL 15), and the copy of the platform's lot that baseline (a)
// bids on through raw SQL.
import postgres from 'postgres';

export type Sql = postgres.Sql;

export interface BenchDatabase {
  url: string;
  name: string;
  admin: Sql;
  /** A small pool on the bench database for setup and verification. */
  sql: Sql;
  version: string;
  /** The server's memory settings, as the reports print them ("shared_buffers 6GB, work_mem 4MB, …"). */
  memory: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  return connectBenchDatabase(adminUrl, name, true);
}

/** A bench database an earlier run kept (a scenario's --database): opened, never dropped. */
export async function openBenchDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`--database must name a bench database, not ${name}`);
  return connectBenchDatabase(adminUrl, name, false);
}

/** The admin connection and the bench database's own; `owned`: created now, and dropped by drop(). */
async function connectBenchDatabase(adminUrl: string, name: string, owned: boolean): Promise<BenchDatabase> {
  const admin = postgres(adminUrl, { max: 2, onnotice: () => {}, connect_timeout: 5 });
  const [{ version, memory }] = await admin<{ version: string; memory: string }[]>`
    select current_setting('server_version') as version,
           concat_ws(', ', 'shared_buffers ' || current_setting('shared_buffers'),
                           'work_mem ' || current_setting('work_mem'),
                           'effective_cache_size ' || current_setting('effective_cache_size')) as memory`;
  if (owned) await admin.unsafe(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    url,
    name,
    admin,
    sql,
    version,
    memory,
    drop: async () => {
      await sql.end({ timeout: 5 });
      if (owned) await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

export interface WalSnapshot {
  records: number;
  fpi: number;
  bytes: number;
  writes: number;
  syncs: number;
  /** Committed transactions in the bench database. */
  commits: number;
}

export async function walSnapshot(admin: Sql, database: string): Promise<WalSnapshot> {
  const [w] = await admin<
    { wal_records: string; wal_fpi: string; wal_bytes: string; wal_write: string; wal_sync: string }[]
  >`select wal_records, wal_fpi, wal_bytes, wal_write, wal_sync from pg_stat_wal`;
  const [d] = await admin<
    { xact_commit: string }[]
  >`select xact_commit from pg_stat_database where datname = ${database}`;
  return {
    records: Number(w.wal_records),
    fpi: Number(w.wal_fpi),
    bytes: Number(w.wal_bytes),
    writes: Number(w.wal_write),
    syncs: Number(w.wal_sync),
    commits: Number(d?.xact_commit ?? 0),
  };
}

export function walDelta(a: WalSnapshot, b: WalSnapshot): WalSnapshot {
  return {
    records: b.records - a.records,
    fpi: b.fpi - a.fpi,
    bytes: b.bytes - a.bytes,
    writes: b.writes - a.writes,
    syncs: b.syncs - a.syncs,
    commits: b.commits - a.commits,
  };
}

/**
 * A live lot for baseline (a) with the platform lot's terms and a copy of its registrations (same
 * people, bidder codes and approval states). Returns the new lot id and registration ids by bidder code
 * (the pid columns hold person keys, which the bench does not compute).
 */
export async function copyLotForRawBaseline(
  sql: Sql,
  lotId: number,
): Promise<{ lotId: number; registrationIds: Map<string, number> }> {
  return sql.begin(async (tx) => {
    const [lot] = await tx<{ id: number }[]>`
      insert into lots (organisation_id, title, description, category, status, starting_price, price_step, deposit,
                        registration_opens_at, registration_closes_at, starts_at, ends_at, scheduled_ends_at, rules, manager_pid)
      select organisation_id, 'Baseline (a): raw postgres.js', description, category, 'live', starting_price, price_step,
             deposit, registration_opens_at, registration_closes_at, starts_at, ends_at, scheduled_ends_at, rules, manager_pid
        from lots where id = ${lotId}
      returning id`;
    const regs = await tx<{ id: number; bidder_code: string }[]>`
      insert into registrations (lot_id, pid, bidder_code, status, deposit_state, rules_version, rules_accepted_at, approved_by, approved_at)
      select ${lot.id}, pid, bidder_code, status, deposit_state, rules_version, rules_accepted_at, approved_by, approved_at
        from registrations where lot_id = ${lotId}
      returning id, bidder_code`;
    return { lotId: lot.id, registrationIds: new Map(regs.map((r) => [r.bidder_code, r.id])) };
  });
}

/**
 * The PostgreSQL processes that work for the bench database: its backends and the server's own
 * background processes (WAL writer, checkpointer...), not the backends of other databases.
 */
export async function postgresPids(admin: Sql, database: string): Promise<number[]> {
  const rows = await admin<
    { pid: number }[]
  >`select pid from pg_stat_activity where datname = ${database} or (datname is null and backend_type <> 'client backend')`;
  return rows.map((r) => r.pid);
}

/**
 * Reads a table and its indexes into PostgreSQL's buffers (pg_prewarm, a contrib extension), as far
 * as shared_buffers holds them, as a database in service has its hot tables. Returns what was read,
 * or why nothing was (the extension missing, or not allowed).
 */
export async function prewarm(sql: Sql, table: string): Promise<string> {
  try {
    await sql`create extension if not exists pg_prewarm`;
    const rows = await sql<{ relation: string; blocks: number }[]>`
      select c.relname as relation, pg_prewarm(c.oid)::int as blocks
        from pg_class c
       where c.oid = ${table}::regclass
          or c.oid in (select indexrelid from pg_index where indrelid = ${table}::regclass)`;
    const blocks = rows.reduce((n, r) => n + r.blocks, 0);
    return `${rows.length} relations, ${Math.round((blocks * 8) / 1024)} MiB`;
  } catch (err) {
    return `not prewarmed: ${(err as Error).message}`;
  }
}
