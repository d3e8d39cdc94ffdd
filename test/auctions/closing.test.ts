import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personKey } from '../../server/privacy/personal-data.ts';
import { asc, eq } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents, lots, registrations } from '../../db/schema.ts';
import { closeLot, CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import type { DomainEventMap, LotChange } from '../../server/shared/events.ts';
import { eventually, liveLot, lotBody, person, publishedLot, registerAndApprove, type Actor } from './factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
const changes: LotChange[] = [];
const personal: DomainEventMap['personal'][] = [];

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  tp.platform.ctx.events.on('lot', (c) => changes.push(c));
  tp.platform.ctx.events.on('personal', (p) => personal.push(p));
});
afterAll(async () => tp?.stop());

const bid = (lotId: number, who: Actor, amount: number) =>
  tp.call('POST', `/api/lots/${lotId}/bids`, { token: who.token, body: { amount } });
const finished = (lotId: number) =>
  eventually(async () => {
    const r = (await tp.call('GET', `/api/lots/${lotId}/result`)).json;
    return r.status === 'closed' || r.status === 'failed' ? r : undefined;
  }, `lot ${lotId} to finish`);
const deposits = async (lotId: number): Promise<Record<number, string>> =>
  Object.fromEntries(
    (await tp.database.db.select().from(registrations).where(eq(registrations.lotId, lotId))).map((r) => [
      r.id,
      r.depositState,
    ]),
  );

describe('closing', () => {
  it('flips a scheduled lot to live when bidding starts', async () => {
    const lot = await publishedLot(tp.call, manager, lotBody(clock.now()));
    clock.set(Date.parse(lot.startsAt));
    await eventually(
      async () =>
        (await tp.database.db.select().from(lots).where(eq(lots.id, lot.id)))[0].status === 'live' ? true : undefined,
      'the flip to live',
    );
    expect(changes.filter((c) => c.lotId === lot.id && c.reason === 'live')).toHaveLength(1);
  });

  it('closes at the end with the highest standing bid as winner and settles every deposit', async () => {
    const people = await Promise.all([1, 2, 3].map(() => person(tp.idp, undefined)));
    const lot = await publishedLot(tp.call, manager, lotBody(clock.now()));
    const [a, b, c] = await registerAndApprove(tp.call, manager, lot.id, people);
    const [unpaid] = await registerAndApprove(tp.call, manager, lot.id, [await person(tp.idp, undefined)], {
      approve: false,
    });
    clock.set(Date.parse(lot.startsAt));
    expect((await bid(lot.id, a, 40_000_000)).status).toBe(201);
    expect((await bid(lot.id, b, 45_000_000)).status).toBe(201);
    expect((await bid(lot.id, c, 50_000_000)).status).toBe(201);
    expect((await tp.call('POST', `/api/lots/${lot.id}/bids/3/withdraw`, { token: c.token })).status).toBe(201);
    expect((await bid(lot.id, a, 50_000_000)).status).toBe(201);

    clock.set(Date.parse(lot.endsAt) + CLOSE_GRACE_MS);
    const result = await finished(lot.id);
    expect(result).toMatchObject({
      status: 'closed',
      winnerBidderCode: a.bidderCode,
      finalPrice: 50_000_000,
      closedAt: lot.endsAt,
    });
    const d = await deposits(lot.id);
    expect([d[a.registrationId], d[b.registrationId], d[c.registrationId]]).toEqual([
      'retained',
      'refundable',
      'forfeited',
    ]);
    expect(d[unpaid.registrationId]).toBe('pending');
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lot.id))
      .orderBy(asc(auditEvents.id));
    expect(audit.find((x) => x.action === 'lot.closed')).toMatchObject({
      actorPid: null,
      data: { finalPrice: 50_000_000, winnerRegistrationId: a.registrationId },
    });
    expect(audit.filter((x) => x.action === 'deposit.settled')).toHaveLength(1);
    expect(changes.filter((x) => x.lotId === lot.id && x.reason === 'closed')).toHaveLength(1);
    const outcomes = personal.filter(
      (p) => p.event.lotId === lot.id && (p.event.type === 'won' || p.event.type === 'lost'),
    );
    expect(outcomes.map((p) => [p.pid, p.event.type]).sort()).toEqual(
      [
        [personKey(a.pid), 'won'],
        [personKey(b.pid), 'lost'],
        [personKey(c.pid), 'lost'],
      ].sort(),
    );
    expect((await tp.call('GET', '/api/me/registrations', { token: a.token })).json.items[0]).toMatchObject({
      outcome: 'won',
      depositState: 'retained',
    });
    expect((await tp.call('GET', '/api/me/registrations', { token: b.token })).json.items[0]).toMatchObject({
      outcome: 'lost',
      depositState: 'refundable',
    });
    expect((await bid(lot.id, b, 90_000_000)).json.error.code).toBe('LOT_NOT_LIVE');

    // The manager records the refund of a refundable deposit, and only of a refundable one.
    const refund = (rid: number) =>
      tp.call('POST', `/api/lots/${lot.id}/registrations/${rid}/refund`, { token: manager.token });
    expect((await refund(b.registrationId)).json).toMatchObject({ depositState: 'refunded' });
    expect((await refund(a.registrationId)).json.error.code).toBe('INVALID_STATE');
    expect((await refund(c.registrationId)).json.error.code).toBe('INVALID_STATE');
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/registrations/${b.registrationId}/refund`, { token: b.token })).json
        .error.code,
    ).toBe('FORBIDDEN');
    expect(Object.values(await deposits(lot.id)).sort()).toEqual(['forfeited', 'pending', 'refunded', 'retained']);
  });

  it('fails a lot with fewer approved bidders than AUCTION_MIN_BIDDERS, refunding deposits', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [await person(tp.idp, undefined)]);
    expect((await bid(lot.id, bidders[0], 40_000_000)).status).toBe(201);
    clock.set(Date.parse(lot.endsAt) + CLOSE_GRACE_MS);
    expect(await finished(lot.id)).toMatchObject({ status: 'failed', winnerBidderCode: null, finalPrice: null });
    expect(Object.values(await deposits(lot.id))).toEqual(['refundable']);
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lot.id))
      .orderBy(asc(auditEvents.id));
    expect(audit.find((x) => x.action === 'lot.failed')?.data).toMatchObject({
      reason: 'fewer than 2 approved bidders',
    });
  });

  it('fails a lot without bids', async () => {
    const { lot } = await liveLot({ call: tp.call, clock }, manager, [
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
    ]);
    clock.set(Date.parse(lot.endsAt) + CLOSE_GRACE_MS);
    expect(await finished(lot.id)).toMatchObject({ status: 'failed' });
    expect(changes.filter((x) => x.lotId === lot.id && x.reason === 'failed')).toHaveLength(1);
  });

  it('closes a lot exactly once however many closers race for it', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
    ]);
    expect((await bid(lot.id, bidders[0], 40_000_000)).status).toBe(201);
    clock.set(Date.parse(lot.endsAt) + CLOSE_GRACE_MS);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => closeLot(tp.platform.ctx, lot.id)));
    expect(outcomes.filter((o) => o !== null).length).toBeLessThanOrEqual(1);
    await finished(lot.id);
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lot.id))
      .orderBy(asc(auditEvents.id));
    expect(audit.filter((x) => x.action === 'lot.closed' || x.action === 'lot.failed')).toHaveLength(1);
    expect(changes.filter((x) => x.lotId === lot.id && (x.reason === 'closed' || x.reason === 'failed'))).toHaveLength(
      1,
    );
    expect(personal.filter((p) => p.event.lotId === lot.id && p.event.type === 'won')).toHaveLength(1);
  });

  it('cancelling a live lot refunds received deposits and stops bidding', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
    ]);
    expect((await bid(lot.id, bidders[0], 40_000_000)).status).toBe(201);
    const res = await tp.call('POST', `/api/lots/${lot.id}/cancel`, {
      token: manager.token,
      body: { reason: 'The owner withdrew the asset' },
    });
    expect(res.json).toMatchObject({ status: 'cancelled', cancelReason: 'The owner withdrew the asset' });
    expect(Object.values(await deposits(lot.id))).toEqual(['refundable', 'refundable']);
    expect((await bid(lot.id, bidders[1], 45_000_000)).json.error.code).toBe('LOT_NOT_LIVE');
    expect(changes.filter((x) => x.lotId === lot.id && x.reason === 'cancelled')).toHaveLength(1);
    clock.set(Date.parse(lot.endsAt) + CLOSE_GRACE_MS);
    expect(await closeLot(tp.platform.ctx, lot.id)).toBeNull();
    expect((await tp.call('GET', '/api/me/registrations', { token: bidders[0].token })).json.items[0]).toMatchObject({
      outcome: 'cancelled',
    });
  });

  it('does not close a lot before its end', async () => {
    const { lot } = await liveLot({ call: tp.call, clock }, manager, [await person(tp.idp, undefined)]);
    clock.set(Date.parse(lot.endsAt) - 1);
    expect(await closeLot(tp.platform.ctx, lot.id)).toBeNull();
    expect((await tp.call('GET', `/api/lots/${lot.id}/result`)).json.status).toBe('live');
  });
});
