// The minimum-bidders rule at the close counts only bidders still allowed to bid (issue 13, item 9):
// a bidder barred for withdrawing is not one of the "approved bidders" that make an auction valid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents } from '../../db/schema.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { eventually, lotBody, person, publishedLot, registerAndApprove, type Actor } from './factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;

beforeAll(async () => {
  tp = await startTestPlatform({ clock, env: { AUCTION_MIN_BIDDERS: '2' } });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => tp?.stop());

describe('closing with a barred bidder', () => {
  it('fails a lot whose only other approved bidder was barred, instead of awarding it', async () => {
    const lot = await publishedLot(tp.call, manager, lotBody(clock.now()));
    const [a, b] = await registerAndApprove(tp.call, manager, lot.id, [
      await person(tp.idp, undefined),
      await person(tp.idp, undefined),
    ]);
    clock.set(Date.parse(lot.startsAt));
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/bids`, { token: a.token, body: { amount: 40_000_000 } })).status,
    ).toBe(201);
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/bids`, { token: b.token, body: { amount: 45_000_000 } })).status,
    ).toBe(201);
    expect((await tp.call('POST', `/api/lots/${lot.id}/bids/2/withdraw`, { token: b.token })).status).toBe(201);
    clock.set(Date.parse(lot.endsAt) + CLOSE_GRACE_MS);
    const result = await eventually(async () => {
      const r = (await tp.call('GET', `/api/lots/${lot.id}/result`)).json;
      return r.status === 'closed' || r.status === 'failed' ? r : undefined;
    }, 'the close');
    expect(result).toMatchObject({ status: 'failed', winnerBidderCode: null, finalPrice: null });
    const [failed] = await tp.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.lotId, lot.id), eq(auditEvents.action, 'lot.failed')));
    expect(failed.data).toMatchObject({ approvedBidders: 1, reason: 'fewer than 2 approved bidders' });
  });
});
