import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents, ledgerEntries, lots } from '../../db/schema.ts';
import { firstBrokenLink, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import { commitBatch, type BatchItem } from '../../server/bidding/bid-batch.ts';
import { writeIfUnchanged } from '../../server/bidding/optimistic-batch.ts';
import { resultRows } from '../../db/client.ts';
import type { Person } from '../../server/identity/person.ts';
import { eventually, liveLot, person, readLedger, type Actor, type Registered } from '../auctions/factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => tp?.stop());

const asPerson = (r: Registered): Person => ({ pid: r.pid, name: null, level: 2, roles: [], via: 'bearer' });
const bidItem = (r: Registered, amount: number): BatchItem => ({
  kind: 'bid',
  person: asPerson(r),
  amount,
  receivedAt: clock.now(),
});

async function bidders(
  n: number,
  overrides: Record<string, unknown> = {},
): Promise<{ lotId: number; bidders: Registered[] }> {
  const people = await Promise.all(Array.from({ length: n }, () => person(tp.idp, undefined)));
  const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, people, overrides);
  // The scheduler marks the lot live in the background; that write would make an optimistic batch
  // racing with it (correctly) go through the lock.
  await eventually(
    async () =>
      (await tp.database.db.select({ status: lots.status }).from(lots).where(eq(lots.id, lot.id)))[0].status === 'live'
        ? true
        : undefined,
    'the lot to be marked live',
  );
  return { lotId: lot.id, bidders };
}

async function lotRow(lotId: number) {
  const [row] = await tp.database.db
    .select({
      seq: lots.seq,
      bidCount: lots.bidCount,
      currentPrice: lots.currentPrice,
      leader: lots.leaderRegistrationId,
      lastHash: lots.lastHash,
      endsAt: lots.endsAt,
    })
    .from(lots)
    .where(eq(lots.id, lotId));
  return row;
}

const chainOk = (ledger: any[]): boolean =>
  firstBrokenLink(ledger, (prev, e) => ledgerEntryHash(prev, { ...e, withdrawsSeq: e.withdrawsSeq ?? null })) === -1;

describe('committing a batch of plain bids optimistically', () => {
  it('writes the entries and the standing state in one statement, without the lot-row lock', async () => {
    const {
      lotId,
      bidders: [a, b, c],
    } = await bidders(3);
    const outcome = await commitBatch(tp.platform.ctx, lotId, [
      bidItem(a, 40_000_000),
      bidItem(b, 39_000_000),
      bidItem(b, 45_000_000),
      bidItem(c, 50_000_000),
    ]);
    expect(outcome.committed).toBe('optimistic');
    expect(outcome.results.map((r) => (r.ok ? r.value : r.code))).toEqual([
      expect.objectContaining({ seq: 1, amount: 40_000_000 }),
      'BID_TOO_LOW',
      expect.objectContaining({ seq: 2, amount: 45_000_000 }),
      expect.objectContaining({ seq: 3, amount: 50_000_000 }),
    ]);
    expect(outcome.personal.map((p) => [p.pid, p.event])).toEqual([
      [a.pid, { type: 'outbid', lotId, seq: 2, amount: 45_000_000 }],
      [b.pid, { type: 'outbid', lotId, seq: 3, amount: 50_000_000 }],
    ]);
    const ledger = await readLedger(tp.call, lotId);
    expect(ledger.map((e) => [e.seq, e.amount, e.bidderCode])).toEqual([
      [1, 40_000_000, a.bidderCode],
      [2, 45_000_000, b.bidderCode],
      [3, 50_000_000, c.bidderCode],
    ]);
    expect(chainOk(ledger)).toBe(true);
    expect(await lotRow(lotId)).toMatchObject({
      seq: 3,
      bidCount: 3,
      currentPrice: 50_000_000,
      leader: c.registrationId,
      lastHash: ledger[2].hash,
    });
  });

  it('answers a repeated Idempotency-Key with the first answer, optimistically and under the lock', async () => {
    const {
      lotId,
      bidders: [a, b],
    } = await bidders(2);
    const keyed = (r: Registered, amount: number, key: string): BatchItem => ({
      kind: 'bid',
      person: asPerson(r),
      amount,
      idempotencyKey: key,
      receivedAt: clock.now(),
    });
    const first = await commitBatch(tp.platform.ctx, lotId, [keyed(a, 40_000_000, 'k-1'), keyed(b, 45_000_000, 'k-1')]);
    expect(first.results.map((r) => r.ok && r.value)).toEqual([
      expect.objectContaining({ seq: 1 }),
      expect.objectContaining({ seq: 2 }),
    ]);
    const again = await commitBatch(tp.platform.ctx, lotId, [keyed(b, 45_000_000, 'k-1'), keyed(a, 41_000_000, 'k-1')]);
    expect(again.committed).toBe('optimistic');
    expect(again.results).toEqual([
      first.results[1],
      { ok: false, code: 'IDEMPOTENCY_CONFLICT', reason: 'idempotency_conflict', message: expect.any(String) },
    ]);
    // A withdrawal in the batch sends it through the locked transaction, which answers the same way.
    const withdraw: BatchItem = { kind: 'withdraw', person: asPerson(a), seq: 1, receivedAt: clock.now() };
    const locked = await commitBatch(tp.platform.ctx, lotId, [withdraw, keyed(a, 40_000_000, 'k-1')]);
    expect(locked.committed).toBe('locked');
    expect(locked.results).toEqual([expect.objectContaining({ ok: false, code: 'NOT_LEADING' }), first.results[0]]);
    expect((await readLedger(tp.call, lotId)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('writes nothing when the lot row changed after it was read', async () => {
    const {
      lotId,
      bidders: [a],
    } = await bidders(1);
    const db = tp.database.db;
    const [{ version }] = resultRows<{ version: string }>(
      await db.execute(sql`select xmin::text as version from lots where id = ${lotId}`),
    );
    const before = await lotRow(lotId);
    // Another writer touches the lot (as a close, a cancellation or another process's bids would).
    await db
      .update(lots)
      .set({ updatedAt: sql`now()` })
      .where(eq(lots.id, lotId));
    const entry = {
      lotId,
      seq: 1,
      kind: 'bid' as const,
      registrationId: a.registrationId,
      bidderCode: a.bidderCode,
      amount: 40_000_000,
      placedAt: clock.now(),
      idempotencyKey: null,
      withdrawsSeq: null,
      prevHash: 'x',
      hash: 'y',
    };
    const standing = {
      seq: 1,
      bidCount: 1,
      currentPrice: 40_000_000,
      leaderRegistrationId: a.registrationId,
      lastHash: 'y',
      endsAt: before.endsAt,
      lastPlacedAt: clock.now(),
    };
    expect(await writeIfUnchanged(db, lotId, version, standing, [entry])).toBe(false);
    expect(await lotRow(lotId)).toEqual(before);
    expect(await db.select().from(ledgerEntries).where(eq(ledgerEntries.lotId, lotId))).toEqual([]);
    // With the version as it now stands, the same write goes through.
    const [{ version: current }] = resultRows<{ version: string }>(
      await db.execute(sql`select xmin::text as version from lots where id = ${lotId}`),
    );
    expect(await writeIfUnchanged(db, lotId, current, standing, [entry])).toBe(true);
    expect(await lotRow(lotId)).toMatchObject({ seq: 1, currentPrice: 40_000_000, leader: a.registrationId });
  });

  it('leaves a batch that extends the lot to the locked transaction, which audits the extension', async () => {
    const {
      lotId,
      bidders: [a, b],
    } = await bidders(2, { softClose: { windowSeconds: 60, extendSeconds: 120 } });
    const first = await commitBatch(tp.platform.ctx, lotId, [bidItem(a, 40_000_000)]);
    expect(first.committed).toBe('optimistic');
    const { endsAt } = await lotRow(lotId);
    clock.advance(endsAt.getTime() - clock.now().getTime() - 30_000);
    const late = await commitBatch(tp.platform.ctx, lotId, [bidItem(b, 45_000_000)]);
    expect(late.committed).toBe('locked');
    expect(late.results[0].ok).toBe(true);
    expect((await lotRow(lotId)).endsAt.getTime()).toBe(clock.now().getTime() + 120_000);
    const audit = await tp.database.db.select().from(auditEvents).where(eq(auditEvents.lotId, lotId));
    expect(audit.filter((e) => e.action === 'lot.extended')).toHaveLength(1);
  });

  it('keeps the ledger gap-free and every acknowledged bid when batches race without the in-process queue', async () => {
    // Concurrent batches on one lot, as several processes would send them: the losers of each race
    // find the row version changed and go through the lock.
    const { lotId, bidders: people } = await bidders(8);
    const step = 5_000_000;
    const batches = people.map((r, i) =>
      Array.from({ length: 5 }, (_, k) => bidItem(r, 40_000_000 + (k * people.length + i) * step)),
    );
    const outcomes = await Promise.all(batches.map((items) => commitBatch(tp.platform.ctx, lotId, items)));
    const acks = outcomes.flatMap((o) =>
      o.results.flatMap((r) => (r.ok ? [r.value as { seq: number; amount: number; bidderCode: string }] : [])),
    );
    const ledger = await readLedger(tp.call, lotId);
    expect(ledger.map((e) => e.seq)).toEqual(ledger.map((_, i) => i + 1));
    expect(ledger.map((e) => [e.seq, e.amount, e.bidderCode])).toEqual(
      acks.map((a) => [a.seq, a.amount, a.bidderCode]).sort((x, y) => Number(x[0]) - Number(y[0])),
    );
    for (let i = 1; i < ledger.length; i++)
      expect(ledger[i].amount).toBeGreaterThanOrEqual(ledger[i - 1].amount + step);
    expect(chainOk(ledger)).toBe(true);
    expect(await lotRow(lotId)).toMatchObject({
      seq: ledger.length,
      bidCount: ledger.length,
      currentPrice: ledger.at(-1).amount,
    });
    expect(outcomes.some((o) => o.committed === 'locked')).toBe(true);
  });
});
