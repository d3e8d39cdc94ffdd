// Issue 13, item 2: the platform's database role owned the tables, so it could
// `ALTER TABLE … DISABLE TRIGGER` the append-only guards. With DATABASE_OWNER_URL the schema belongs
// to a separate owner role that runs the migrations and grants the app role only what the platform
// does (db/privileges.ts). On a real PostgreSQL with two real roles: migrations run as the owner, the
// whole platform works as the app role, and the app role can neither disable a trigger, nor change or
// delete a chained row, nor alter or create a table. The list of privileges covers every table (also
// checked on PGlite).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase } from '../../db/client.ts';
import { APP_PRIVILEGES } from '../../db/privileges.ts';
import * as schema from '../../db/schema.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import { loadConfig } from '../../server/config.ts';
import { createPlatform, type Platform } from '../../server/platform.ts';
import { personKey } from '../../server/privacy/personal-data.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { createLogger } from '../../server/shared/log.ts';
import { eventually, liveLot, person, type Actor, type Registered } from '../auctions/factories.ts';
import { GENEROUS_BOUNDS } from '../support/bounds.ts';
import { onPostgres } from '../support/db.ts';
import { startTestIdp, type TestIdp } from '../support/eid.ts';
import { caller, type Call } from '../support/http.ts';

describe("the app role's privileges", () => {
  it('name every table of the schema, and never UPDATE, DELETE or TRUNCATE for the ledger and the audit log', () => {
    const tables = (Object.values(schema) as unknown[])
      .filter((t): t is PgTable => t instanceof PgTable)
      .map((t) => getTableConfig(t).name)
      .sort();
    expect(Object.keys(APP_PRIVILEGES).sort()).toEqual(tables);
    expect(APP_PRIVILEGES.ledger_entries).toEqual(['SELECT', 'INSERT']);
    expect(APP_PRIVILEGES.audit_events).toEqual(['SELECT', 'INSERT']);
  });
});

const missing = onPostgres()
  ? undefined
  : 'database roles need a real PostgreSQL (set TEST_DATABASE_URL); embedded PGlite has one user';
if (missing) console.log(`Skipping the database-roles test: ${missing}`);

describe.skipIf(Boolean(missing))('an owner role and an app role on PostgreSQL', () => {
  const suffix = `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const ownerRole = `auction_owner_${suffix}`;
  const appRole = `auction_app_${suffix}`;
  const dbName = `auction_roles_${suffix}`;
  const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
  let admin: postgres.Sql;
  let app: postgres.Sql;
  let owner: postgres.Sql;
  let ownerUrl: string;
  let appUrl: string;
  let idp: TestIdp;
  let platform: Platform;
  let call: Call;
  let regulator: Actor;
  let lotId: number;
  let winner: Registered;

  const urlFor = (role: string, password: string): string => {
    const u = new URL(inject('postgresTemplateUrl')!);
    u.username = role;
    u.password = password;
    u.pathname = `/${dbName}`;
    return u.toString();
  };

  /** The statement's error (the driver's message and code), or undefined when it succeeded. */
  const refusal = (run: Promise<unknown>): Promise<string | undefined> =>
    run.then(
      () => undefined,
      (err: Error & { code?: string }) => `${err.code} ${err.message}`,
    );

  beforeAll(async () => {
    const template = new URL(inject('postgresTemplateUrl')!);
    template.pathname = '/postgres';
    admin = postgres(template.toString(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create role ${ownerRole} login password 'owner-secret'`);
    await admin.unsafe(`create role ${appRole} login password 'app-secret'`);
    // As a deployment would: the owner role owns the database (and so its public schema).
    await admin.unsafe(`create database ${dbName} owner ${ownerRole}`);
    ownerUrl = urlFor(ownerRole, 'owner-secret');
    appUrl = urlFor(appRole, 'app-secret');
    idp = await startTestIdp();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DEMO_DATA: 'false',
      AUCTION_MIN_BIDDING_MINUTES: '0',
      CLOSE_POLL_MS: '100',
      ...GENEROUS_BOUNDS,
      ...idp.env(),
      DATABASE_URL: appUrl,
      DATABASE_OWNER_URL: ownerUrl,
    });
    platform = await createPlatform(config, {
      clock,
      pages: false,
      log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    });
    call = caller(`http://127.0.0.1:${await platform.listen(0, '127.0.0.1')}`);
    app = postgres(appUrl, { max: 1, onnotice: () => {} });
    owner = postgres(ownerUrl, { max: 1, onnotice: () => {} });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await app?.end();
    await owner?.end();
    await idp?.close();
    if (admin) {
      await admin.unsafe(`drop database if exists ${dbName} with (force)`);
      await admin.unsafe(`drop role if exists ${appRole}`);
      await admin.unsafe(`drop role if exists ${ownerRole}`);
      await admin.end();
    }
  });

  it('migrates as the owner, which owns every table; the app role owns none', async () => {
    const owners = await owner<
      { tablename: string; tableowner: string }[]
    >`select tablename, tableowner from pg_tables where schemaname = 'public'`;
    expect(owners.length).toBe(Object.keys(APP_PRIVILEGES).length);
    expect(new Set(owners.map((t) => t.tableowner))).toEqual(new Set([ownerRole]));
    const grants = await owner<{ table_name: string; privilege_type: string }[]>`
      select table_name, privilege_type from information_schema.role_table_grants where grantee = ${appRole} and table_schema = 'public'`;
    const granted: Record<string, string[]> = {};
    for (const g of grants) (granted[g.table_name] ??= []).push(g.privilege_type);
    for (const [table, privileges] of Object.entries(APP_PRIVILEGES))
      expect([...(granted[table] ?? [])].sort(), table).toEqual([...privileges].sort());
  });

  it('runs a whole auction as the app role: lot, registrations, bids, close, signed record', async () => {
    const manager = await person(idp, platform.ctx.db, { roles: ['manager'], name: 'Lê Thị Quản Lý' });
    regulator = await person(idp, platform.ctx.db, { roles: ['regulator'], name: 'Hoàng Thanh Tra' });
    const bidders = await Promise.all(
      ['Nguyễn Thị Ngọc Ánh', 'Trần Văn Đức'].map((name) => person(idp, undefined, { name })),
    );
    const live = await liveLot({ call, clock }, manager, bidders);
    lotId = live.lot.id;
    [, winner] = live.bidders;
    const bid = (who: Actor, amount: number) =>
      call('POST', `/api/lots/${lotId}/bids`, {
        token: who.token,
        body: { amount },
        headers: { 'idempotency-key': crypto.randomUUID() },
      });
    expect((await bid(live.bidders[0], 40_000_000)).status).toBe(201);
    expect((await bid(winner, 45_000_000)).status).toBe(201);
    clock.set(Date.parse(live.lot.endsAt) + CLOSE_GRACE_MS);
    await eventually(
      async () => ((await call('GET', `/api/lots/${lotId}/result`)).json.status === 'closed' ? true : undefined),
      'the close',
    );
    const record = await call('GET', `/api/records/lots/${lotId}?format=json`, { token: regulator.token });
    expect(record.status).toBe(200);
    expect((await call('POST', '/api/records/verify', { body: record.json })).json).toMatchObject({ valid: true });
  });

  it('the app role cannot disable a trigger, nor alter, drop or create a table', async () => {
    expect(await refusal(app`alter table ledger_entries disable trigger ledger_entries_append_only`)).toMatch(
      /42501 must be owner of table ledger_entries/,
    );
    expect(await refusal(app`alter table audit_events disable trigger user`)).toMatch(
      /42501 must be owner of table audit_events/,
    );
    expect(await refusal(app`alter table registrations add column note text`)).toMatch(
      /42501 must be owner of table registrations/,
    );
    expect(await refusal(app`drop table shed_bids`)).toMatch(/42501 must be owner of table shed_bids/);
    expect(await refusal(app`create table evil (x int)`)).toMatch(/42501 permission denied for schema public/);
    // The refusals come from the roles: the owner may (inside a transaction rolled back here).
    const ownerMay = await owner
      .begin(async (tx) => {
        await tx`alter table ledger_entries disable trigger ledger_entries_append_only`;
        throw new Error('rolled back');
      })
      .catch((err: Error) => err.message);
    expect(ownerMay).toBe('rolled back');
  });

  it('the app role cannot change, delete or truncate a chained row of the ledger or the audit log', async () => {
    const before = {
      entries: await app`select seq, amount, hash from ledger_entries where lot_id = ${lotId} order by seq`,
      events: await app`select count(*)::int as n, max(hash) as h from audit_events`,
    };
    expect(before.entries).toHaveLength(2);
    expect(await refusal(app`update ledger_entries set amount = 1 where lot_id = ${lotId}`)).toMatch(
      /42501 permission denied for table ledger_entries/,
    );
    expect(await refusal(app`delete from ledger_entries where lot_id = ${lotId}`)).toMatch(
      /42501 permission denied for table ledger_entries/,
    );
    expect(await refusal(app`truncate ledger_entries`)).toMatch(/42501 permission denied for table ledger_entries/);
    expect(await refusal(app`update audit_events set action = 'x'`)).toMatch(
      /42501 permission denied for table audit_events/,
    );
    expect(await refusal(app`delete from audit_events`)).toMatch(/42501 permission denied for table audit_events/);
    expect(await refusal(app`truncate audit_events`)).toMatch(/42501 permission denied for table audit_events/);
    expect(await app`select seq, amount, hash from ledger_entries where lot_id = ${lotId} order by seq`).toEqual(
      before.entries,
    );
    expect(await app`select count(*)::int as n, max(hash) as h from audit_events`).toEqual(before.events);
  });

  it("what the app role may still change, a registration's person, is caught by the chain", async () => {
    const impostor = await person(idp, platform.ctx.db, { roles: ['manager'] });
    await app`update registrations set pid = ${impostor.key} where id = ${winner.registrationId}`;
    const record = await call('GET', `/api/records/lots/${lotId}?format=json`, { token: regulator.token });
    expect(record.status).toBe(409);
    expect(record.json.error).toMatchObject({
      code: 'RECORD_INCONSISTENT',
      message: expect.stringMatching(new RegExp(`registration ${winner.bidderCode} names a different person`)),
    });
    await app`update registrations set pid = ${personKey(winner.pid)} where id = ${winner.registrationId}`;
  });

  it("a process with only the app role's URL starts on a current schema without migrating", async () => {
    // Migrating would need DDL the app role does not have (drizzle's first statement):
    expect(await refusal(app`create schema if not exists drizzle`)).toMatch(/42501 permission denied for database/);
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DEMO_DATA: 'false',
      ...GENEROUS_BOUNDS,
      ...idp.env(),
      DATABASE_URL: appUrl,
    });
    const second = await createPlatform(config, { clock, pages: false, log: createLogger({ level: 'silent' }) });
    try {
      const port = await second.listen(0, '127.0.0.1');
      expect((await caller(`http://127.0.0.1:${port}`)('GET', `/api/lots/${lotId}/result`)).json).toMatchObject({
        status: 'closed',
        winnerBidderCode: winner.bidderCode,
      });
    } finally {
      await second.stop();
    }
  });

  it('refuses to grant when the app role could get around its grants', async () => {
    // A table the app role owns (as after years of one role doing both) could have its triggers disabled.
    const superuser = new URL(inject('postgresTemplateUrl')!);
    superuser.pathname = `/${dbName}`;
    const asAdmin = postgres(superuser.toString(), { max: 1, onnotice: () => {} });
    try {
      await asAdmin.unsafe(`alter table shed_bids owner to ${appRole}`);
      const database = await openDatabase({ url: appUrl, ownerUrl, poolSize: 1 });
      try {
        await expect(database.migrate()).rejects.toThrow(
          new RegExp(`role ${appRole} owns tables \\(shed_bids\\) and could disable their triggers`),
        );
      } finally {
        await database.close();
      }
    } finally {
      await asAdmin.unsafe(`alter table shed_bids owner to ${ownerRole}`);
      await asAdmin.end();
    }
  });
});
