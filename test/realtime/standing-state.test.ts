// The lot's standing state comes from the server, in every `lot` event and every snapshot (issue 14,
// item 4): a page shows it as it is and never works it out from the ledger. After withdrawals the
// price falls back by the server's one rule (the latest bid of a bidder still in the lot), which a
// page replaying the ledger ("the latest bid not withdrawn") gets wrong. A cancellation carries its
// reason, and each bidder hears at once what became of their deposit. Every accepted bid is broadcast
// with the next minimum the server computed for it, and every state says whether bidding is open and
// whether the lot has ended, so a page never recomputes a rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/shared/clock.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import type {
  LiveEntry,
  LostEvent,
  LotEvent,
  RegistrationEvent,
  WatchSnapshot,
  WonEvent,
} from '../../server/realtime/events.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { connect, request, until, Watcher, type ClientSocket } from './support.ts';
import { call, setUpLot, type Bidder, type LotScenario } from './scenario.ts';

const adminPid = newPid();
const clock = new ManualClock(new Date('2026-11-22T08:00:00Z'));
let t: TestPlatform;
const sockets: ClientSocket[] = [];
const track = async (s: Promise<ClientSocket>): Promise<ClientSocket> => {
  const socket = await s;
  sockets.push(socket);
  return socket;
};

beforeAll(async () => {
  t = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid, AUCTION_MIN_BIDDERS: '1' } });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.stop();
});

async function liveLot(bidders: number): Promise<LotScenario> {
  const lot = await setUpLot(t.base, t.idp, {
    adminPid,
    bidders,
    registrationMs: 60_000,
    biddingMs: 30 * 60_000,
    now: clock.now(),
  });
  clock.set(lot.startsAt.getTime() + 1_000);
  return lot;
}

async function bid(lot: LotScenario, who: Bidder, amount: number): Promise<number> {
  const res = await call(t.base, 'POST', `/api/lots/${lot.lotId}/bids`, { token: who.token, body: { amount } });
  expect(res.status).toBe(201);
  return res.json.seq;
}

async function withdraw(lot: LotScenario, who: Bidder, seq: number): Promise<void> {
  expect((await call(t.base, 'POST', `/api/lots/${lot.lotId}/bids/${seq}/withdraw`, { token: who.token })).status).toBe(
    201,
  );
}

describe('the standing state in lot events and snapshots', () => {
  it('after A 100, B 110, C 120, B 130 and the withdrawals of B and then C, every view says A leads at 100 (B is barred)', async () => {
    const lot = await liveLot(3);
    const [a, b, c] = lot.bidders;
    const step = lot.priceStep;
    const p = (n: number): number => lot.startingPrice + n * step;
    const watcher = new Watcher(await track(connect(t.base)), lot.lotId);
    await watcher.watch();
    await bid(lot, a, p(0));
    await bid(lot, b, p(1));
    await bid(lot, c, p(2));
    const bTop = await bid(lot, b, p(3));
    await withdraw(lot, b, bTop);
    // Only the withdrawals' events: the lot's going live may be reported too, by the scheduler.
    const withdrawals = (): LotEvent[] => watcher.lotEvents.filter((e) => e.reason === 'withdrawal');
    await until(() => withdrawals().length === 1, 'the first withdrawal’s lot event');
    expect(withdrawals()[0]).toMatchObject({
      reason: 'withdrawal',
      status: 'live',
      seq: 5,
      currentPrice: p(2),
      highestBidderCode: c.bidderCode,
      minNextBid: p(3),
    });
    await withdraw(lot, c, 3);
    await until(() => withdrawals().length === 2, 'the second withdrawal’s lot event');
    const standing = { currentPrice: p(0), highestBidderCode: a.bidderCode, minNextBid: p(1), seq: 6 };
    expect(withdrawals()[1]).toMatchObject({ reason: 'withdrawal', ...standing, biddingOpen: true, ended: false });
    // Each accepted bid went out with the next minimum once it stood (the rules' figure, not a page's);
    // a withdrawal with none (its lot event says what stands).
    await until(() => watcher.ledger.size === 6, 'all six entries');
    const broadcast = [...watcher.ledger.values()].sort((x, y) => x.seq - y.seq);
    expect(broadcast.map((e) => (e as LiveEntry).minNextBid)).toEqual([p(1), p(2), p(3), p(4), undefined, undefined]);
    // Replaying the ledger as the page used to ("the latest bid not withdrawn") names barred B at 110.
    const entries = [...watcher.ledger.values()];
    const withdrawn = new Set(entries.flatMap((e) => (e.kind === 'withdrawal' ? [e.withdrawsSeq] : [])));
    const naive = entries.filter((e) => e.kind === 'bid' && !withdrawn.has(e.seq)).at(-1);
    expect(naive).toMatchObject({ bidderCode: b.bidderCode, amount: p(1) });

    const fresh = await track(connect(t.base));
    const snapshot = await request<WatchSnapshot>(fresh, 'watch', { lotId: lot.lotId });
    const computed = {
      biddingOpen: true,
      ended: false,
      managerActions: { edit: false, publish: false, cancel: true, approveDeposits: true },
    };
    expect(snapshot.ok && snapshot.lot).toMatchObject({ ...standing, ...computed });
    expect((await call(t.base, 'GET', `/api/lots/${lot.lotId}`)).json).toMatchObject({ ...standing, ...computed });
    // The bid path holds the same state: A leads, so A may not bid again.
    const low = await call(t.base, 'POST', `/api/lots/${lot.lotId}/bids`, { token: a.token, body: { amount: p(1) } });
    expect(low.json.error?.code).toBe('ALREADY_LEADING');
  });

  it('sends a cancellation with its reason, and tells each bidder at once that their deposit will be refunded', async () => {
    const lot = await liveLot(2);
    const [a] = lot.bidders;
    await bid(lot, a, lot.startingPrice);
    const watcher = new Watcher(await track(connect(t.base)), lot.lotId);
    await watcher.watch();
    const sa = await track(connect(t.base, { token: a.token }));
    const mine: RegistrationEvent[] = [];
    sa.on('registration', (e) => mine.push(e));
    const cancelled = await call(t.base, 'POST', `/api/lots/${lot.lotId}/cancel`, {
      token: lot.managerToken,
      body: { reason: 'Tài sản bị thu hồi theo quyết định của cơ quan có thẩm quyền.' },
    });
    expect(cancelled.status).toBe(200);
    await until(
      () => watcher.lotEvents.some((e) => e.reason === 'cancelled') && mine.length === 1,
      'the cancellation and the deposit change',
    );
    expect(watcher.lotEvents.find((e) => e.reason === 'cancelled')).toMatchObject({
      reason: 'cancelled',
      status: 'cancelled',
      cancelReason: 'Tài sản bị thu hồi theo quyết định của cơ quan có thẩm quyền.',
      currentPrice: lot.startingPrice,
      highestBidderCode: a.bidderCode,
      minNextBid: null,
      biddingOpen: false,
      ended: true,
      seq: 1,
    });
    expect(mine[0]).toMatchObject({
      type: 'registration',
      lotId: lot.lotId,
      status: 'approved',
      depositState: 'refundable',
    });
  });

  it('closes with the winner and final price in the lot event, and tells the winner their deposit counts toward it and the loser it will be refunded', async () => {
    const lot = await liveLot(2);
    const [a, b] = lot.bidders;
    await bid(lot, a, lot.startingPrice);
    await bid(lot, b, lot.startingPrice + lot.priceStep);
    const watcher = new Watcher(await track(connect(t.base)), lot.lotId);
    await watcher.watch();
    const sa = await track(connect(t.base, { token: a.token }));
    const sb = await track(connect(t.base, { token: b.token }));
    const lost = new Promise<LostEvent>((r) => sa.once('lost', r));
    const won = new Promise<WonEvent>((r) => sb.once('won', r));
    clock.set(lot.endsAt.getTime() + CLOSE_GRACE_MS + 1);
    const finalPrice = lot.startingPrice + lot.priceStep;
    expect(await won).toMatchObject({ finalPrice, depositState: 'retained' });
    expect(await lost).toMatchObject({ finalPrice, depositState: 'refundable' });
    await until(() => watcher.lotEvents.some((e) => e.reason === 'closed'), 'the close');
    expect(watcher.lotEvents.find((e) => e.reason === 'closed')).toMatchObject({
      reason: 'closed',
      status: 'closed',
      finalPrice,
      winnerBidderCode: b.bidderCode,
      highestBidderCode: b.bidderCode,
      minNextBid: null,
      biddingOpen: false,
      ended: true,
    });
    expect((await call(t.base, 'GET', `/api/lots/${lot.lotId}`)).json).toMatchObject({
      ended: true,
      biddingOpen: false,
      managerActions: { edit: false, publish: false, cancel: false, approveDeposits: false },
    });
  });
});
