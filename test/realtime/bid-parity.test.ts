// A bid over the socket is the HTTP bid: same service, same error objects (code, reason, params,
// message, field codes), same idempotency (a key used over one is honoured over the other). Personal
// events reach only their person.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/shared/clock.ts';
import { ERROR_STATUS, type ErrorObject } from '../../server/shared/errors.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import type { OutbidEvent, RegistrationEvent, WonEvent, LostEvent } from '../../server/realtime/events.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { connect, request, until, Watcher, type ClientSocket } from './support.ts';
import { call, setUpLot, type Bidder, type LotScenario } from './scenario.ts';

const adminPid = newPid();
const clock = new ManualClock(new Date('2026-11-22T08:00:00Z'));
let t: TestPlatform;
let lot: LotScenario;
let future: LotScenario;
let a: Bidder;
let b: Bidder;
let sa: ClientSocket;
let sb: ClientSocket;
const sockets: ClientSocket[] = [];
const track = async (s: Promise<ClientSocket>): Promise<ClientSocket> => {
  const socket = await s;
  sockets.push(socket);
  return socket;
};

beforeAll(async () => {
  t = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid } });
  lot = await setUpLot(t.base, t.idp, {
    adminPid,
    bidders: 2,
    registrationMs: 60_000,
    biddingMs: 30 * 60_000,
    now: clock.now(),
  });
  future = await setUpLot(t.base, t.idp, {
    adminPid,
    bidders: 1,
    registrationMs: 24 * 3_600_000,
    biddingMs: 30 * 60_000,
    now: clock.now(),
  });
  clock.set(lot.startsAt.getTime() + 1_000);
  [a, b] = lot.bidders;
  sa = await track(connect(t.base, { token: a.token }));
  sb = await track(connect(t.base, { token: b.token }));
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.stop();
});

type Outcome =
  { ok: true; body: Record<string, unknown> } | { ok: false; status?: number; code: string; error: ErrorObject };

async function overHttp(
  bidder: { token?: string } | undefined,
  lotId: number,
  amount: unknown,
  key?: string,
): Promise<Outcome> {
  const res = await call(t.base, 'POST', `/api/lots/${lotId}/bids`, {
    token: bidder?.token,
    body: { amount },
    headers: key ? { 'idempotency-key': key } : {},
  });
  if (res.status === 201) return { ok: true, body: res.json };
  return { ok: false, status: res.status, code: res.json.error.code, error: res.json.error };
}

async function overSocket(socket: ClientSocket, lotId: number, amount: unknown, key?: string): Promise<Outcome> {
  const ack = await request<{ bid: Record<string, unknown> }>(socket, 'bid', {
    lotId,
    amount,
    ...(key ? { idempotencyKey: key } : {}),
  });
  if (ack.ok) return { ok: true, body: ack.bid };
  return { ok: false, code: ack.error.code, error: ack.error };
}

/** The same refusal over both: the whole error object, and the HTTP status that goes with its code. */
function expectSameRefusal(http: Outcome, socket: Outcome, code: string): ErrorObject | undefined {
  expect(http).toMatchObject({ ok: false, code });
  expect(socket).toMatchObject({ ok: false, code });
  if (http.ok || socket.ok) return undefined;
  expect(http.status).toBe(ERROR_STATUS[code as keyof typeof ERROR_STATUS]);
  expect(socket.error).toEqual(http.error);
  expect(http.error.reason, 'every bid refusal names its reason').toBeDefined();
  return http.error;
}

describe('a bid over the socket and over HTTP', () => {
  it('accept with the same answer, and a retried key returns the first answer over either', async () => {
    const outbid = new Promise<OutbidEvent>((r) => sa.once('outbid', r));
    const first = await overHttp(a, lot.lotId, lot.startingPrice, 'a-1');
    const second = await overSocket(sb, lot.lotId, lot.startingPrice + lot.priceStep, 'b-1');
    expect(first).toMatchObject({ ok: true, body: { seq: 1, amount: lot.startingPrice, bidderCode: a.bidderCode } });
    expect(second).toMatchObject({
      ok: true,
      body: { seq: 2, amount: lot.startingPrice + lot.priceStep, bidderCode: b.bidderCode },
    });
    if (!first.ok || !second.ok) return;
    expect(Object.keys(second.body).sort()).toEqual(Object.keys(first.body).sort());

    expect(await overSocket(sa, lot.lotId, lot.startingPrice, 'a-1')).toEqual(first);
    expect(await overHttp(b, lot.lotId, lot.startingPrice + lot.priceStep, 'b-1')).toEqual(second);
    expect(await overSocket(sb, lot.lotId, lot.startingPrice + lot.priceStep, 'b-1')).toEqual(second);
    expect((await call(t.base, 'GET', `/api/lots/${lot.lotId}/bids`)).json.items).toHaveLength(2);
    expect(await outbid).toMatchObject({
      type: 'outbid',
      lotId: lot.lotId,
      seq: 2,
      amount: lot.startingPrice + lot.priceStep,
    });
  });

  it('refuse a reused key with another amount alike', async () => {
    expectSameRefusal(
      await overHttp(a, lot.lotId, lot.startingPrice + 7 * lot.priceStep, 'a-1'),
      await overSocket(sa, lot.lotId, lot.startingPrice + 7 * lot.priceStep, 'a-1'),
      'IDEMPOTENCY_CONFLICT',
    );
  });

  it('refuse the leader alike', async () => {
    const amount = lot.startingPrice + 5 * lot.priceStep;
    expectSameRefusal(await overHttp(b, lot.lotId, amount), await overSocket(sb, lot.lotId, amount), 'ALREADY_LEADING');
  });

  it('refuse a bid below the step alike, naming the minimum next bid', async () => {
    const error = expectSameRefusal(
      await overHttp(a, lot.lotId, lot.startingPrice + lot.priceStep),
      await overSocket(sa, lot.lotId, lot.startingPrice + lot.priceStep),
      'BID_TOO_LOW',
    );
    expect(error).toMatchObject({
      reason: 'below_next_bid',
      params: { minNextBid: lot.startingPrice + 2 * lot.priceStep },
    });
  });

  it('refuse a person who is not an approved bidder alike', async () => {
    const token = await t.idp.token({ sub: newPid(), loa: 2 });
    const s = await track(connect(t.base, { token }));
    expectSameRefusal(
      await overHttp({ token }, lot.lotId, 90_000_000),
      await overSocket(s, lot.lotId, 90_000_000),
      'NOT_APPROVED',
    );
  });

  it('refuse a lot whose bidding has not started alike', async () => {
    const [c] = future.bidders;
    const s = await track(connect(t.base, { token: c.token }));
    expectSameRefusal(
      await overHttp(c, future.lotId, future.startingPrice),
      await overSocket(s, future.lotId, future.startingPrice),
      'LOT_NOT_LIVE',
    );
  });

  it('refuse an unknown lot alike', async () => {
    expectSameRefusal(await overHttp(a, 999_999, 90_000_000), await overSocket(sa, 999_999, 90_000_000), 'NOT_FOUND');
  });

  it('refuse a fractional amount alike', async () => {
    const http = await overHttp(a, lot.lotId, 90_000_000.5);
    const socket = await overSocket(sa, lot.lotId, 90_000_000.5);
    expect(expectSameRefusal(http, socket, 'VALIDATION_FAILED')).toMatchObject({
      reason: 'invalid_fields',
      fieldErrors: { amount: { code: 'NOT_VND' } },
    });
  });

  it('refuse an anonymous bidder and a level-1 bidder alike', async () => {
    const anonymous = await track(connect(t.base));
    expectSameRefusal(
      await overHttp(undefined, lot.lotId, 90_000_000),
      await overSocket(anonymous, lot.lotId, 90_000_000),
      'UNAUTHENTICATED',
    );
    const token = await t.idp.token({ loa: 1 });
    const low = await track(connect(t.base, { token }));
    expectSameRefusal(
      await overHttp({ token }, lot.lotId, 90_000_000),
      await overSocket(low, lot.lotId, 90_000_000),
      'LEVEL_TOO_LOW',
    );
  });
});

describe('personal events', () => {
  it('tells a registrant, on their own sockets only, that their deposit was confirmed', async () => {
    const pid = newPid();
    const token = await t.idp.token({ sub: pid, loa: 2 });
    const mine = await track(connect(t.base, { token }));
    const others: RegistrationEvent[] = [];
    sa.on('registration', (e) => others.push(e));
    const mineEvents: RegistrationEvent[] = [];
    mine.on('registration', (e) => mineEvents.push(e));
    // Registration is open for the future lot; its approval is what the person hears about.
    const reg = await call(t.base, 'POST', `/api/lots/${future.lotId}/registrations`, {
      token,
      body: { acceptRules: true },
    });
    expect(reg.status).toBe(201);
    expect(
      (
        await call(t.base, 'POST', `/api/lots/${future.lotId}/registrations/${reg.json.id}/approve`, {
          token: future.managerToken,
        })
      ).status,
    ).toBe(200);
    await until(() => mineEvents.some((e) => e.status === 'approved'), 'the approval');
    expect(mineEvents.at(-1)).toMatchObject({
      type: 'registration',
      lotId: future.lotId,
      registrationId: reg.json.id,
      status: 'approved',
    });
    expect(others).toEqual([]);
  });

  it('tells the winner they won and the other bidder they lost at the close; watchers hear only the close', async () => {
    const watcher = new Watcher(await track(connect(t.base)), lot.lotId);
    await watcher.watch();
    const personal: string[] = [];
    for (const type of ['won', 'lost', 'outbid', 'registration'] as const)
      watcher.socket.on(type, () => personal.push(type));
    const won = new Promise<WonEvent>((r) => sb.once('won', r));
    const lost = new Promise<LostEvent>((r) => sa.once('lost', r));
    const aWon: WonEvent[] = [];
    sa.on('won', (e) => aWon.push(e));
    clock.set(lot.endsAt.getTime() + CLOSE_GRACE_MS + 1);
    expect(await won).toMatchObject({ type: 'won', lotId: lot.lotId, finalPrice: lot.startingPrice + lot.priceStep });
    expect(await lost).toMatchObject({ type: 'lost', lotId: lot.lotId });
    await until(() => watcher.lotEvents.length > 0, 'the close');
    expect(watcher.lotEvents).toMatchObject([
      { lotId: lot.lotId, status: 'closed', reason: 'closed', seq: 2, currentPrice: lot.startingPrice + lot.priceStep },
    ]);
    expect(personal).toEqual([]);
    expect(aWon).toEqual([]);
  });
});
