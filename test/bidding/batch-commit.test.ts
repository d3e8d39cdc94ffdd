// Committing a batch (server/bidding/bid-batch.ts): bids, Idempotency-Keys, withdrawals, soft-close
// extensions, and batches racing on one lot as several processes would send them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents, ledgerEntries, lots, registrations } from '../../db/schema.ts';
import { commitBatch, type BatchItem } from '../../server/bidding/bid-batch.ts';
import { batchReadQuery } from '../../server/bidding/batch-store.ts';
import { explained, type PlanNode } from '../../server/auctions/catalogue-plan.ts';
import type { Person } from '../../server/identity/person.ts';
import { personKey } from '../../server/privacy/personal-data.ts';
import type { LotChange } from '../../server/shared/events.ts';
import type { Json } from '../support/json.ts';
import {
  brokenLink,
  eventually,
  liveLot,
  lotStanding,
  person,
  readLedger,
  type Actor,
  type Registered,
} from '../auctions/factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => tp?.stop());

const asPerson = (r: Registered): Person => ({
  pid: personKey(r.pid),
  idNumber: r.pid,
  name: null,
  level: 2,
  roles: [],
  organisations: [],
  scope: null,
  via: 'bearer',
});
const bidItem = (r: Registered, amount: number, idempotencyKey?: string): BatchItem => ({
  kind: 'bid',
  person: asPerson(r),
  amount,
  ...(idempotencyKey ? { idempotencyKey } : {}),
  receivedAt: clock.now(),
});
const withdrawItem = (r: Registered, seq: number): BatchItem => ({
  kind: 'withdraw',
  person: asPerson(r),
  seq,
  receivedAt: clock.now(),
});

async function bidders(
  n: number,
  overrides: Record<string, unknown> = {},
): Promise<{ lotId: number; bidders: Registered[] }> {
  const people = await Promise.all(Array.from({ length: n }, () => person(tp.idp, undefined)));
  const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, people, overrides);
  // The scheduler marks the lot live in the background: wait for it, so that a test's before/after
  // reads of the lot row see only the batch's write.
  await eventually(
    async () =>
      (await tp.database.db.select({ status: lots.status }).from(lots).where(eq(lots.id, lot.id)))[0].status === 'live'
        ? true
        : undefined,
    'the lot to be marked live',
  );
  return { lotId: lot.id, bidders };
}

const lotRow = (lotId: number) => lotStanding(tp.database.db, lotId);

const chainOk = (ledger: Json[]): boolean => brokenLink(ledger) === -1;

const commit = (lotId: number, items: BatchItem[]) => commitBatch(tp.platform.ctx, lotId, items);

describe('committing a batch of bids', () => {
  it('evaluates the bids in order and writes the entries and the standing state', async () => {
    const {
      lotId,
      bidders: [a, b, c],
    } = await bidders(3);
    const outcome = await commit(lotId, [
      bidItem(a, 40_000_000),
      bidItem(b, 39_000_000),
      bidItem(b, 45_000_000),
      bidItem(c, 50_000_000),
    ]);
    expect(outcome.results.map((r) => (r.ok ? r.value : r.code))).toEqual([
      expect.objectContaining({ seq: 1, amount: 40_000_000 }),
      'BID_TOO_LOW',
      expect.objectContaining({ seq: 2, amount: 45_000_000 }),
      expect.objectContaining({ seq: 3, amount: 50_000_000 }),
    ]);
    expect(outcome.personal.map((p) => [p.pid, p.event])).toEqual([
      [personKey(a.pid), { type: 'outbid', lotId, seq: 2, amount: 45_000_000 }],
      [personKey(b.pid), { type: 'outbid', lotId, seq: 3, amount: 50_000_000 }],
    ]);
    expect(outcome.entries.map((e) => [e.seq, e.amount, e.bidderCode])).toEqual([
      [1, 40_000_000, a.bidderCode],
      [2, 45_000_000, b.bidderCode],
      [3, 50_000_000, c.bidderCode],
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

  it('writes every column of each entry as evaluated', async () => {
    const {
      lotId,
      bidders: [a],
    } = await bidders(1);
    const outcome = await commit(lotId, [bidItem(a, 40_000_000, 'key-1')]);
    const ack = outcome.results[0].ok ? outcome.results[0].value : undefined;
    const [row] = await tp.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.lotId, lotId));
    expect(row).toEqual({
      id: expect.any(Number),
      lotId,
      seq: 1,
      kind: 'bid',
      registrationId: a.registrationId,
      bidderCode: a.bidderCode,
      amount: 40_000_000,
      withdrawsSeq: null,
      placedAt: new Date(ack!.placedAt),
      idempotencyKey: 'key-1',
      commitment: null,
      salt: null,
      actorNo: null,
      prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      hash: (await lotRow(lotId)).lastHash,
    });
  });

  it('answers a repeated Idempotency-Key with the first answer and places nothing', async () => {
    const {
      lotId,
      bidders: [a, b],
    } = await bidders(2);
    const first = await commit(lotId, [bidItem(a, 40_000_000, 'k-1'), bidItem(b, 45_000_000, 'k-1')]);
    expect(first.results.map((r) => r.ok && r.value)).toEqual([
      expect.objectContaining({ seq: 1 }),
      expect.objectContaining({ seq: 2 }),
    ]);
    const again = await commit(lotId, [bidItem(b, 45_000_000, 'k-1'), bidItem(a, 41_000_000, 'k-1')]);
    expect(again.results).toEqual([
      first.results[1],
      { ok: false, code: 'IDEMPOTENCY_CONFLICT', reason: 'idempotency_conflict', message: expect.any(String) },
    ]);
    expect(again.entries).toEqual([]);
    expect((await readLedger(tp.call, lotId)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('answers every item of a batch for an unknown lot with lot_not_found', async () => {
    const {
      bidders: [a],
    } = await bidders(1);
    const outcome = await commit(2_000_000_000, [bidItem(a, 40_000_000)]);
    expect(outcome.results).toEqual([expect.objectContaining({ ok: false, reason: 'lot_not_found' })]);
  });

  it('writes nothing for a batch whose bids are all refused', async () => {
    const {
      lotId,
      bidders: [a],
    } = await bidders(1);
    const before = await lotRow(lotId);
    const outcome = await commit(lotId, [bidItem(a, 1_000)]);
    expect(outcome.results).toEqual([expect.objectContaining({ ok: false, reason: 'below_starting_price' })]);
    expect(await lotRow(lotId)).toEqual(before);
  });
});

describe('withdrawals and extensions in a batch', () => {
  it('takes withdrawals: after A 100, B 110, C 120, B 130, then B and C withdraw, A stands at 100 and B is barred', async () => {
    const {
      lotId,
      bidders: [a, b, c],
    } = await bidders(3, { startingPrice: 100_000_000, priceStep: 10_000_000, deposit: 10_000_000 });
    const changes: LotChange[] = [];
    const off = tp.platform.ctx.events.on('lot', (x) => x.lotId === lotId && changes.push(x));
    await commit(lotId, [
      bidItem(a, 100_000_000),
      bidItem(b, 110_000_000),
      bidItem(c, 120_000_000),
      bidItem(b, 130_000_000),
    ]);
    // B withdraws 130 (C at 120 stands), then C withdraws 120; B cannot bid again.
    const outcome = await commit(lotId, [withdrawItem(b, 4), withdrawItem(c, 3), bidItem(b, 140_000_000)]);
    off();
    expect(outcome.results.map((r) => (r.ok ? r.value : r.reason))).toEqual([
      expect.objectContaining({ seq: 5, withdrawsSeq: 4, currentPrice: 120_000_000 }),
      expect.objectContaining({ seq: 6, withdrawsSeq: 3, currentPrice: 100_000_000 }),
      'bidder_barred',
    ]);
    expect(outcome.lotChanges.map((x) => [x.reason, x.currentPrice, x.highestBidderCode, x.minNextBid])).toEqual([
      ['withdrawal', 120_000_000, c.bidderCode, 130_000_000],
      ['withdrawal', 100_000_000, a.bidderCode, 110_000_000],
    ]);
    expect(await lotRow(lotId)).toMatchObject({
      seq: 6,
      bidCount: 4,
      currentPrice: 100_000_000,
      leader: a.registrationId,
    });
    const regs = await tp.database.db
      .select({ id: registrations.id, status: registrations.status, depositState: registrations.depositState })
      .from(registrations)
      .where(eq(registrations.lotId, lotId));
    expect(
      regs
        .filter((r) => r.status === 'barred')
        .map((r) => r.id)
        .sort(),
    ).toEqual([b.registrationId, c.registrationId].sort());
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lotId))
      .orderBy(asc(auditEvents.id));
    expect(audit.filter((e) => e.action === 'bid.withdrawn').map((e) => e.subject)).toEqual([
      String(b.registrationId),
      String(c.registrationId),
    ]);
    expect(chainOk(await readLedger(tp.call, lotId))).toBe(true);
  });

  it('takes a withdrawal of a bid placed earlier in the same batch', async () => {
    const {
      lotId,
      bidders: [a, b],
    } = await bidders(2);
    const outcome = await commit(lotId, [bidItem(a, 40_000_000), bidItem(b, 45_000_000), withdrawItem(b, 2)]);
    expect(outcome.results.map((r) => r.ok && r.value)).toEqual([
      expect.objectContaining({ seq: 1 }),
      expect.objectContaining({ seq: 2 }),
      expect.objectContaining({ seq: 3, withdrawsSeq: 2, currentPrice: 40_000_000 }),
    ]);
    expect(await lotRow(lotId)).toMatchObject({ seq: 3, currentPrice: 40_000_000, leader: a.registrationId });
  });

  it('extends a soft-close lot and audits the extension', async () => {
    const {
      lotId,
      bidders: [a, b],
    } = await bidders(2, { softClose: { windowSeconds: 60, extendSeconds: 120 } });
    await commit(lotId, [bidItem(a, 40_000_000)]);
    const before = await lotRow(lotId);
    clock.advance(before.endsAt.getTime() - clock.now().getTime() - 30_000);
    const late = await commit(lotId, [bidItem(b, 45_000_000)]);
    expect(late.results[0].ok).toBe(true);
    expect(late.lotChanges).toEqual([expect.objectContaining({ reason: 'extended', highestBidderCode: b.bidderCode })]);
    expect((await lotRow(lotId)).endsAt.getTime()).toBe(clock.now().getTime() + 120_000);
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lotId))
      .orderBy(asc(auditEvents.id));
    expect(audit.filter((e) => e.action === 'lot.extended')).toHaveLength(1);
  });
});

describe('batches racing on one lot', () => {
  it('keeps the ledger gap-free and every acknowledged bid when batches race without the in-process queue', async () => {
    // Concurrent batches on one lot, as several processes would send them: the lot-row lock takes
    // them one at a time, each against the standing state the one before left.
    const { lotId, bidders: people } = await bidders(8);
    const step = 5_000_000;
    const batches = people.map((r, i) =>
      Array.from({ length: 5 }, (_, k) => bidItem(r, 40_000_000 + (k * people.length + i) * step)),
    );
    const outcomes = await Promise.all(batches.map((items) => commit(lotId, items)));
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
  });
});

describe('the batch read', () => {
  const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

  // A hot lot's batch looks up each Idempotency-Key by its exact (registration, key). Written as a
  // join, the planner was free to read every registration of the lot and all their entries per batch,
  // and at 2,000 bids/s the batches snowballed (issue 21). Sequential scans are off so that the tiny
  // test tables show the plan a large ledger gets.
  it('probes the ledger by registration and key, and the registrations by lot and person', async () => {
    const {
      lotId,
      bidders: [a, b, c],
    } = await bidders(3);
    await commit(lotId, [bidItem(a, 40_000_000, 'k-1'), bidItem(b, 45_000_000, 'k-2')]);
    const items = [bidItem(a, 50_000_000, 'k-1'), bidItem(c, 55_000_000, 'k-3'), withdrawItem(b, 2)];
    const plan = await tp.database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return explained(await tx.execute(sql`explain (format json) ${batchReadQuery(tx, lotId, items)}`))[0].Plan;
    });
    const all = nodes(plan);
    const replays = all.filter(
      (n) => n['Relation Name'] === 'ledger_entries' && String(n['Index Cond'] ?? '').includes('idempotency_key'),
    );
    expect(replays.length).toBeGreaterThan(0);
    for (const scan of replays) {
      expect(scan['Node Type']).toBe('Index Scan');
      expect(scan['Index Name']).toBe('ledger_idempotency');
      expect(scan['Index Cond']).toMatch(/registration_id = .*idempotency_key = /);
    }
    // No ledger read by registration alone (the key left as a filter).
    expect(
      all.filter(
        (n) => n['Index Name'] === 'ledger_idempotency' && !String(n['Index Cond']).includes('idempotency_key'),
      ),
    ).toEqual([]);
    expect(
      all.some(
        (n) => n['Index Name'] === 'registrations_lot_person' && /lot_id = .*pid = /.test(String(n['Index Cond'])),
      ),
    ).toBe(true);
  });
});
