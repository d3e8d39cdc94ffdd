// The other methods over the socket (issue 16), with the same rules and answers as over HTTP: a
// sealed bid through `sealedBid` (the receipt in the ack, SEALED_BID_EXISTS, a bid on a sealed lot
// refused), a descending acceptance through `bid` (PRICE_CHANGED, then lot_sold), and the watchers'
// `lot` events carrying the price asked and its next fall.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import type { LotEvent } from '../../server/realtime/events.ts';
import { liveLot, person, type Actor } from '../auctions/factories.ts';
import { openBidding, sealedLot, verifyReceipt } from '../sealed/factory.ts';
import { connect, request, until, type ClientSocket } from './support.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
const open: ClientSocket[] = [];
const socketOf = async (who?: Actor): Promise<ClientSocket> => {
  const s = await connect(tp.base, { token: who?.token });
  open.push(s);
  return s;
};

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => {
  for (const s of open) s.close();
  await tp?.stop();
});

describe('sealed bids over the socket', () => {
  it('answers with the receipt, refuses a second bid, and refuses a plain bid on the lot', async () => {
    const people = [await person(tp.idp, undefined), await person(tp.idp, undefined)];
    const { lot, bidders } = await sealedLot({ call: tp.call, clock, db: tp.database.db }, manager, people);
    openBidding(clock, lot);
    const s = await socketOf(bidders[0]);
    const first = await request<{ sealedBid: { receipt: string; commitment: string; amount: number } }>(
      s,
      'sealedBid',
      { lotId: lot.id, amount: 55_000_000 },
    );
    expect(first).toMatchObject({ ok: true, sealedBid: { amount: 55_000_000, replaced: false } });
    if (!first.ok) throw new Error('refused');
    const { payload } = await verifyReceipt(tp.call, first.sealedBid.receipt);
    expect(payload).toMatchObject({ lotId: lot.id, commitment: first.sealedBid.commitment });
    expect(await request(s, 'sealedBid', { lotId: lot.id, amount: 60_000_000 })).toMatchObject({
      ok: false,
      error: { code: 'SEALED_BID_EXISTS' },
    });
    expect(await request(s, 'bid', { lotId: lot.id, amount: 60_000_000 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_STATE', reason: 'sealed_lot_bid' },
    });
    expect(await request(s, 'sealedBid', { lotId: lot.id, amount: -1 })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    // Anonymous sockets cannot bid.
    const anonymous = await socketOf();
    expect(await request(anonymous, 'sealedBid', { lotId: lot.id, amount: 60_000_000 })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHENTICATED' },
    });
  });
});

describe('a descending lot over the socket', () => {
  it('shows watchers the falling price and takes one acceptance at the price asked', async () => {
    const people = [await person(tp.idp, undefined), await person(tp.idp, undefined)];
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, people, {
      method: 'descending',
      intervalSeconds: 60,
      floorPrice: 20_000_000,
      endsAt: undefined,
    });
    const watcher = await socketOf();
    const events: LotEvent[] = [];
    watcher.on('lot', (e) => events.push(e));
    const snapshot = await request<{ lot: { currentPrice: number; nextPriceAt: string } }>(watcher, 'watch', {
      lotId: lot.id,
    });
    expect(snapshot).toMatchObject({ ok: true, lot: { currentPrice: 40_000_000, method: 'descending' } });
    clock.set(Date.parse(lot.startsAt) + 60_000);
    await until(() => events.some((e) => e.reason === 'price' && e.currentPrice === 35_000_000), 'the price falls');
    expect(events.find((e) => e.reason === 'price')).toMatchObject({
      minNextBid: 35_000_000,
      nextPriceAt: new Date(Date.parse(lot.startsAt) + 120_000).toISOString(),
    });

    const s0 = await socketOf(bidders[0]);
    const s1 = await socketOf(bidders[1]);
    expect(await request(s0, 'bid', { lotId: lot.id, amount: 40_000_000 })).toMatchObject({
      ok: false,
      error: { code: 'PRICE_CHANGED', params: { currentPrice: 35_000_000 } },
    });
    expect(await request(s0, 'bid', { lotId: lot.id, amount: 35_000_000 })).toMatchObject({ ok: true });
    expect(await request(s1, 'bid', { lotId: lot.id, amount: 35_000_000 })).toMatchObject({
      ok: false,
      error: { code: 'LOT_NOT_LIVE', reason: 'lot_sold' },
    });
    await until(() => events.some((e) => e.reason === 'closed'), 'the lot closes');
    expect(events.find((e) => e.reason === 'closed')).toMatchObject({
      finalPrice: 35_000_000,
      winnerBidderCode: bidders[0].bidderCode,
    });
  });
});
