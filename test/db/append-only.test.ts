import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { auditEvents, ledgerEntries, lots, people, registrations } from '../../db/schema.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';
import { personKey, sealPerson } from '../../server/privacy/personal-data.ts';

let database: TestDatabase;

/** Drizzle wraps the database's error; the trigger's message is on the cause. */
async function refused(query: PromiseLike<unknown>, pattern: RegExp): Promise<void> {
  const err = await Promise.resolve(query).then(
    () => undefined,
    (e: unknown) => e as Error & { cause?: Error },
  );
  expect(err, 'the statement should have been refused').toBeDefined();
  expect(`${err!.message} ${err!.cause?.message ?? ''}`).toMatch(pattern);
}
let lotId: number;

beforeAll(async () => {
  database = await openTestDatabase();
  const { db } = database;
  await db.insert(people).values([
    { ...sealPerson({ pid: '079000000001', name: 'A' }), level: 2 },
    { ...sealPerson({ pid: '079000000002', name: 'B' }), level: 2 },
  ]);
  const t = Date.now();
  const [lot] = await db
    .insert(lots)
    .values({
      organisationId: DEFAULT_ORGANISATION_ID,
      title: 'x',
      description: 'y',
      startingPrice: 100,
      priceStep: 10,
      deposit: 10,
      registrationOpensAt: new Date(t),
      registrationClosesAt: new Date(t + 1000),
      startsAt: new Date(t + 1000),
      endsAt: new Date(t + 2000),
      scheduledEndsAt: new Date(t + 2000),
      rules: 'r',
      managerPid: personKey('079000000001'),
    })
    .returning();
  lotId = lot.id;
  const [reg] = await db
    .insert(registrations)
    .values({ lotId, pid: personKey('079000000002'), bidderCode: 'B-1', rulesVersion: 1, rulesAcceptedAt: new Date() })
    .returning();
  await db.insert(ledgerEntries).values({
    lotId,
    seq: 1,
    kind: 'bid',
    registrationId: reg.id,
    bidderCode: 'B-1',
    amount: 100,
    placedAt: new Date(),
    prevHash: '0',
    hash: 'h1',
  });
  await db.insert(auditEvents).values({ at: new Date(), action: 'lot.created', prevHash: '0', hash: 'a1' });
});
afterAll(async () => database?.close());

describe('append-only tables', () => {
  it('refuses to update a ledger entry', async () => {
    await refused(database.db.update(ledgerEntries).set({ amount: 1 }), /append-only/);
  });
  it('refuses to delete a ledger entry', async () => {
    await refused(database.db.delete(ledgerEntries), /append-only/);
  });
  it('refuses to truncate the ledger', async () => {
    await refused(database.db.execute(sql`truncate ledger_entries`), /append-only/);
  });
  it('refuses to update or delete an audit event', async () => {
    await refused(database.db.update(auditEvents).set({ action: 'x' }), /append-only/);
    await refused(database.db.delete(auditEvents), /append-only/);
  });
  it('keeps the rows untouched', async () => {
    const [e] = await database.db.select().from(ledgerEntries);
    expect(e.amount).toBe(100);
    expect(await database.db.select().from(auditEvents)).toHaveLength(1);
  });
  it('refuses a second entry with the same lot and seq', async () => {
    const [reg] = await database.db.select().from(registrations);
    await refused(
      database.db.insert(ledgerEntries).values({
        lotId,
        seq: 1,
        kind: 'bid',
        registrationId: reg.id,
        bidderCode: 'B-1',
        amount: 200,
        placedAt: new Date(),
        prevHash: 'h1',
        hash: 'h2',
      }),
      /violates|constraint/,
    );
  });
  it('refuses a non-positive amount', async () => {
    const [reg] = await database.db.select().from(registrations);
    await refused(
      database.db.insert(ledgerEntries).values({
        lotId,
        seq: 2,
        kind: 'bid',
        registrationId: reg.id,
        bidderCode: 'B-1',
        amount: -5,
        placedAt: new Date(),
        prevHash: 'h1',
        hash: 'h2',
      }),
      /violates|constraint/,
    );
  });
  it('refuses an unknown lot status', async () => {
    await refused(database.db.execute(sql`update lots set status = 'open' where id = ${lotId}`), /violates|constraint/);
  });
});
