import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personKey } from '../../server/privacy/personal-data.ts';
import { asc, eq } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents, ledgerEntries, registrations } from '../../db/schema.ts';
import { firstBrokenLink, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import type { LotChange } from '../../server/shared/events.ts';
import { liveLot, person, readLedger, type Actor } from '../auctions/factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => tp?.stop());

const bid = (lotId: number, who: Actor, amount: number) =>
  tp.call('POST', `/api/lots/${lotId}/bids`, { token: who.token, body: { amount } });
const withdraw = (lotId: number, who: Actor, seq: number) =>
  tp.call('POST', `/api/lots/${lotId}/bids/${seq}/withdraw`, { token: who.token });

describe('soft close', () => {
  it('extends the end after a bid in the closing window, with a lot event and an audit event', async () => {
    const { lot, bidders } = await liveLot(
      { call: tp.call, clock },
      manager,
      [await person(tp.idp, undefined), await person(tp.idp, undefined)],
      { softClose: { windowSeconds: 60, extendSeconds: 120 } },
    );
    const changes: LotChange[] = [];
    const off = tp.platform.ctx.events.on('lot', (c) => c.lotId === lot.id && changes.push(c));
    const end = Date.parse(lot.endsAt);
    clock.set(end - 5 * 60_000);
    expect((await bid(lot.id, bidders[0], 40_000_000)).status).toBe(201);
    expect((await tp.call('GET', `/api/lots/${lot.id}`)).json.endsAt).toBe(lot.endsAt);

    clock.set(end - 30_000);
    expect((await bid(lot.id, bidders[1], 45_000_000)).status).toBe(201);
    const extended = new Date(end - 30_000 + 120_000).toISOString();
    const after = (await tp.call('GET', `/api/lots/${lot.id}`)).json;
    expect(after).toMatchObject({ endsAt: extended, scheduledEndsAt: lot.endsAt, status: 'live' });
    expect(changes.filter((c) => c.reason === 'extended')).toEqual([
      {
        lotId: lot.id,
        status: 'live',
        endsAt: extended,
        currentPrice: 45_000_000,
        highestBidderCode: bidders[1].bidderCode,
        minNextBid: 50_000_000,
        nextPriceAt: null,
        nextPrice: null,
        round: null,
        biddingOpen: true,
        ended: false,
        seq: 2,
        reason: 'extended',
        cancelReason: null,
        finalPrice: null,
        winnerBidderCode: null,
        award: null,
        suspendedAt: null,
        suspensionReason: null,
        rerunOf: null,
        rerunAs: null,
      },
    ]);
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lot.id))
      .orderBy(asc(auditEvents.id));
    expect(audit.find((a) => a.action === 'lot.extended')?.data).toMatchObject({ from: lot.endsAt, to: extended });

    // After the published end, bidding continues until the extended end.
    clock.set(end + 10_000);
    expect((await bid(lot.id, bidders[0], 50_000_000)).status).toBe(201);
    clock.set(Date.parse(extended) + 200_000);
    expect((await bid(lot.id, bidders[1], 55_000_000)).json.error.code).toBe('LOT_NOT_LIVE');
    off();
  });

  it('never extends a hard-close lot', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [await person(tp.idp, undefined)]);
    clock.set(Date.parse(lot.endsAt) - 1_000);
    expect((await bid(lot.id, bidders[0], 40_000_000)).status).toBe(201);
    expect((await tp.call('GET', `/api/lots/${lot.id}`)).json.endsAt).toBe(lot.endsAt);
  });
});

describe('withdrawal', () => {
  it("withdraws one's own standing highest bid: new entry, price falls back, bidder barred, deposit forfeited", async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
    ]);
    const [a, b, c] = bidders;
    expect((await bid(lot.id, a, 40_000_000)).status).toBe(201);
    expect((await bid(lot.id, b, 45_000_000)).status).toBe(201);
    expect((await bid(lot.id, c, 50_000_000)).status).toBe(201);

    const notLeading = await withdraw(lot.id, b, 2);
    expect(notLeading.status).toBe(409);
    expect(notLeading.json.error.code).toBe('NOT_LEADING');
    expect((await withdraw(lot.id, a, 3)).json.error.code).toBe('FORBIDDEN');
    expect((await withdraw(lot.id, c, 99)).json.error.code).toBe('NOT_FOUND');
    expect(await readLedger(tp.call, lot.id)).toHaveLength(3);

    const res = await withdraw(lot.id, c, 3);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      seq: 4,
      withdrawsSeq: 3,
      amount: 50_000_000,
      bidderCode: c.bidderCode,
      currentPrice: 45_000_000,
    });
    const state = (await tp.call('GET', `/api/lots/${lot.id}`)).json;
    expect(state).toMatchObject({
      currentPrice: 45_000_000,
      highestBidderCode: b.bidderCode,
      seq: 4,
      bidCount: 3,
      minNextBid: 50_000_000,
    });

    const ledger = await readLedger(tp.call, lot.id);
    expect(ledger.map((e) => [e.seq, e.kind, e.status])).toEqual([
      [1, 'bid', 'accepted'],
      [2, 'bid', 'accepted'],
      [3, 'bid', 'withdrawn'],
      [4, 'withdrawal', 'withdrawal'],
    ]);
    expect(
      firstBrokenLink(ledger, (prev, e) => ledgerEntryHash(prev, { ...e, withdrawsSeq: e.withdrawsSeq ?? null })),
    ).toBe(-1);
    const [reg] = await tp.database.db.select().from(registrations).where(eq(registrations.id, c.registrationId));
    expect(reg).toMatchObject({ status: 'barred', depositState: 'forfeited' });
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lot.id))
      .orderBy(asc(auditEvents.id));
    expect(audit.find((x) => x.action === 'bid.withdrawn')).toMatchObject({
      actorPid: personKey(c.pid),
      data: { withdrawsSeq: 3, depositState: 'forfeited' },
    });

    expect((await bid(lot.id, c, 80_000_000)).json.error.code).toBe('BIDDER_BARRED');
    expect((await withdraw(lot.id, c, 3)).status).toBe(409);
    // The auction continues from the fallen-back price.
    expect((await bid(lot.id, a, 50_000_000)).json.seq).toBe(5);
    const mine = await tp.call('GET', '/api/me/registrations', { token: c.token });
    expect(mine.json.items[0]).toMatchObject({
      status: 'barred',
      depositState: 'forfeited',
      bids: [{ seq: 3, status: 'withdrawn' }],
    });
  });

  it('falls back to no price when the only bid is withdrawn, and refuses after the close', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
    ]);
    expect((await bid(lot.id, bidders[0], 40_000_000)).status).toBe(201);
    expect((await withdraw(lot.id, bidders[0], 1)).json.currentPrice).toBeNull();
    expect((await tp.call('GET', `/api/lots/${lot.id}`)).json).toMatchObject({
      currentPrice: null,
      highestBidderCode: null,
      minNextBid: 40_000_000,
    });
    expect((await bid(lot.id, bidders[1], 40_000_000)).status).toBe(201);
    clock.set(Date.parse(lot.endsAt));
    const late = await withdraw(lot.id, bidders[1], 3);
    expect(late.json.error.code).toBe('LOT_NOT_LIVE');
    expect((await tp.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.lotId, lot.id))).length).toBe(3);
  });
});
