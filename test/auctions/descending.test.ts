// The descending method over HTTP (issue 16): the price asked falls on the server clock, exactly one
// acceptance wins at the price asked and closes the lot at once, every other one is refused
// (PRICE_CHANGED when the price moved, LOT_NOT_LIVE once sold), nobody accepting fails the lot, and a
// restart in the middle changes nothing about the schedule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents } from '../../db/schema.ts';
import { asc, eq } from 'drizzle-orm';
import { brokenLink, createLot, eventually, liveLot, lotBody, person, readLedger, type Actor } from './factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
/** After the restart test, the database and provider the first platform opened, for afterAll to close. */
let restarted: Pick<TestPlatform, 'database' | 'idp'> | undefined;
afterAll(async () => {
  await tp?.stop();
  await restarted?.database.close();
  await restarted?.idp.close();
});

/** 40 M falling by 5 M every minute to a floor of 20 M: 40, 35, 30, 25, 20, then failed. */
const DESCENDING = { method: 'descending', intervalSeconds: 60, floorPrice: 20_000_000, endsAt: undefined };
const MIN = 60_000;

const accept = (lotId: number, who: Actor, amount: number) =>
  tp.call('POST', `/api/lots/${lotId}/bids`, { token: who.token, body: { amount } });
const lotNow = async (lotId: number) => (await tp.call('GET', `/api/lots/${lotId}`)).json;

describe('creating a descending lot', () => {
  it('works out the end from the schedule and shows the terms', async () => {
    const body = lotBody(clock.now(), DESCENDING);
    const lot = await createLot(tp.call, manager, body);
    expect(lot).toMatchObject({
      method: 'descending',
      intervalSeconds: 60,
      floorPrice: 20_000_000,
      rounds: null,
      tieBreak: null,
      replaceable: null,
      endsAt: new Date(Date.parse(body.startsAt as string) + 5 * MIN).toISOString(),
    });
    expect(lot.rules).toMatch(/descending/i);
  });

  it.each([
    ['no interval', { intervalSeconds: undefined }, 'intervalSeconds', 'REQUIRED'],
    ['no floor', { floorPrice: undefined }, 'floorPrice', 'REQUIRED'],
    ['a floor above the start', { floorPrice: 50_000_000 }, 'floorPrice', 'FLOOR_ABOVE_START'],
    ['an end off the schedule', { endsAt: '2026-12-01T12:00:00.000Z' }, 'endsAt', 'ENDS_AT_BY_SCHEDULE'],
    ['rounds', { rounds: { max: 3, seconds: 30, triggerSeconds: 10 } }, 'rounds', 'NOT_FOR_METHOD'],
    ['a soft close', { softClose: { windowSeconds: 60, extendSeconds: 60 } }, 'softClose', 'NOT_FOR_METHOD'],
    ['a tie-break', { tieBreak: 'round' }, 'tieBreak', 'NOT_FOR_METHOD'],
  ])('refuses %s with a field error and creates nothing', async (_, overrides, field, code) => {
    const before = (await tp.call('GET', '/api/lots?mine=true', { token: manager.token })).json.total;
    const res = await tp.call('POST', '/api/lots', {
      token: manager.token,
      body: lotBody(clock.now(), { ...DESCENDING, ...overrides }),
    });
    expect(res.status).toBe(422);
    expect(res.json.error.fieldErrors[field]).toMatchObject({ code });
    // The end is the schedule's: never "required" because the schedule's own terms are wrong.
    if (field !== 'endsAt') expect(res.json.error.fieldErrors.endsAt).toBeUndefined();
    expect((await tp.call('GET', '/api/lots?mine=true', { token: manager.token })).json.total).toBe(before);
  });
});

describe('bidding on a descending lot', () => {
  it('asks a falling price; the first acceptance of the price asked wins and closes the lot at once', async () => {
    const { lot, bidders } = await liveLot(
      { call: tp.call, clock },
      manager,
      [await person(tp.idp, undefined), await person(tp.idp, undefined), await person(tp.idp, undefined)],
      DESCENDING,
    );
    const start = Date.parse(lot.startsAt);
    expect(await lotNow(lot.id)).toMatchObject({
      status: 'live',
      currentPrice: 40_000_000,
      minNextBid: 40_000_000,
      nextPriceAt: new Date(start + MIN).toISOString(),
      nextPrice: 35_000_000,
    });
    clock.set(start + 2 * MIN + 5_000);
    expect(await lotNow(lot.id)).toMatchObject({
      currentPrice: 30_000_000,
      minNextBid: 30_000_000,
      nextPriceAt: new Date(start + 3 * MIN).toISOString(),
    });

    // The price asked a minute ago, and a price not yet asked, are both refused with the price now.
    for (const amount of [35_000_000, 25_000_000]) {
      const stale = await accept(lot.id, bidders[0], amount);
      expect(stale.status).toBe(409);
      expect(stale.json.error).toMatchObject({
        code: 'PRICE_CHANGED',
        reason: 'price_changed',
        params: { currentPrice: 30_000_000, nextPriceAt: new Date(start + 3 * MIN).toISOString() },
      });
    }
    // Withdrawing is not part of the method.
    const won = await accept(lot.id, bidders[1], 30_000_000);
    expect(won.status).toBe(201);
    expect((await accept(lot.id, bidders[2], 30_000_000)).json.error).toMatchObject({
      code: 'LOT_NOT_LIVE',
      reason: 'lot_sold',
    });
    const withdraw = await tp.call('POST', `/api/lots/${lot.id}/bids/${won.json.seq}/withdraw`, {
      token: bidders[1].token,
    });
    expect(withdraw.json.error).toMatchObject({ code: 'INVALID_STATE', reason: 'withdraw_not_method' });

    // Closed at once (the next scheduler tick), not after the schedule's end.
    const closed = await eventually(async () => {
      const l = await lotNow(lot.id);
      return l.status === 'closed' ? l : undefined;
    }, 'the lot closes');
    expect(closed).toMatchObject({
      finalPrice: 30_000_000,
      winnerBidderCode: bidders[1].bidderCode,
      endsAt: won.json.placedAt,
      closedAt: won.json.placedAt,
      nextPriceAt: null,
      minNextBid: null,
    });
    const actions = (
      await tp.database.db.select().from(auditEvents).where(eq(auditEvents.lotId, lot.id)).orderBy(asc(auditEvents.id))
    ).map((a) => a.action);
    expect(actions).toContain('lot.accepted');
    expect(actions.indexOf('lot.accepted')).toBeLessThan(actions.indexOf('lot.closed'));
  });

  it('with 50 bidders accepting at the same instant: exactly one wins, at the price asked', async () => {
    const people = await Promise.all(Array.from({ length: 50 }, () => person(tp.idp, undefined)));
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, people, DESCENDING);
    clock.set(Date.parse(lot.startsAt) + MIN + 1_000);
    const answers = await Promise.all(bidders.map((b) => accept(lot.id, b, 35_000_000)));
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(1);
    expect(won[0].json.amount).toBe(35_000_000);
    for (const a of answers.filter((x) => x.status !== 201))
      expect(a.json.error).toMatchObject({ code: 'LOT_NOT_LIVE', reason: 'lot_sold' });
    const ledger = await readLedger(tp.call, lot.id);
    expect(ledger).toHaveLength(1);
    expect(brokenLink(ledger)).toBe(-1);
    const closed = await eventually(async () => {
      const l = await lotNow(lot.id);
      return l.status === 'closed' ? l : undefined;
    }, 'the lot closes');
    expect(closed).toMatchObject({ finalPrice: 35_000_000, winnerBidderCode: won[0].json.bidderCode });
  });

  it('fails when nobody accepts down to the floor', async () => {
    const { lot } = await liveLot(
      { call: tp.call, clock },
      manager,
      [await person(tp.idp, undefined), await person(tp.idp, undefined)],
      DESCENDING,
    );
    const start = Date.parse(lot.startsAt);
    clock.set(start + 4 * MIN + 1_000);
    expect(await lotNow(lot.id)).toMatchObject({ currentPrice: 20_000_000, nextPriceAt: null });
    clock.set(start + 5 * MIN + 1_500);
    const failed = await eventually(async () => {
      const l = await lotNow(lot.id);
      return l.status === 'failed' ? l : undefined;
    }, 'the lot fails');
    expect(failed).toMatchObject({ currentPrice: null, finalPrice: null, winnerBidderCode: null });
  });

  it('announces each fall of the price to watchers as a lot event', async () => {
    const { lot } = await liveLot(
      { call: tp.call, clock },
      manager,
      [await person(tp.idp, undefined), await person(tp.idp, undefined)],
      DESCENDING,
    );
    const prices: number[] = [];
    const off = tp.platform.ctx.events.on('lot', (c) => {
      if (c.lotId === lot.id && c.reason === 'price' && c.currentPrice !== null) prices.push(c.currentPrice);
    });
    clock.set(Date.parse(lot.startsAt) + MIN);
    await eventually(async () => (prices.includes(35_000_000) ? true : undefined), 'the first fall is announced');
    clock.set(Date.parse(lot.startsAt) + 2 * MIN);
    await eventually(async () => (prices.includes(30_000_000) ? true : undefined), 'the second fall is announced');
    off();
    expect(prices).toEqual([35_000_000, 30_000_000]);
  });

  it('keeps the schedule across a restart: the price has fallen as the clock says', async () => {
    const { lot, bidders } = await liveLot(
      { call: tp.call, clock },
      manager,
      [await person(tp.idp, undefined), await person(tp.idp, undefined)],
      DESCENDING,
    );
    await tp.platform.stop();
    restarted = { database: tp.database, idp: tp.idp };
    clock.set(Date.parse(lot.startsAt) + 3 * MIN + 10_000);
    tp = await startTestPlatform({ clock, database: tp.database, idp: tp.idp });
    expect(await lotNow(lot.id)).toMatchObject({ status: 'live', currentPrice: 25_000_000 });
    expect((await accept(lot.id, bidders[0], 25_000_000)).status).toBe(201);
  });
});
