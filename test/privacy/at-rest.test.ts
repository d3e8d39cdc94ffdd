// Personal data at rest (issue 20, part 3): identification numbers and names are stored only sealed
// under each person's data key, wrapped by PERSONAL_DATA_KEY; every pid column holds the person key.
// Checked here: no clear number or name anywhere in the tables, in PGlite's data directory (what a
// backup copies) or in a pg_dump; an older database converted at start without a chained byte
// changed; the key rotated without downtime; and retention ending in crypto-shredding.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows, type Db, type Tx } from '../../db/client.ts';
import { auditEvents, paymentCredits, people, registrations } from '../../db/schema.ts';
import { appendAudit, auditHashFields } from '../../server/audit/audit-log.ts';
import { auditEventHash, GENESIS_HASH } from '../../server/shared/hash-chain.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import {
  openDetached,
  openPersonRow,
  payerSubject,
  sealDetached,
  parseKeyEncryptionKey,
  personKey,
  revealPerson,
  usePersonalDataKeys,
} from '../../server/privacy/personal-data.ts';
import { KeyRing, unwrapDataKey } from '../../server/privacy/envelope.ts';
import { convertPersonalData } from '../../server/privacy/conversion.ts';
import { shredBatch } from '../../server/privacy/shredding.ts';
import { loadConfig } from '../../server/config.ts';
import { signatureHeader } from '../../server/payments/webhook-signature.ts';
import { upsertPerson } from '../../server/identity/people.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from '../support/db.ts';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { TEST_PERSONAL_DATA_KEY } from '../support/person-hash-key.ts';
import { eventually, lotBody, person, publishedLot, registerAndApprove } from '../auctions/factories.ts';
import { MIGRATIONS_DIR } from '../../db/client.ts';

const DAY = 86_400_000;
const PAYMENT_SECRET = 'whsec_test_0123456789abcdef0123456789abcdef';
const PAYER_NAME = 'DOAN THI THANH TAM';
const PAYER_ACCOUNT = '0071000123987';

/** Every row of every table of the schema, as text (what a dump of the data holds). */
async function everyRowAsText(db: Db): Promise<string> {
  const tables = resultRows<{ name: string }>(
    await db.execute(sql`select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`),
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows = resultRows<{ t: string | null }>(
      await db.execute(sql.raw(`select string_agg(x::text, E'\\n') as t from "${name}" x`)),
    );
    parts.push(`== ${name}\n${rows[0]?.t ?? ''}`);
  }
  return parts.join('\n');
}

/** The audit chain recomputed from its rows: the index of the first event that does not link, or -1. */
async function brokenAuditLink(db: Db): Promise<number> {
  const rows = await db.select().from(auditEvents).orderBy(asc(auditEvents.id));
  let prev = GENESIS_HASH;
  for (const [i, row] of rows.entries()) {
    if (row.prevHash !== prev || row.hash !== auditEventHash(prev, auditHashFields(row))) return i;
    prev = row.hash;
  }
  return -1;
}

describe('no clear personal data at rest', () => {
  let t: TestPlatform;
  const names = ['Nguyễn Thị Bảo Ngọc', 'Trần Quốc Khánh', 'Lê Minh Quản'];
  const pids: string[] = [];

  beforeAll(async () => {
    t = await startTestPlatform({ env: { PAYMENT_WEBHOOK_SECRET: PAYMENT_SECRET } });
    const admin = await person(t.idp, t.database.db, { roles: ['admin'], name: 'Phạm Văn Quản Trị' });
    const manager = await person(t.idp, t.database.db, { roles: ['manager'], name: names[2] });
    const b1 = await person(t.idp, undefined, { name: names[0] });
    const b2 = await person(t.idp, undefined, { name: names[1] });
    pids.push(admin.pid, manager.pid, b1.pid, b2.pid);
    const lot = await publishedLot(t.call, manager, lotBody(Date.now()));
    await registerAndApprove(t.call, manager, lot.id, [b1, b2]);
    // A deposit paid by bank transfer: the bank reports the payer's name and account.
    const payer = await person(t.idp, undefined, { name: 'Đoàn Thị Thanh Tâm' });
    const reg = await t.call('POST', `/api/lots/${lot.id}/registrations`, { token: payer.token, body: {} });
    expect(reg.status).toBe(201);
    const raw = JSON.stringify({
      transactionId: 'FT26337000001',
      reference: reg.json.payment.reference,
      amount: reg.json.payment.amount,
      paidAt: new Date().toISOString(),
      payerName: PAYER_NAME,
      payerAccount: PAYER_ACCOUNT,
      payerBank: 'Vietcombank',
    });
    const header = signatureHeader(PAYMENT_SECRET, Math.floor(Date.now() / 1000), raw);
    const paid = await t.call('POST', '/api/payments/notifications', {
      raw,
      headers: { 'x-payment-signature': header },
    });
    expect(paid.status).toBe(200);
    // A role granted to someone who never signed in: their row holds only their sealed number.
    const unseen = newPid();
    pids.push(unseen);
    expect(
      (await t.call('PUT', `/api/admin/roles/${unseen}`, { token: admin.token, body: { roles: ['regulator'] } }))
        .status,
    ).toBe(200);
    const roles = await t.call('GET', '/api/admin/roles', { token: admin.token });
    // Shown in clear to the admin, opened from the sealed rows.
    expect(roles.json.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pid: unseen, roles: ['regulator'] }),
        expect.objectContaining({ pid: manager.pid, name: names[2] }),
      ]),
    );
    expect((await t.call('GET', '/api/me', { token: b1.token })).json).toMatchObject({ pid: b1.pid, name: names[0] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('keeps only person keys and sealed values in the tables', async () => {
    const text = await everyRowAsText(t.database.db);
    for (const pid of pids) {
      expect(text).not.toContain(pid);
      expect(text).toContain(personKey(pid));
    }
    for (const name of [...names, 'Phạm Văn Quản Trị', PAYER_NAME, PAYER_ACCOUNT]) expect(text).not.toContain(name);
    // And the sealed values open, with the configured key, to the person.
    expect(await revealPerson(t.database.db, personKey(pids[2]))).toEqual({ pid: pids[2], name: names[0] });
  });

  it('shows none in what a backup copies: PGlite’s data directory, or a pg_dump of PostgreSQL', async () => {
    let bytes: Buffer;
    if (t.database.pglite) {
      await t.database.pglite.query('checkpoint');
      const dump = await t.database.pglite.dumpDataDir('gzip');
      bytes = zlib.gunzipSync(Buffer.from(await dump.arrayBuffer()));
    } else {
      const r = spawnSync('pg_dump', ['--data-only', '--no-owner', t.database.url!], { maxBuffer: 1 << 30 });
      expect(r.status, String(r.stderr)).toBe(0);
      bytes = r.stdout;
      expect(bytes.toString('utf8')).toContain('COPY public.people');
    }
    expect(bytes.length).toBeGreaterThan(10_000);
    for (const pid of pids) expect(bytes.includes(Buffer.from(pid))).toBe(false);
    for (const name of [...names, PAYER_NAME, PAYER_ACCOUNT])
      expect(bytes.includes(Buffer.from(name, 'utf8'))).toBe(false);
  });
});

describe('an older database converted at start', () => {
  let dir: string | undefined;
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    // The migrations up to 0015 (before personal data was sealed), applied to an empty database.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auction-old-migrations-'));
    fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const journalFile = path.join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0016');
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    if (onPostgres()) {
      const { createEmptyPostgresDatabase } = await import('../support/db.ts');
      const empty = await createEmptyPostgresDatabase();
      const { default: postgres } = await import('postgres');
      const { drizzle } = await import('drizzle-orm/postgres-js');
      const { migrate } = await import('drizzle-orm/postgres-js/migrator');
      const client = postgres(empty.url, { max: 1, onnotice: () => {} });
      db = drizzle(client) as unknown as Db;
      await migrate(drizzle(client), { migrationsFolder: dir });
      close = async () => {
        await client.end();
        await empty.drop();
      };
    } else {
      const { PGlite } = await import('@electric-sql/pglite');
      const { drizzle } = await import('drizzle-orm/pglite');
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      const client = await PGlite.create();
      db = drizzle(client) as unknown as Db;
      await migrate(drizzle(client), { migrationsFolder: dir });
      close = () => client.close();
    }
  });
  afterAll(async () => {
    await close?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('seals every number and name, rewrites every pid column to the person key, and leaves the chains alone', async () => {
    const alice = '001190000111';
    const bob = '079185000222';
    const excluded = '036170000333';
    const at = new Date('2026-11-01T02:00:00Z');
    const iso = at.toISOString();
    const dayLater = new Date(at.getTime() + DAY).toISOString();
    // The old layout: clear numbers and names.
    await db.execute(sql`insert into people (pid, name, level, created_at, last_seen_at, first_sign_in_at)
      values (${alice}, 'Alice Nguyễn', 2, ${iso}, ${iso}, ${iso}), (${bob}, 'Bob Trần', 2, ${iso}, ${iso}, ${iso})`);
    await db.execute(sql`insert into role_grants (pid, role, granted_by) values (${alice}, 'manager', null)`);
    await db.execute(sql`insert into organisation_managers (organisation_id, pid) values (1, ${alice})`);
    // Raw SQL, as the rows above: the current schema's columns (search_vector, 0017) are not there yet.
    const [lot] = resultRows<{ id: number }>(
      await db.execute(sql`insert into lots (title, description, starting_price, price_step, deposit,
          registration_opens_at, registration_closes_at, starts_at, ends_at, scheduled_ends_at, rules,
          manager_pid, organisation_id)
        values ('Plate', 'd', 1000000, 100000, 100000, ${iso}, ${new Date(at.getTime() + 3_600_000).toISOString()},
          ${new Date(at.getTime() + 3_600_000).toISOString()}, ${new Date(at.getTime() + DAY).toISOString()},
          ${new Date(at.getTime() + DAY).toISOString()}, 'r', ${alice}, 1)
        returning id`),
    );
    await db.execute(sql`insert into registrations (lot_id, pid, bidder_code, rules_version, rules_accepted_at)
      values (${lot.id}, ${bob}, 'B-001', 1, ${iso})`);
    await db.execute(sql`insert into exclusions (pid, reason, source, created_by, created_at)
      values (${excluded}, 'court', 'Bản án 12/2026', ${alice}, ${iso})`);
    await db.execute(sql`insert into sessions (id_hash, pid, level, name, csrf_token, created_at, last_seen_at, expires_at)
      values ('h', ${bob}, 2, 'Bob Trần', 'c', ${iso}, ${iso}, ${dayLater})`);
    await db.execute(sql`insert into payment_credits (source, transaction_id, reference, amount, paid_at, received_at,
        payer_account, payer_name, payer_bank, outcome, hold_reason)
      values ('webhook', 'FT1', 'DGX', 100000, ${iso}, ${iso}, '0071000999888', 'TRAN VAN BOB', 'VCB', 'held', 'unknown_reference')`);
    // Audit events of version 2 as the old code wrote them: the clear actor and subject beside their
    // chained keyed hashes.
    await db.transaction(async (tx) => {
      await appendAudit(tx as Tx, { actorPid: alice, action: 'lot.created', lotId: lot.id, at });
      await appendAudit(tx as Tx, { actorPid: bob, action: 'registration.created', lotId: lot.id, subject: bob, at });
      await appendAudit(tx as Tx, { actorPid: alice, action: 'exclusion.added', subject: excluded, at });
    });
    const chainBefore = await db.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(asc(auditEvents.id));
    expect((await db.select().from(auditEvents))[0].actorPid).toBe(alice);

    // Now the rest of the migrations, and the conversion as a start runs it.
    const { migrate } = await import(onPostgres() ? 'drizzle-orm/postgres-js/migrator' : 'drizzle-orm/pglite/migrator');
    await migrate(db as never, { migrationsFolder: MIGRATIONS_DIR });
    expect(await convertPersonalData(db)).toEqual({ converted: 3 });
    expect(await convertPersonalData(db)).toEqual({ converted: 0 });

    const text = await everyRowAsText(db);
    for (const clear of [alice, bob, excluded, 'Alice Nguyễn', 'Bob Trần', '0071000999888', 'TRAN VAN BOB'])
      expect(text).not.toContain(clear);
    const [credit] = await db.select().from(paymentCredits);
    expect(
      openDetached(payerSubject(credit), credit.payerDataKey, { name: credit.payerName, account: credit.payerAccount }),
    ).toEqual({ name: 'TRAN VAN BOB', account: '0071000999888' });
    expect(await revealPerson(db, personKey(alice))).toEqual({ pid: alice, name: 'Alice Nguyễn' });
    expect(await revealPerson(db, personKey(bob))).toEqual({ pid: bob, name: 'Bob Trần' });
    // Someone named only by an exclusion gets a row holding their sealed number, so lists can show it.
    expect(await revealPerson(db, personKey(excluded))).toEqual({ pid: excluded, name: null });
    const [reg] = await db.select().from(registrations).where(eq(registrations.lotId, lot.id));
    expect(reg.pid).toBe(personKey(bob));
    // Not one chained byte changed, and the chain still links and hashes.
    expect(await db.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(asc(auditEvents.id))).toEqual(
      chainBefore,
    );
    expect(await brokenAuditLink(db)).toBe(-1);
    const events = await db.select().from(auditEvents).orderBy(asc(auditEvents.id));
    expect(events.map((e) => e.actorPid)).toEqual([personKey(alice), personKey(bob), personKey(alice)]);
    expect(events.every((e) => e.actorPid === e.actorHash)).toBe(true);
    // The format checks now hold for every row: a clear number can no longer be written.
    await expect(db.execute(sql`insert into people (pid, level) values ('001190000999', 2)`)).rejects.toThrow();
    const columns = resultRows<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from information_schema.columns
        where table_name = 'people' and column_name in ('name', 'legacy_name')`),
    );
    expect(columns[0].n).toBe(0);
  });
});

describe('rotating PERSONAL_DATA_KEY without downtime', () => {
  const K1 = 'one:the first personal-data key of this test: 32+ chars';
  const K2 = 'two:the second personal-data key of this test: 32+ chars';
  let first: TestPlatform | undefined;
  let second: TestPlatform | undefined;

  let database: TestDatabase;
  let idp: TestIdp;

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await database?.close();
    await idp?.close();
    usePersonalDataKeys({ personalDataKey: TEST_PERSONAL_DATA_KEY, dataDir: '/nonexistent' });
  });

  it('reads old and new data keys during the rotation, rewraps them all, then needs only the new key', async () => {
    database = await openTestDatabase();
    idp = await startTestIdp();
    first = await startTestPlatform({ database, idp, env: { PERSONAL_DATA_KEY: K1 } });
    const admin = await person(first.idp, first.database.db, { roles: ['admin'], name: 'Đặng Thu Hà' });
    const staff = await person(first.idp, first.database.db, { roles: ['regulator'], name: 'Vũ Văn Long' });
    // A payer's details from a bank notification, sealed under the credit's own data key.
    const credit = { source: 'webhook' as const, transactionId: 'FT-ROTATION-1' };
    const payer = sealDetached(payerSubject(credit), { name: 'VU VAN LONG', account: '0071000555444' });
    await first.database.db.insert(paymentCredits).values({
      ...credit,
      reference: 'UNKNOWN',
      amount: 1_000_000,
      paidAt: new Date(),
      receivedAt: new Date(),
      payerName: payer.sealed.name,
      payerAccount: payer.sealed.account,
      payerDataKey: payer.dataKey,
      outcome: 'held',
      holdReason: 'unknown_reference',
    });
    const keysOf = async (t: TestPlatform) =>
      (await t.call('GET', '/api/admin/personal-data', { token: admin.token })).json;
    const before = await keysOf(first);
    expect(before).toMatchObject({ currentKey: 'one', configuredKeys: ['one'] });
    expect(before.dataKeysByKey.one).toBeGreaterThanOrEqual(2);
    await first.stop();
    first = undefined;

    // The new key current, the old one retired: both open; new data keys are wrapped by the new one.
    second = await startTestPlatform({
      database,
      idp,
      env: { PERSONAL_DATA_KEY: K2, PERSONAL_DATA_RETIRED_KEYS: K1 },
    });
    const during = await second.call('GET', '/api/admin/roles', { token: admin.token });
    expect(during.status).toBe(200);
    expect(during.json.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ pid: staff.pid, name: 'Vũ Văn Long' })]),
    );
    // The rewrap job moves every data key to the new key.
    const after = await eventually(
      async () => {
        const k = await keysOf(second!);
        return k.dataKeysByKey.one === undefined ? k : undefined;
      },
      'every data key rewrapped under the new key',
      20_000,
    );
    expect(after).toMatchObject({ currentKey: 'two', configuredKeys: ['two', 'one'] });
    expect(after.dataKeysByKey.two).toBe(before.dataKeysByKey.one);
    await second.stop();
    second = undefined;

    // The old key can now go: the new one alone opens everything; the old one alone opens nothing.
    second = await startTestPlatform({ database, idp, env: { PERSONAL_DATA_KEY: K2 } });
    const later = await second.call('GET', '/api/admin/roles', { token: admin.token });
    expect(later.json.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ pid: staff.pid, name: 'Vũ Văn Long' })]),
    );
    const [row] = await database.db.select().from(people).where(eq(people.pid, staff.key));
    const oldOnly = new KeyRing(parseKeyEncryptionKey(K1, 'K1'));
    expect(() => unwrapDataKey(oldOnly, row.pid, row.dataKey!)).toThrow(/wrapped by key two, which is not configured/);
    expect(openPersonRow(row)).toEqual({ pid: staff.pid, name: 'Vũ Văn Long' });
    const [stored] = await database.db
      .select()
      .from(paymentCredits)
      .where(eq(paymentCredits.transactionId, credit.transactionId));
    expect(stored.payerDataKey).toMatch(/^e1\.two\./);
    expect(
      openDetached(payerSubject(stored), stored.payerDataKey, { name: stored.payerName, account: stored.payerAccount }),
    ).toEqual({ name: 'VU VAN LONG', account: '0071000555444' });
  });
});

describe('crypto-shredding at the end of retention', () => {
  let t: TestPlatform;
  const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));

  beforeAll(async () => {
    t = await startTestPlatform({ clock, env: { IDENTITY_RETENTION_DAYS: '1' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('destroys the data keys of people past retention, and only theirs; the chains still verify', async () => {
    const manager = await person(t.idp, t.database.db, { roles: ['manager'], name: 'Hoàng Văn Quản' });
    const gone = await person(t.idp, undefined, { name: 'Ngô Thị Hết Hạn' });
    const open = await person(t.idp, undefined, { name: 'Đinh Văn Còn Mở' });
    const ended = await publishedLot(t.call, manager, lotBody(clock.now()));
    const running = await publishedLot(
      t.call,
      manager,
      lotBody(clock.now(), { endsAt: new Date(clock.now().getTime() + 30 * DAY).toISOString() }),
    );
    await registerAndApprove(t.call, manager, ended.id, [gone]);
    await registerAndApprove(t.call, manager, running.id, [open]);
    expect(
      (
        await t.call('POST', `/api/lots/${ended.id}/cancel`, {
          token: manager.token,
          body: { reason: 'Tài sản bị rút lại.' },
        })
      ).status,
    ).toBe(200);

    const config = loadConfig({ NODE_ENV: 'test', IDENTITY_RETENTION_DAYS: '1' });
    const shred = () => t.database.db.transaction((tx) => shredBatch({ config }, tx, clock.now()));
    // Within retention nothing goes.
    clock.advance(DAY / 2);
    expect(await shred()).toBe(0);
    clock.advance(2 * DAY);
    expect(await shred()).toBe(1);
    expect(await revealPerson(t.database.db, gone.key)).toEqual({ pid: null, name: null });
    // Kept: the manager (a role), the bidder of a lot still open.
    expect(await revealPerson(t.database.db, open.key)).toEqual({ pid: open.pid, name: 'Đinh Văn Còn Mở' });
    expect((await revealPerson(t.database.db, manager.key)).pid).toBe(manager.pid);
    const [row] = await t.database.db.select().from(people).where(eq(people.pid, gone.key));
    expect(row).toMatchObject({ dataKey: null, sealedPid: null, sealedName: null, shreddedAt: clock.now() });
    // Their person key stays in their registration; the chains are whole; the destruction is audited.
    const [reg] = await t.database.db.select().from(registrations).where(eq(registrations.lotId, ended.id));
    expect(reg.pid).toBe(gone.key);
    expect(await brokenAuditLink(t.database.db)).toBe(-1);
    const [event] = await t.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'personal_data.shredded'));
    expect(event.data).toMatchObject({ people: 1, retentionDays: 1 });
    expect(JSON.stringify(event)).not.toContain(gone.key);
    expect(await shred()).toBe(0);
    // Signing in again makes them a person anew, under a new data key.
    await upsertPerson(t.database.db, { pid: gone.pid, name: 'Ngô Thị Hết Hạn', level: 2 }, clock.now());
    expect(await revealPerson(t.database.db, gone.key)).toEqual({ pid: gone.pid, name: 'Ngô Thị Hết Hạn' });
  });
});
