// Sealed lots across restarts (issue 16): the sealed-bid key generated into DATA_DIR (the demo) is read
// back by the next start, so bids sealed before a restart still open; a close that fails in the
// middle of its transaction (a crash) reveals nothing, and a new platform over the same database
// reveals the bids exactly once, however many closes race for the lot.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { auditEvents, ledgerEntries, lots, sealedBids } from '../../db/schema.ts';
import { closeLot, CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import { commitmentHolds } from '../../server/auctions/rules/index.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { GENERATED_SEALED_KEY_FILE, openLotKey } from '../../server/sealed/keys.ts';
import { brokenLink, eventually, person, readLedger, type Actor } from '../auctions/factories.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { startTestIdp, type TestIdp } from '../support/eid.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { openBidding, sealedBid, sealedLot } from './factory.ts';

const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let database: TestDatabase;
let idp: TestIdp;
let dataDir: string;
const running: TestPlatform[] = [];

/** A platform over the shared database and data directory (no SEALED_BID_KEY: the generated one). */
async function start(): Promise<TestPlatform> {
  const t = await startTestPlatform({ clock, database, idp, env: { DATA_DIR: dataDir } });
  running.push(t);
  return t;
}

beforeAll(async () => {
  database = await openTestDatabase();
  idp = await startTestIdp();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealed-restart-'));
});
afterAll(async () => {
  for (const t of running) await t.stop();
  await database?.close();
  await idp?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const auditCount = async (lotId: number, action: string): Promise<number> =>
  (
    await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.lotId, lotId), eq(auditEvents.action, action)))
  ).length;

describe('a sealed lot across restarts', () => {
  it('keeps its key, survives a crash in the middle of the reveal and is revealed exactly once', async () => {
    const first = await start();
    const manager = await person(idp, database.db, { roles: ['manager'] });
    const bidders: Actor[] = await Promise.all([1, 2, 3].map(() => person(idp, undefined)));
    const world = { call: first.call, clock, db: database.db };
    const {
      lot,
      bidders: [a, b, c],
    } = await sealedLot(world, manager, bidders);
    openBidding(clock, lot);
    const acks = [];
    for (const [who, amount] of [
      [a, 45_000_000],
      [b, 61_000_000],
      [c, 58_000_000],
    ] as const) {
      const res = await sealedBid(first.call, who, lot.id, amount);
      expect(res.status).toBe(201);
      acks.push(res.json);
      clock.advance(1_000);
    }
    await first.stop();
    running.splice(running.indexOf(first), 1);

    // The demo's key was generated once into DATA_DIR, private to its owner; the database holds the
    // lot's key only wrapped by it.
    const keyFile = path.join(dataDir, GENERATED_SEALED_KEY_FILE);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const [row] = await database.db.select().from(lots).where(eq(lots.id, lot.id));
    await expect(openLotKey(new Uint8Array(randomBytes(32)), lot.id, row.sealedKey!)).rejects.toThrow();

    // A restart reads the same key: the bidder's own bid still opens.
    const second = await start();
    const mine = await second.call('GET', `/api/lots/${lot.id}/sealed-bids/mine`, { token: b.token });
    expect(mine.json.items[0]).toMatchObject({ amount: 61_000_000, commitment: acks[1].commitment });

    // The close fails in the middle of its transaction, after the reveal was written: a crash.
    await database.db.execute(sql`
      create function sealed_test_crash() returns trigger language plpgsql as $$
      begin
        if new.action in ('lot.closed', 'lot.failed') then raise exception 'crash in the middle of the close'; end if;
        return new;
      end $$`);
    await database.db.execute(
      sql`create trigger sealed_test_crash before insert on audit_events for each row execute function sealed_test_crash()`,
    );
    clock.set(Date.parse(lot.endsAt) + CLOSE_GRACE_MS + 1);
    await expect(closeLot(second.platform.ctx, lot.id)).rejects.toThrow();
    await second.stop();
    running.splice(running.indexOf(second), 1);
    expect(await database.db.select().from(ledgerEntries).where(eq(ledgerEntries.lotId, lot.id))).toEqual([]);
    const [stillLive] = await database.db.select().from(lots).where(eq(lots.id, lot.id));
    expect(stillLive).toMatchObject({ status: 'live', seq: 0 });
    expect(
      (await database.db.select().from(sealedBids).where(eq(sealedBids.lotId, lot.id))).map((r) => r.revealedSeq),
    ).toEqual([null, null, null]);
    expect(await auditCount(lot.id, 'sealed.revealed')).toBe(0);
    await database.db.execute(sql`drop trigger sealed_test_crash on audit_events`);
    await database.db.execute(sql`drop function sealed_test_crash()`);

    // A new platform over the same database: its scheduler and explicit closes race; one reveal.
    const third = await start();
    const outcomes = await Promise.all([1, 2, 3].map(() => closeLot(third.platform.ctx, lot.id)));
    // At most one of them closes it (the scheduler may have been first).
    expect(outcomes.filter((o) => o !== null).length).toBeLessThanOrEqual(1);
    const closed = await eventually(async () => {
      const [r] = await database.db.select().from(lots).where(eq(lots.id, lot.id));
      return r.status === 'closed' ? r : undefined;
    }, 'the close');
    expect(closed).toMatchObject({ finalPrice: 61_000_000, winnerRegistrationId: b.registrationId, seq: 3 });
    const ledger = await readLedger(third.call, lot.id);
    expect(ledger.map((e) => e.commitment)).toEqual(acks.map((x) => x.commitment));
    for (const e of ledger) expect(commitmentHolds(e.commitment, e.salt, e.amount)).toBe(true);
    expect(brokenLink(ledger)).toBe(-1);
    expect(await auditCount(lot.id, 'sealed.revealed')).toBe(1);
    expect(await auditCount(lot.id, 'lot.closed')).toBe(1);
    expect(await closeLot(third.platform.ctx, lot.id)).toBeNull();
    expect((await readLedger(third.call, lot.id)).length).toBe(3);
  });
});
