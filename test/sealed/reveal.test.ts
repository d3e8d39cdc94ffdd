// The reveal of a sealed lot at its end (issue 16; DESIGN.md §8): every live bid of the round goes
// into the public ledger in submission order with its commitment and salt (each commitment holds, the
// chain holds), the highest wins, a tie goes to the earliest submission or to a tie round among the
// tied bidders (at most three), and bids in the last second count by the server's clock.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { auditEvents, lots, sealedBids } from '../../db/schema.ts';
import { commitmentHolds, MAX_TIE_ROUNDS } from '../../server/auctions/rules/index.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { brokenLink, person, readLedger, type Actor, type Registered } from '../auctions/factories.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import type { Json } from '../support/json.ts';
import { endsAtOf, openBidding, passTheEnd, sealedBid, sealedLot } from './factory.ts';

const TIE_ROUND_SECONDS = 120;
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let t: TestPlatform;
let manager: Actor;
const world = () => ({ call: t.call, clock, db: t.database.db });

beforeAll(async () => {
  t = await startTestPlatform({
    clock,
    env: { SEALED_BID_KEY: randomBytes(32).toString('base64url'), SEALED_TIE_ROUND_SECONDS: String(TIE_ROUND_SECONDS) },
  });
  manager = await person(t.idp, t.database.db, { roles: ['manager'] });
});
afterAll(async () => {
  await t?.stop();
});

const people = (n: number): Promise<Actor[]> => Promise.all(Array.from({ length: n }, () => person(t.idp, undefined)));

/** Submits in turn, one second apart; returns the answers. */
async function submitAll(lotId: number, bids: [Registered, number][]): Promise<Json[]> {
  const out: Json[] = [];
  for (const [who, amount] of bids) {
    const res = await sealedBid(t.call, who, lotId, amount);
    expect(res.status, res.text).toBe(201);
    out.push(res.json);
    clock.advance(1_000);
  }
  return out;
}

async function auditsOf(lotId: number, action: string) {
  return t.database.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.lotId, lotId), eq(auditEvents.action, action)))
    .orderBy(asc(auditEvents.id));
}

describe('the reveal', () => {
  it('puts every live bid into the ledger in submission order with commitment and salt; the highest wins', async () => {
    const { lot, bidders } = await sealedLot(world(), manager, await people(3), { replaceable: true });
    const [a, b, c] = bidders;
    openBidding(clock, lot);
    const replacedAway = await sealedBid(t.call, c, lot.id, 60_000_000);
    clock.advance(1_000);
    const acks = await submitAll(lot.id, [
      [a, 45_000_000],
      [b, 52_000_000],
      [c, 48_000_000],
    ]);
    expect(await readLedger(t.call, lot.id)).toEqual([]);
    const closed = await passTheEnd(world(), lot.id);
    expect(closed).toMatchObject({ status: 'closed', finalPrice: 52_000_000, winnerRegistrationId: b.registrationId });
    const ledger = await readLedger(t.call, lot.id);
    expect(ledger.map((e) => [e.seq, e.kind, e.bidderCode, e.amount])).toEqual([
      [1, 'bid', a.bidderCode, 45_000_000],
      [2, 'bid', b.bidderCode, 52_000_000],
      [3, 'bid', c.bidderCode, 48_000_000],
    ]);
    expect(ledger.map((e) => e.commitment)).toEqual(acks.map((x) => x.commitment));
    expect(ledger.map((e) => e.placedAt)).toEqual(acks.map((x) => x.submittedAt));
    for (const e of ledger) expect(commitmentHolds(e.commitment, e.salt, e.amount)).toBe(true);
    expect(ledger.map((e) => e.commitment)).not.toContain(replacedAway.json.commitment);
    expect(brokenLink(ledger)).toBe(-1);
    const rows = await t.database.db
      .select()
      .from(sealedBids)
      .where(eq(sealedBids.lotId, lot.id))
      .orderBy(asc(sealedBids.id));
    expect(rows.map((r) => r.revealedSeq)).toEqual([null, 1, 2, 3]);
    const [revealed] = await auditsOf(lot.id, 'sealed.revealed');
    expect(revealed.data).toMatchObject({ round: 0, count: 3, commitments: acks.map((x) => x.commitment) });
    // Each bidder checks their receipt's commitment against the revealed ledger.
    const mine = await t.call('GET', `/api/lots/${lot.id}/sealed-bids/mine`, { token: b.token });
    expect(mine.json.items[0]).toMatchObject({ amount: 52_000_000, revealedSeq: 2 });
  });

  it('gives a tie to the earliest submission under the earliest policy', async () => {
    const { lot, bidders } = await sealedLot(world(), manager, await people(3));
    const [a, b, c] = bidders;
    openBidding(clock, lot);
    await submitAll(lot.id, [
      [c, 44_000_000],
      [b, 50_000_000],
      [a, 50_000_000],
    ]);
    const closed = await passTheEnd(world(), lot.id);
    expect(closed).toMatchObject({ status: 'closed', finalPrice: 50_000_000, winnerRegistrationId: b.registrationId });
    expect(await auditsOf(lot.id, 'sealed.tie_round')).toEqual([]);
  });

  it('opens a tie round among the tied under the round policy; the next close reveals it', async () => {
    const { lot, bidders } = await sealedLot(world(), manager, await people(3), { tieBreak: 'round' });
    const [a, b, c] = bidders;
    openBidding(clock, lot);
    await submitAll(lot.id, [
      [a, 50_000_000],
      [b, 50_000_000],
      [c, 45_000_000],
    ]);
    const round1 = await passTheEnd(world(), lot.id, { round: 1 });
    expect(round1.status).toBe('live');
    expect(round1.endsAt.getTime()).toBe(clock.now().getTime() + TIE_ROUND_SECONDS * 1000);
    const [tie] = await auditsOf(lot.id, 'sealed.tie_round');
    expect(tie.data).toMatchObject({ round: 1, bidderCodes: [a.bidderCode, b.bidderCode], amount: 50_000_000 });
    expect((await readLedger(t.call, lot.id)).length).toBe(3);
    // Only the tied bid again, at least the tied amount.
    const outsider = await sealedBid(t.call, c, lot.id, 70_000_000);
    expect(outsider.status).toBe(403);
    expect(outsider.json.error).toMatchObject({
      code: 'NOT_IN_ROUND',
      reason: 'not_in_tie_round',
      params: { round: 1 },
    });
    const low = await sealedBid(t.call, a, lot.id, 49_000_000);
    expect(low.json.error).toMatchObject({ code: 'BID_TOO_LOW', params: { minNextBid: 50_000_000 } });
    const [ackA] = await submitAll(lot.id, [
      [a, 55_000_000],
      [b, 53_000_000],
    ]);
    expect(ackA.round).toBe(1);
    const closed = await passTheEnd(world(), lot.id);
    expect(closed).toMatchObject({ status: 'closed', finalPrice: 55_000_000, winnerRegistrationId: a.registrationId });
    const ledger = await readLedger(t.call, lot.id);
    expect(ledger.map((e) => e.amount)).toEqual([50_000_000, 50_000_000, 45_000_000, 55_000_000, 53_000_000]);
    expect(brokenLink(ledger)).toBe(-1);
    expect((await auditsOf(lot.id, 'sealed.revealed')).map((e) => e.data.round)).toEqual([0, 1]);
  });

  it('opens the tie round as live when no tick flipped the lot live before its end (the platform was down)', async () => {
    const { lot, bidders } = await sealedLot(world(), manager, await people(2), { tieBreak: 'round' });
    const [a, b] = bidders;
    openBidding(clock, lot);
    await submitAll(lot.id, [
      [a, 50_000_000],
      [b, 50_000_000],
    ]);
    // As if no scheduler tick ran between the start and the end.
    await t.database.db.update(lots).set({ status: 'scheduled' }).where(eq(lots.id, lot.id));
    const round1 = await passTheEnd(world(), lot.id, { round: 1 });
    expect(round1).toMatchObject({ status: 'live', round: 1 });
    const again = await sealedBid(t.call, a, lot.id, 51_000_000);
    expect(again.status, again.text).toBe(201);
  });

  it('gives the lot to the earliest of the tied when nobody bids in the tie round', async () => {
    const { lot, bidders } = await sealedLot(world(), manager, await people(2), { tieBreak: 'round' });
    const [a, b] = bidders;
    openBidding(clock, lot);
    await submitAll(lot.id, [
      [b, 50_000_000],
      [a, 50_000_000],
    ]);
    await passTheEnd(world(), lot.id, { round: 1 });
    const closed = await passTheEnd(world(), lot.id);
    expect(closed).toMatchObject({ status: 'closed', finalPrice: 50_000_000, winnerRegistrationId: b.registrationId });
  });

  it(`holds at most ${MAX_TIE_ROUNDS} tie rounds, then gives a tie to the earliest submission`, async () => {
    const { lot, bidders } = await sealedLot(world(), manager, await people(2), { tieBreak: 'round' });
    const [a, b] = bidders;
    openBidding(clock, lot);
    await submitAll(lot.id, [
      [a, 50_000_000],
      [b, 50_000_000],
    ]);
    for (let round = 1; round <= MAX_TIE_ROUNDS; round++) {
      await passTheEnd(world(), lot.id, { round });
      // The last round: b submits first.
      await submitAll(
        lot.id,
        round === MAX_TIE_ROUNDS
          ? [
              [b, 51_000_000],
              [a, 51_000_000],
            ]
          : [
              [a, 51_000_000],
              [b, 51_000_000],
            ],
      );
    }
    const closed = await passTheEnd(world(), lot.id);
    expect(closed).toMatchObject({ status: 'closed', finalPrice: 51_000_000, winnerRegistrationId: b.registrationId });
    expect(closed.round).toBe(MAX_TIE_ROUNDS);
    expect((await auditsOf(lot.id, 'sealed.tie_round')).length).toBe(MAX_TIE_ROUNDS);
  });

  it('counts every bid received in the last second and refuses one received at the end, by the server clock', async () => {
    const { lot, bidders } = await sealedLot(world(), manager, await people(9));
    openBidding(clock, lot);
    const end = (await endsAtOf(t.database.db, lot.id)).getTime();
    // One by one through the last second, the last a millisecond before the end.
    for (const [k, who] of bidders.slice(0, 4).entries()) {
      clock.set(end - 1000 + k * 333);
      expect((await sealedBid(t.call, who, lot.id, 41_000_000 + k)).status).toBe(201);
    }
    // At once, a millisecond before the end.
    clock.set(end - 1);
    const together = await Promise.all(
      bidders.slice(4, 8).map((who, k) => sealedBid(t.call, who, lot.id, 45_000_000 + k)),
    );
    expect(together.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    clock.set(end);
    const late = await sealedBid(t.call, bidders[8], lot.id, 99_000_000);
    expect(late.json.error.reason).toBe('bidding_ended');
    const closed = await passTheEnd(world(), lot.id);
    expect(closed).toMatchObject({
      status: 'closed',
      finalPrice: 45_000_003,
      winnerRegistrationId: bidders[7].registrationId,
    });
    const ledger = await readLedger(t.call, lot.id);
    expect(ledger).toHaveLength(8);
    expect(ledger.map((e) => e.amount)).not.toContain(99_000_000);
  });

  it('fails a lot without bids, revealing nothing', async () => {
    const { lot } = await sealedLot(world(), manager, await people(2));
    openBidding(clock, lot);
    const closed = await passTheEnd(world(), lot.id);
    expect(closed).toMatchObject({ status: 'failed', seq: 0, lastHash: null });
    expect((await auditsOf(lot.id, 'sealed.revealed'))[0].data).toMatchObject({ count: 0 });
  });
});
