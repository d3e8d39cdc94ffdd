import type { Json } from '../support/json.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personKey } from '../../server/privacy/personal-data.ts';
import { and, asc, eq } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents, ledgerEntries, registrations } from '../../db/schema.ts';
import type { DomainEventMap } from '../../server/shared/events.ts';
import {
  brokenLink,
  eventually,
  liveLot,
  lotBody,
  lotStanding,
  person,
  publishedLot,
  readLedger,
  registerAndApprove,
  type Actor,
} from '../auctions/factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => tp?.stop());

const bid = (lotId: number, who: Actor, amount: unknown, key?: string) =>
  tp.call('POST', `/api/lots/${lotId}/bids`, {
    token: who.token,
    body: { amount },
    headers: key ? { 'idempotency-key': key } : {},
  });

/** Everything a rejected bid must leave untouched. */
async function snapshot(lotId: number): Promise<unknown> {
  const db = tp.database.db;
  // The scheduler may flip the status in the background; the standing state must not move.
  const lot = await lotStanding(db, lotId);
  return {
    lot,
    entries: await db.select().from(ledgerEntries).where(eq(ledgerEntries.lotId, lotId)),
    audit: await db.select().from(auditEvents).where(eq(auditEvents.lotId, lotId)).orderBy(asc(auditEvents.id)),
  };
}

async function expectRefused(
  lotId: number,
  attempt: () => Promise<{ status: number; json: Json }>,
  status: number,
  code: string,
): Promise<void> {
  const before = await snapshot(lotId);
  const res = await attempt();
  expect(res.json?.error?.code, JSON.stringify(res.json)).toBe(code);
  expect(res.status).toBe(status);
  expect(await snapshot(lotId)).toEqual(before);
}

describe('placing bids', () => {
  it('accepts a first bid at the starting price and answers with seq, amount, code and time', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [await person(tp.idp, undefined)]);
    const res = await bid(lot.id, bidders[0], 40_000_000);
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      seq: 1,
      amount: 40_000_000,
      bidderCode: bidders[0].bidderCode,
      placedAt: clock.now().toISOString(),
    });
    const after = (await tp.call('GET', `/api/lots/${lot.id}`)).json;
    expect(after).toMatchObject({
      status: 'live',
      currentPrice: 40_000_000,
      highestBidderCode: bidders[0].bidderCode,
      bidCount: 1,
      seq: 1,
      minNextBid: 45_000_000,
    });
  });

  it('applies every rule with its code and stores nothing for a refused bid', async () => {
    const [a, b, pending, stranger] = [
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
    ];
    const lot = await publishedLot(tp.call, manager, lotBody(clock.now()));
    const [ra, rb] = await registerAndApprove(tp.call, manager, lot.id, [a, b]);
    await registerAndApprove(tp.call, manager, lot.id, [pending], { approve: false });
    await expectRefused(lot.id, () => bid(lot.id, ra, 40_000_000), 409, 'LOT_NOT_LIVE');
    clock.advance(Date.parse(lot.startsAt) - clock.now().getTime());

    await expectRefused(lot.id, () => bid(lot.id, ra, 39_999_999), 409, 'BID_TOO_LOW');
    expect((await bid(lot.id, ra, 40_000_000)).status).toBe(201);
    await expectRefused(lot.id, () => bid(lot.id, ra, 50_000_000), 409, 'ALREADY_LEADING');
    await expectRefused(lot.id, () => bid(lot.id, rb, 44_999_999), 409, 'BID_TOO_LOW');
    await expectRefused(lot.id, () => bid(lot.id, pending, 60_000_000), 403, 'NOT_APPROVED');
    await expectRefused(lot.id, () => bid(lot.id, stranger, 60_000_000), 403, 'NOT_APPROVED');
    await expectRefused(lot.id, () => bid(lot.id, manager, 60_000_000), 403, 'FORBIDDEN');
    const low = await person(tp.idp, undefined, { level: 1 });
    await expectRefused(lot.id, () => bid(lot.id, low, 60_000_000), 403, 'LEVEL_TOO_LOW');
    await expectRefused(
      lot.id,
      () => tp.call('POST', `/api/lots/${lot.id}/bids`, { body: { amount: 60_000_000 } }),
      401,
      'UNAUTHENTICATED',
    );
    for (const amount of [-5, 0, 45_000_000.5, '45000000', null, 2 ** 60])
      await expectRefused(lot.id, () => bid(lot.id, rb, amount), 422, 'VALIDATION_FAILED');
    await expectRefused(
      lot.id,
      () => tp.call('POST', `/api/lots/${lot.id}/bids`, { token: rb.token, raw: '{"amount":' }),
      400,
      'MALFORMED_REQUEST',
    );
    await expectRefused(lot.id, () => bid(lot.id, rb, 45_000_000, 'x'.repeat(201)), 422, 'VALIDATION_FAILED');
    await expectRefused(
      lot.id,
      () => tp.call('POST', '/api/lots/999999/bids', { token: rb.token, body: { amount: 1 } }),
      404,
      'NOT_FOUND',
    );
    expect((await bid(lot.id, rb, 45_000_000)).json.seq).toBe(2);

    // A bid reaching the server exactly at the end is too late.
    clock.set(Date.parse(lot.endsAt));
    await expectRefused(lot.id, () => bid(lot.id, ra, 90_000_000), 409, 'LOT_NOT_LIVE');
  });

  it('refuses a body over the size limit, declared or streamed, and reads a streamed bid in full', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [await person(tp.idp, undefined)]);
    const post = (body: string | ReadableStream<Uint8Array>) =>
      fetch(`${tp.base}/api/lots/${lot.id}/bids`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bidders[0].token}`, 'content-type': 'application/json' },
        body,
        ...(typeof body === 'string' ? {} : { duplex: 'half' }),
      } as RequestInit);
    const chunked = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          const bytes = new TextEncoder().encode(text);
          for (let i = 0; i < bytes.length; i += 1024) c.enqueue(bytes.slice(i, i + 1024));
          c.close();
        },
      });
    const big = JSON.stringify({ amount: 40_000_000, pad: 'x'.repeat(70 * 1024) });
    for (const body of [big, chunked(big)]) {
      const before = await snapshot(lot.id);
      const res = await post(body);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await snapshot(lot.id)).toEqual(before);
    }
    const res = await post(chunked(JSON.stringify({ amount: 40_000_000 })));
    expect(res.status).toBe(201);
    expect(((await res.json()) as { seq: number }).seq).toBe(1);
  });

  it('bars a barred bidder (BIDDER_BARRED)', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [await person(tp.idp, undefined)]);
    await tp.database.db
      .update(registrations)
      .set({ status: 'barred' })
      .where(eq(registrations.id, bidders[0].registrationId));
    await expectRefused(lot.id, () => bid(lot.id, bidders[0], 40_000_000), 403, 'BIDDER_BARRED');
  });

  it('refuses bids on draft, cancelled and unknown lots', async () => {
    const [a] = [await person(tp.idp, undefined)];
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [a]);
    await tp.call('POST', `/api/lots/${lot.id}/cancel`, {
      token: manager.token,
      body: { reason: 'withdrawn by the owner' },
    });
    // The cancellation's result notice is published by a job of its own: let it land before the
    // snapshot, which must then not move.
    await eventually(async () => {
      const published = await tp.database.db
        .select({ id: auditEvents.id })
        .from(auditEvents)
        .where(and(eq(auditEvents.lotId, lot.id), eq(auditEvents.action, 'result.published')));
      return published.length > 0 ? true : undefined;
    }, 'the cancellation’s result notice');
    await expectRefused(lot.id, () => bid(lot.id, bidders[0], 40_000_000), 409, 'LOT_NOT_LIVE');
  });
});

describe('idempotent retries', () => {
  it('returns the first answer for a retried key and never places a second bid', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
    ]);
    const first = await bid(lot.id, bidders[0], 40_000_000, 'key-1');
    const again = await bid(lot.id, bidders[0], 40_000_000, 'key-1');
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    const conflict = await bid(lot.id, bidders[0], 41_000_000, 'key-1');
    expect(conflict.json.error.code).toBe('IDEMPOTENCY_CONFLICT');
    // Concurrent duplicates (one batch) also give one bid.
    const burst = await Promise.all([1, 2, 3, 4, 5].map(() => bid(lot.id, bidders[1], 45_000_000, 'key-2')));
    expect(burst.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(burst.map((r) => r.json.seq))).toEqual(new Set([2]));
    // The same key from another bidder is a different request.
    expect((await bid(lot.id, bidders[0], 50_000_000, 'key-2')).json.seq).toBe(3);
    expect(await readLedger(tp.call, lot.id)).toHaveLength(3);
    // After the close, a retry still gets its first answer.
    clock.set(Date.parse(lot.endsAt) + 1);
    expect((await bid(lot.id, bidders[0], 40_000_000, 'key-1')).json).toEqual(first.json);
  });
});

describe('the ledger', () => {
  it('keeps gap-free seq, strictly increasing amounts, a verifying hash chain and the standing state', async () => {
    const people = await Promise.all(Array.from({ length: 6 }, () => person(tp.idp, undefined)));
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, people);
    const seen: DomainEventMap['entries'][] = [];
    const outbid: DomainEventMap['personal'][] = [];
    const offEntries = tp.platform.ctx.events.on('entries', (e) => e.lotId === lot.id && seen.push(e));
    const offPersonal = tp.platform.ctx.events.on('personal', (p) => p.event.lotId === lot.id && outbid.push(p));
    let price = 40_000_000;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        price += 5_000_000;
        return bid(lot.id, bidders[i % bidders.length], price);
      }),
    );
    offEntries();
    offPersonal();
    const accepted = results.filter((r) => r.status === 201).map((r) => r.json);
    expect(accepted.length).toBeGreaterThan(0);
    for (const r of results)
      if (r.status !== 201) expect(['BID_TOO_LOW', 'ALREADY_LEADING']).toContain(r.json.error.code);
    const ledger = await readLedger(tp.call, lot.id, 7);
    expect(ledger.map((e) => e.seq)).toEqual(ledger.map((_, i) => i + 1));
    expect(ledger.map((e) => [e.seq, e.amount, e.bidderCode]).sort((x, y) => x[0] - y[0])).toEqual(
      accepted.map((a) => [a.seq, a.amount, a.bidderCode]).sort((x, y) => x[0] - y[0]),
    );
    for (let i = 1; i < ledger.length; i++)
      expect(ledger[i].amount).toBeGreaterThanOrEqual(ledger[i - 1].amount + 5_000_000);
    expect(brokenLink(ledger)).toBe(-1);
    const state = (await tp.call('GET', `/api/lots/${lot.id}`)).json;
    expect(state).toMatchObject({
      currentPrice: ledger.at(-1).amount,
      highestBidderCode: ledger.at(-1).bidderCode,
      seq: ledger.length,
      bidCount: ledger.length,
    });
    // Post-commit events: every entry once, consecutive, in seq order; an outbid notice per change of leader.
    expect(seen.flatMap((e) => e.entries.map((x) => x.seq))).toEqual(ledger.map((e) => e.seq));
    expect(outbid.filter((p) => p.event.type === 'outbid')).toHaveLength(ledger.length - 1);
    // A tampered entry breaks the chain.
    const tampered = ledger.map((e, i) => (i === 2 ? { ...e, amount: e.amount + 1 } : e));
    expect(brokenLink(tampered)).toBe(2);
  });

  it('never records a time earlier than the entry before it', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
    ]);
    clock.advance(60_000);
    const first = await bid(lot.id, bidders[0], 40_000_000);
    clock.advance(-30_000); // another process's clock may lag a little
    const second = await bid(lot.id, bidders[1], 45_000_000);
    expect(second.status).toBe(201);
    expect(second.json.placedAt).toBe(first.json.placedAt);
    clock.advance(60_000);
  });

  it('pages GET /bids in seq order and validates the query', async () => {
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, [
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
    ]);
    for (let i = 0; i < 5; i++)
      expect((await bid(lot.id, bidders[i % 2], 40_000_000 + i * 5_000_000)).status).toBe(201);
    const page = await tp.call('GET', `/api/lots/${lot.id}/bids?after=2&limit=2`);
    expect(page.json.items.map((e: Json) => e.seq)).toEqual([3, 4]);
    expect(page.json.items[0]).toMatchObject({
      seq: 3,
      amount: 50_000_000,
      bidderCode: bidders[0].bidderCode,
      status: 'accepted',
      placedAt: expect.any(String),
    });
    expect(page.text).not.toContain(bidders[0].pid);
    expect(page.text).not.toContain(personKey(bidders[0].pid));
    expect((await tp.call('GET', `/api/lots/${lot.id}/bids?after=5`)).json.items).toEqual([]);
    expect((await tp.call('GET', `/api/lots/${lot.id}/bids?after=-1`)).status).toBe(422);
    expect((await tp.call('GET', '/api/lots/999999/bids')).status).toBe(404);
  });
});
