// The demo bank (server/demo/bank.ts): in the demo, a transfer "made" there reaches matching as the
// provider's signed notification would (checked by the webhook's own code) and approves the deposit;
// outside the demo it does not exist (404 demo_only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { paymentCredits } from '../../db/schema.ts';
import { plainName } from '../../server/demo/bank.ts';
import { person, type Actor } from '../auctions/factories.ts';
import { lotWithRegistration, registrationRow } from './support.ts';
import { openDetached, payerSubject } from '../../server/privacy/personal-data.ts';

const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let demo: TestPlatform;
let plain: TestPlatform;
let manager: Actor;

beforeAll(async () => {
  [demo, plain] = await Promise.all([
    startTestPlatform({ clock, env: { DEMO_DATA: 'true' } }),
    startTestPlatform({ clock }),
  ]);
  manager = await person(demo.idp, demo.database.db, { roles: ['manager'] });
});
afterAll(async () => Promise.all([demo?.stop(), plain?.stop()]));

describe('the demo bank', () => {
  it('pays a deposit as a signed notification would: matched, approved, the payer kept', async () => {
    const bidder = await person(demo.idp, undefined);
    const { reg } = await lotWithRegistration(demo, clock, manager, bidder);
    expect((await demo.call('GET', '/api/demo/bank', { token: bidder.token })).json.account).toEqual(
      demo.platform.ctx.config.money.account,
    );
    const paid = await demo.call('POST', '/api/demo/bank/transfers', {
      token: bidder.token,
      body: { reference: reg.payment.reference, amount: 4_000_000 },
    });
    expect(paid.status).toBe(200);
    expect(paid.json).toMatchObject({ outcome: 'accepted', reference: reg.payment.reference, duplicate: false });
    expect(await registrationRow(demo, reg.id)).toMatchObject({ status: 'approved', depositState: 'received' });
    const [credit] = await demo.database.db
      .select()
      .from(paymentCredits)
      .where(eq(paymentCredits.id, paid.json.creditId));
    expect(credit).toMatchObject({ source: 'webhook', amount: 4_000_000 });
    // Kept sealed (server/privacy): the account the refund goes back to opens with the configured key.
    expect(credit.payerAccount).not.toMatch(/\d{8}/);
    const payer = openDetached(payerSubject(credit), credit.payerDataKey, {
      account: credit.payerAccount,
      name: credit.payerName,
    });
    expect(payer.account).toMatch(/^9704\d{8}$/);
    // A second transfer is more than is owed: held, as a real one would be.
    const again = await demo.call('POST', '/api/demo/bank/transfers', {
      token: bidder.token,
      body: { reference: reg.payment.reference, amount: 1 },
    });
    expect(again.json).toMatchObject({ outcome: 'held', holdReason: 'already_settled' });
  });

  it('refuses a malformed transfer with 422 and anonymous callers with 401', async () => {
    const bidder = await person(demo.idp, undefined);
    const bad = await demo.call('POST', '/api/demo/bank/transfers', {
      token: bidder.token,
      body: { reference: 'DG', amount: -5 },
    });
    expect(bad.status).toBe(422);
    expect((await demo.call('POST', '/api/demo/bank/transfers', { body: { reference: 'DG', amount: 1 } })).status).toBe(
      401,
    );
  });

  it('does not exist outside the demo', async () => {
    const someone = await person(plain.idp, undefined);
    const res = await plain.call('POST', '/api/demo/bank/transfers', {
      token: someone.token,
      body: { reference: 'DG7K3M9QX2D', amount: 1 },
    });
    expect(res.status).toBe(404);
    expect(res.json.error.reason).toBe('demo_only');
    expect((await plain.call('GET', '/api/demo/bank', { token: someone.token })).status).toBe(404);
  });

  it('writes names as banks print them', () => {
    expect(plainName('Phạm Minh Đức')).toBe('PHAM MINH DUC');
  });
});
