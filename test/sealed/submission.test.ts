// Submitting sealed bids (issue 16; DESIGN.md §8): the answer and its signed receipt, one live bid per
// bidder (SEALED_BID_EXISTS, or a replacement where the lot allows it), the refusals by the rules and
// the server's clock, and the bidder's own view of their bid.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { auditEvents, sealedBids } from '../../db/schema.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { lotBody, person, publishedLot, registerAndApprove, type Actor } from '../auctions/factories.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { openBidding, sealedBid, sealedLot, verifyReceipt } from './factory.ts';

const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let t: TestPlatform;
let manager: Actor;
const world = () => ({ call: t.call, clock, db: t.database.db });

beforeAll(async () => {
  t = await startTestPlatform({ clock, env: { SEALED_BID_KEY: randomBytes(32).toString('base64url') } });
  manager = await person(t.idp, t.database.db, { roles: ['manager'] });
});
afterAll(async () => {
  await t?.stop();
});

describe('a sealed bid', () => {
  it('is answered 201 with a receipt signed by the published record key over lot, bidder, commitment and time', async () => {
    const [a] = [await person(t.idp, undefined)];
    const { lot, bidders } = await sealedLot(world(), manager, [a]);
    openBidding(clock, lot);
    const res = await sealedBid(t.call, a, lot.id, 45_000_000);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      lotId: lot.id,
      round: 0,
      bidderCode: bidders[0].bidderCode,
      amount: 45_000_000,
      replaced: false,
      submittedAt: clock.now().toISOString(),
    });
    expect(res.json.commitment).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { payload, cty } = await verifyReceipt(t.call, res.json.receipt);
    expect(cty).toBe('sealed-bid-receipt+json');
    expect(payload).toEqual({
      lotId: lot.id,
      bidderCode: bidders[0].bidderCode,
      commitment: res.json.commitment,
      submittedAt: res.json.submittedAt,
    });
    // Stored sealed: the row holds a JWE and the commitment, never the amount in clear.
    const [row] = await t.database.db.select().from(sealedBids).where(eq(sealedBids.lotId, lot.id));
    expect(row.sealed.split('.')).toHaveLength(5);
    expect(row.sealed).not.toContain('45000000');
    // The bidder reads it back, amount included, with a receipt that verifies alike.
    const mine = await t.call('GET', `/api/lots/${lot.id}/sealed-bids/mine`, { token: a.token });
    expect(mine.status).toBe(200);
    expect(mine.json.items).toHaveLength(1);
    expect(mine.json.items[0]).toMatchObject({
      amount: 45_000_000,
      commitment: res.json.commitment,
      revealedSeq: null,
    });
    expect((await verifyReceipt(t.call, mine.json.items[0].receipt)).payload.commitment).toBe(res.json.commitment);
    // The audit chain holds the commitment, never the amount.
    const audits = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.lotId, lot.id), eq(auditEvents.action, 'sealed_bid.submitted')));
    expect(audits).toHaveLength(1);
    expect(audits[0].data).toEqual({
      bidderCode: bidders[0].bidderCode,
      commitment: res.json.commitment,
      round: 0,
      replaces: null,
    });
  });

  it('is one per bidder: a second is refused with SEALED_BID_EXISTS where the lot does not allow replacing', async () => {
    const a = await person(t.idp, undefined);
    const { lot } = await sealedLot(world(), manager, [a]);
    openBidding(clock, lot);
    expect((await sealedBid(t.call, a, lot.id, 41_000_000)).status).toBe(201);
    const again = await sealedBid(t.call, a, lot.id, 50_000_000);
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'SEALED_BID_EXISTS', reason: 'sealed_bid_exists' });
    const mine = await t.call('GET', `/api/lots/${lot.id}/sealed-bids/mine`, { token: a.token });
    expect(mine.json.items.map((b: { amount: number }) => b.amount)).toEqual([41_000_000]);
  });

  it('replaces the earlier one where the lot allows it: one live bid, the replacement audited', async () => {
    const a = await person(t.idp, undefined);
    const { lot } = await sealedLot(world(), manager, [a], { replaceable: true });
    openBidding(clock, lot);
    const first = await sealedBid(t.call, a, lot.id, 41_000_000);
    clock.advance(1_000);
    const second = await sealedBid(t.call, a, lot.id, 52_000_000);
    expect(second.status).toBe(201);
    expect(second.json.replaced).toBe(true);
    const rows = await t.database.db
      .select()
      .from(sealedBids)
      .where(eq(sealedBids.lotId, lot.id))
      .orderBy(asc(sealedBids.id));
    expect(rows.map((r) => r.replacedAt === null)).toEqual([false, true]);
    const mine = await t.call('GET', `/api/lots/${lot.id}/sealed-bids/mine`, { token: a.token });
    expect(mine.json.items).toHaveLength(1);
    expect(mine.json.items[0]).toMatchObject({ amount: 52_000_000, commitment: second.json.commitment });
    const audits = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.lotId, lot.id), eq(auditEvents.action, 'sealed_bid.submitted')))
      .orderBy(asc(auditEvents.id));
    expect(audits.map((e) => e.data.replaces)).toEqual([null, first.json.commitment]);
  });

  it('is refused by the rules: not registered, not approved, the manager, below the starting price', async () => {
    const [a, stranger, waiting] = [
      await person(t.idp, undefined),
      await person(t.idp, undefined),
      await person(t.idp, undefined),
    ];
    const { lot } = await sealedLot(world(), manager, [a], { pending: [waiting] });
    openBidding(clock, lot);
    const expectRefused = async (who: Actor, amount: number, status: number, code: string, reason: string) => {
      const res = await sealedBid(t.call, who, lot.id, amount);
      expect(res.status, reason).toBe(status);
      expect(res.json.error).toMatchObject({ code, reason });
    };
    await expectRefused(stranger, 45_000_000, 403, 'NOT_APPROVED', 'not_registered');
    await expectRefused(waiting, 45_000_000, 403, 'NOT_APPROVED', 'deposit_not_confirmed');
    await expectRefused(manager, 45_000_000, 403, 'FORBIDDEN', 'manager_cannot_bid');
    await expectRefused(a, 39_999_999, 409, 'BID_TOO_LOW', 'below_starting_price');
    expect((await t.database.db.select().from(sealedBids).where(eq(sealedBids.lotId, lot.id))).length).toBe(0);
  });

  it('is judged by the server clock: refused before the start and at the end, taken a millisecond before it', async () => {
    const a = await person(t.idp, undefined);
    const { lot } = await sealedLot(world(), manager, [a], { replaceable: true });
    clock.set(Date.parse(lot.startsAt) - 1);
    const early = await sealedBid(t.call, a, lot.id, 45_000_000);
    expect(early.json.error).toMatchObject({ code: 'LOT_NOT_LIVE', reason: 'bidding_not_open' });
    clock.set(Date.parse(lot.endsAt) - 1);
    expect((await sealedBid(t.call, a, lot.id, 45_000_000)).status).toBe(201);
    clock.set(Date.parse(lot.endsAt));
    const late = await sealedBid(t.call, a, lot.id, 46_000_000);
    expect(late.json.error).toMatchObject({ code: 'LOT_NOT_LIVE', reason: 'bidding_ended' });
  });

  it('is refused on a lot of another method, and the bidder view says so', async () => {
    const a = await person(t.idp, undefined);
    const lot = await publishedLot(t.call, manager, lotBody(clock.now()));
    await registerAndApprove(t.call, manager, lot.id, [a]);
    openBidding(clock, lot);
    const res = await sealedBid(t.call, a, lot.id, 45_000_000);
    expect(res.status).toBe(409);
    expect(res.json.error.reason).toBe('not_sealed_lot');
    const mine = await t.call('GET', `/api/lots/${lot.id}/sealed-bids/mine`, { token: a.token });
    expect(mine.json.error.reason).toBe('not_sealed_lot');
  });

  it('asks for a signed-in level-2 person and a well-formed amount (as POST /bids does)', async () => {
    const a = await person(t.idp, undefined);
    const low = await person(t.idp, undefined, { level: 1 });
    const { lot } = await sealedLot(world(), manager, [a]);
    openBidding(clock, lot);
    expect((await t.call('POST', `/api/lots/${lot.id}/sealed-bids`, { body: { amount: 45_000_000 } })).status).toBe(
      401,
    );
    expect((await sealedBid(t.call, low, lot.id, 45_000_000)).json.error.code).toBe('LEVEL_TOO_LOW');
    const bad = await t.call('POST', `/api/lots/${lot.id}/sealed-bids`, { token: a.token, body: { amount: 1.5 } });
    expect(bad.status).toBe(422);
    const extra = await t.call('POST', `/api/lots/${lot.id}/sealed-bids`, {
      token: a.token,
      body: { amount: 45_000_000, note: 'x' },
    });
    expect(extra.status).toBe(422);
    expect((await t.call('GET', `/api/lots/${lot.id}/sealed-bids/mine`)).status).toBe(401);
  });
});
