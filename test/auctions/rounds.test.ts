// Extension rounds over HTTP (issue 16): a valid bid in the trigger window of the official time or of
// a round opens the next round (endsAt moves to its end); only bidders with a valid bid in the period
// before may bid in a round (NOT_IN_ROUND for the others); each round's end and start are audited
// with the bidders allowed and announced as lot events; rounds stop at `max`; a restart in the middle
// changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents } from '../../db/schema.ts';
import type { LotChange } from '../../server/shared/events.ts';
import { eventually, liveLot, lotBody, person, type Actor } from './factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
let restarted: Pick<TestPlatform, 'database' | 'idp'> | undefined;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => {
  await tp?.stop();
  await restarted?.database.close();
  await restarted?.idp.close();
});

const ROUNDS = { rounds: { max: 2, seconds: 30, triggerSeconds: 10 } };
const bid = (lotId: number, who: Actor, amount: number) =>
  tp.call('POST', `/api/lots/${lotId}/bids`, { token: who.token, body: { amount } });
const lotNow = async (lotId: number) => (await tp.call('GET', `/api/lots/${lotId}`)).json;
const audits = async (lotId: number, action: string) =>
  (
    await tp.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.lotId, lotId), eq(auditEvents.action, action)))
      .orderBy(asc(auditEvents.id))
  ).map((a) => a.data);

describe('creating a lot with extension rounds', () => {
  it.each([
    [
      'a trigger longer than a round',
      { rounds: { max: 2, seconds: 30, triggerSeconds: 31 } },
      'rounds.triggerSeconds',
      'TRIGGER_LONGER_THAN_ROUND',
    ],
    [
      'rounds with a soft close',
      { ...ROUNDS, softClose: { windowSeconds: 60, extendSeconds: 60 } },
      'softClose',
      'NOT_FOR_METHOD',
    ],
    ['rounds on a sealed lot', { ...ROUNDS, method: 'sealed' }, 'rounds', 'NOT_FOR_METHOD'],
    ['no end on an ascending lot', { endsAt: undefined }, 'endsAt', 'REQUIRED'],
    ['a floor price on an ascending lot', { floorPrice: 10_000_000 }, 'floorPrice', 'NOT_FOR_METHOD'],
  ])('refuses %s', async (_, overrides, field, code) => {
    const res = await tp.call('POST', '/api/lots', { token: manager.token, body: lotBody(clock.now(), overrides) });
    expect(res.status).toBe(422);
    expect(res.json.error.fieldErrors[field]).toMatchObject({ code });
  });

  it('publishes the policy in the lot and in its rules', async () => {
    const res = await tp.call('POST', '/api/lots', { token: manager.token, body: lotBody(clock.now(), ROUNDS) });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ method: 'ascending', rounds: ROUNDS.rounds, round: 0 });
    expect(res.json.rules).toMatch(/extension rounds of 30 seconds/i);
    expect(res.json.rulesTranslations.vi).toMatch(/vòng kéo dài/);
  });
});

describe('bidding in extension rounds', () => {
  it('opens rounds by bids in the trigger window and lets only the previous period’s bidders bid', async () => {
    const { lot, bidders } = await liveLot(
      { call: tp.call, clock },
      manager,
      await Promise.all([0, 1, 2].map(() => person(tp.idp, undefined))),
      ROUNDS,
    );
    const [a, b, c] = bidders;
    const end = Date.parse(lot.endsAt);
    const changes: LotChange[] = [];
    const off = tp.platform.ctx.events.on('lot', (ch) => ch.lotId === lot.id && changes.push(ch));

    clock.set(end - 5 * 60_000);
    expect((await bid(lot.id, a, 40_000_000)).status).toBe(201);
    expect(await lotNow(lot.id)).toMatchObject({ round: 0, endsAt: lot.endsAt });
    // A bid in the last 10 s of the official time opens round 1: the end moves to its end.
    clock.set(end - 5_000);
    expect((await bid(lot.id, b, 45_000_000)).status).toBe(201);
    const round1End = new Date(end + 30_000).toISOString();
    expect(await lotNow(lot.id)).toMatchObject({ endsAt: round1End, scheduledEndsAt: lot.endsAt });
    expect(await audits(lot.id, 'lot.round_opened')).toEqual([
      { round: 1, startsAt: lot.endsAt, endsAt: round1End, seq: 2 },
    ]);

    // Round 1: C made no bid in the official time.
    clock.set(end + 2_000);
    const refused = await bid(lot.id, c, 60_000_000);
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'NOT_IN_ROUND', reason: 'not_in_round', params: { round: 1 } });
    const started = await eventually(async () => {
      const l = await lotNow(lot.id);
      return (await audits(lot.id, 'lot.round_started')).length === 1 ? l : undefined;
    }, 'round 1 is announced');
    expect(started.round).toBe(1);
    expect(await audits(lot.id, 'lot.round_started')).toEqual([
      { round: 1, startsAt: lot.endsAt, endsAt: round1End, bidders: [a.bidderCode, b.bidderCode].sort() },
    ]);
    expect(await audits(lot.id, 'lot.round_ended')).toEqual([
      { round: 0, startsAt: lot.startsAt, endedAt: lot.endsAt },
    ]);
    await eventually(
      async () => (changes.some((ch) => ch.reason === 'round' && ch.round === 1) ? true : undefined),
      'the round event',
    );

    // A bids early in round 1 (opens nothing), B in its trigger window (opens round 2).
    clock.set(end + 5_000);
    expect((await bid(lot.id, a, 50_000_000)).status).toBe(201);
    expect((await lotNow(lot.id)).endsAt).toBe(round1End);
    clock.set(end + 25_000);
    expect((await bid(lot.id, b, 55_000_000)).status).toBe(201);
    const round2End = new Date(end + 60_000).toISOString();
    expect((await lotNow(lot.id)).endsAt).toBe(round2End);

    // Round 2, across a restart: A and B bid in round 1, C still may not.
    await tp.platform.stop();
    restarted = { database: tp.database, idp: tp.idp };
    clock.set(end + 40_000);
    tp = await startTestPlatform({ clock, database: tp.database, idp: tp.idp });
    expect((await bid(lot.id, c, 70_000_000)).json.error).toMatchObject({ code: 'NOT_IN_ROUND', params: { round: 2 } });
    // The last round: a bid in its trigger window opens nothing (max 2).
    clock.set(end + 55_000);
    expect((await bid(lot.id, a, 60_000_000)).status).toBe(201);
    expect((await lotNow(lot.id)).endsAt).toBe(round2End);
    off();

    clock.set(end + 62_000);
    const closed = await eventually(async () => {
      const l = await lotNow(lot.id);
      return l.status === 'closed' ? l : undefined;
    }, 'the lot closes after round 2');
    expect(closed).toMatchObject({ finalPrice: 60_000_000, winnerBidderCode: a.bidderCode, round: 2 });
    expect((await audits(lot.id, 'lot.round_started')).map((d) => d.round)).toEqual([1, 2]);
  });

  it('ends at the official time when no bid falls in the trigger window', async () => {
    const { lot, bidders } = await liveLot(
      { call: tp.call, clock },
      manager,
      await Promise.all([0, 1].map(() => person(tp.idp, undefined))),
      ROUNDS,
    );
    const end = Date.parse(lot.endsAt);
    clock.set(end - 11_000);
    expect((await bid(lot.id, bidders[0], 40_000_000)).status).toBe(201);
    expect((await lotNow(lot.id)).endsAt).toBe(lot.endsAt);
    clock.set(end + 1_500);
    expect((await bid(lot.id, bidders[1], 45_000_000)).json.error).toMatchObject({ code: 'LOT_NOT_LIVE' });
    const closed = await eventually(async () => {
      const l = await lotNow(lot.id);
      return l.status === 'closed' ? l : undefined;
    }, 'the lot closes');
    expect(closed).toMatchObject({ finalPrice: 40_000_000, round: 0 });
  });
});
