// After the hammer (server/award): the winner signs the record only with a fresh e-ID sign-in, the
// manager countersigns, a refusal forfeits the deposit and offers the lot to the next bidder when Art.
// 51's test holds (and not otherwise), the next bidder accepts and signs or refuses, and missed
// deadlines make the award fail. Each signed document verifies and names the record's final hash; the
// money trail adds up at every step.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Json } from '../support/json.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ROOT } from '../support/server-process.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { payments, refunds } from '../../db/schema.ts';
import { eventually, lotBody, person, publishedLot, type Actor } from '../auctions/factories.ts';
import { auditOf, noticesOf, registrationRow, SECRET, sendNotification } from '../payments/support.ts';

const HOUR = 3_600_000;
let tp: TestPlatform;
// Tuesday 1 December 2026, 15:00 in Vietnam.
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
let otherManager: Actor;
let regulator: Actor;
let tx = 0;

beforeAll(async () => {
  tp = await startTestPlatform({ clock, env: { PAYMENT_WEBHOOK_SECRET: SECRET } });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'], name: 'Trần Thị Lan' });
  otherManager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  regulator = await person(tp.idp, tp.database.db, { roles: ['regulator'] });
});
afterAll(async () => tp?.stop());

interface Bidder extends Actor {
  registrationId: number;
  bidderCode: string;
  reference: string;
}

/** A token for the same person that says they authenticated at the provider `agoSeconds` ago. */
const signedInAgo = (who: Actor, agoSeconds: number, name?: string) =>
  tp.idp.token({
    sub: who.pid,
    loa: 2,
    auth_time: Math.floor(Date.now() / 1000) - agoSeconds,
    ...(name ? { name } : {}),
  });

async function biddingLot(count: number, overrides: Record<string, unknown> = {}) {
  const lot = await publishedLot(tp.call, manager, lotBody(clock.now(), { priceStep: 2_000_000, ...overrides }));
  const out: Bidder[] = [];
  for (let i = 0; i < count; i++) {
    const b = await person(tp.idp, undefined);
    const reg = await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token, body: {} });
    expect(reg.status).toBe(201);
    const paid = await sendNotification(tp, clock, {
      transactionId: `FT-AW-${++tx}`,
      reference: reg.json.payment.reference,
      amount: lot.deposit,
      paidAt: clock.now().toISOString(),
    } as never);
    expect(paid.json).toMatchObject({ outcome: 'accepted' });
    out.push({
      ...b,
      registrationId: reg.json.id,
      bidderCode: reg.json.bidderCode,
      reference: reg.json.payment.reference,
    });
  }
  clock.advance(Date.parse(lot.startsAt) - clock.now().getTime());
  return { lot, bidders: out };
}

const bid = async (lotId: number, who: Actor, amount: number) =>
  expect((await tp.call('POST', `/api/lots/${lotId}/bids`, { token: who.token, body: { amount } })).status).toBe(201);

async function closeAtEnd(lot: Json): Promise<Json> {
  clock.advance(Date.parse(lot.endsAt) - clock.now().getTime() + 2_000);
  return eventually(async () => {
    const r = (await tp.call('GET', `/api/lots/${lot.id}`)).json;
    return r.ended && (r.status === 'failed' || r.award) ? r : undefined;
  }, `lot ${lot.id} to close`);
}

const lotNow = async (lotId: number) => (await tp.call('GET', `/api/lots/${lotId}`)).json;
const post = (path: string, token: string, body?: unknown) =>
  tp.call('POST', path, { token, ...(body === undefined ? {} : { body }) });

async function verify(document: unknown): Promise<Json> {
  const res = await tp.call('POST', '/api/records/verify', { body: document });
  expect(res.status).toBe(200);
  return res.json;
}

async function recordFinalHash(lotId: number): Promise<string> {
  const res = await tp.call('GET', `/api/records/lots/${lotId}?format=json`, { token: regulator.token });
  expect(res.status).toBe(200);
  return JSON.parse(Buffer.from(res.json.payload, 'base64url').toString('utf8')).finalHash;
}

async function balanced(lotId: number) {
  const res = await tp.call('GET', `/api/lots/${lotId}/money`, { token: manager.token });
  expect(res.status).toBe(200);
  expect(res.json.problems).toEqual([]);
  return res.json;
}

const depositOf = async (registrationId: number) =>
  (
    await tp.database.db
      .select()
      .from(payments)
      .where(and(eq(payments.registrationId, registrationId), eq(payments.kind, 'deposit')))
  )[0];

describe('the winner signs the record', () => {
  let lot: Json;
  let a: Bidder;
  let b: Bidder;

  beforeAll(async () => {
    const live = await biddingLot(2);
    lot = live.lot;
    [a, b] = live.bidders;
    await bid(lot.id, a, 40_000_000);
    await bid(lot.id, b, 42_000_000);
    await bid(lot.id, a, 44_000_000);
    await closeAtEnd(lot);
  });

  it('awaits the signature until a deadline of 24 working hours', async () => {
    const l = await lotNow(lot.id);
    expect(l.award).toMatchObject({ state: 'awaiting_confirmation', bidderCode: a.bidderCode, price: 44_000_000 });
    // Closed on Tuesday 1 December, 16:10 Vietnam time: 24 working hours later.
    expect(Date.parse(l.award.deadline) - Date.parse(lot.endsAt)).toBe(24 * HOUR);
  });

  it('shows the winner what the record states before they sign it, naming no one', async () => {
    const url = `/api/lots/${lot.id}/record/extract`;
    const res = await tp.call('GET', url, { token: a.token });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      lotId: lot.id,
      title: lot.title,
      method: 'ascending',
      status: 'closed',
      biddingStartedAt: lot.startsAt,
      biddingEndedAt: expect.any(String),
      participants: { qualified: 2, attended: 2 },
      bids: 3,
      winningPrice: 44_000_000,
      winnerBidderCode: a.bidderCode,
      award: {
        state: 'awaiting_confirmation',
        bidderCode: a.bidderCode,
        price: 44_000_000,
        priceRecordedAt: expect.any(String),
      },
      recordFinalHash: await recordFinalHash(lot.id),
    });
    expect(JSON.stringify(res.json)).not.toContain(a.pid);
    // The final hash is the public ledger's last entry's: the bid history the winner can read.
    const ledger = await tp.call('GET', `/api/lots/${lot.id}/bids?after=0&limit=100`);
    expect(ledger.json.items.at(-1).hash).toBe(res.json.recordFinalHash);
    // The lot's parties read it; a stranger, another lot's manager and the anonymous do not.
    for (const token of [b.token, manager.token, regulator.token])
      expect((await tp.call('GET', url, { token })).status).toBe(200);
    const stranger = await person(tp.idp, undefined);
    expect((await tp.call('GET', url, { token: stranger.token })).status).toBe(403);
    expect((await tp.call('GET', url, { token: otherManager.token })).status).toBe(403);
    expect((await tp.call('GET', url)).status).toBe(401);
    // Before the close there is no record to state.
    const open = await publishedLot(tp.call, manager, lotBody(clock.now()));
    const early = await tp.call('GET', `/api/lots/${open.id}/record/extract`, { token: manager.token });
    expect(early.status).toBe(409);
    expect(early.json.error).toMatchObject({ code: 'RECORD_NOT_READY', reason: 'record_not_ready' });
  });

  it('refuses a signature without a fresh sign-in, and one that is too old', async () => {
    const url = `/api/lots/${lot.id}/confirmation`;
    for (const token of [a.token, await signedInAgo(a, 3_600)]) {
      const res = await post(url, token);
      expect(res.status).toBe(403);
      expect(res.json.error).toMatchObject({ code: 'FRESH_SIGNIN_REQUIRED', params: { maxAgeSeconds: 600 } });
    }
    expect((await lotNow(lot.id)).award.state).toBe('awaiting_confirmation');
  });

  it('lets only the winner sign', async () => {
    const res = await post(`/api/lots/${lot.id}/confirmation`, await signedInAgo(b, 5));
    expect(res.status).toBe(403);
    expect(res.json.error.reason).toBe('not_award_holder');
  });

  it('signs with a fresh sign-in: awarded, audited, a confirmation naming the record', async () => {
    const res = await post(`/api/lots/${lot.id}/confirmation`, await signedInAgo(a, 5));
    expect(res.status).toBe(200);
    expect(res.json.award).toMatchObject({ state: 'awarded', bidderCode: a.bidderCode, price: 44_000_000 });
    // Awarded, the award waits for the balance.
    expect(res.json.award.deadline).not.toBeNull();
    const verdict = await verify(res.json.document);
    expect(verdict).toMatchObject({ valid: true, signed: true, kind: 'confirmation' });
    expect(verdict.details).toMatchObject({
      lotId: lot.id,
      bidderCode: a.bidderCode,
      price: 44_000_000,
      nextBidder: false,
    });
    expect(verdict.details.finalHash).toBe(await recordFinalHash(lot.id));
    const [entry] = await auditOf(tp, 'award.confirmed');
    expect(entry.lotId).toBe(lot.id);
    const stored = await tp.call('GET', `/api/lots/${lot.id}/confirmation`, { token: b.token });
    expect(stored.status).toBe(200);
    expect(stored.json).toEqual(res.json.document);
    // Signing twice is refused.
    const again = await post(`/api/lots/${lot.id}/confirmation`, await signedInAgo(a, 5));
    expect(again.status).toBe(409);
    expect(again.json.error.reason).toBe('award_not_awaiting');
  });

  it('is countersigned by its manager only, with a fresh sign-in, once', async () => {
    const url = `/api/lots/${lot.id}/countersignature`;
    expect((await post(url, await signedInAgo(otherManager, 5))).status).toBe(403);
    const stale = await post(url, manager.token);
    expect(stale.status).toBe(403);
    expect(stale.json.error.code).toBe('FRESH_SIGNIN_REQUIRED');
    const res = await post(url, await signedInAgo(manager, 5, 'Trần Thị Lan'));
    expect(res.status).toBe(201);
    const verdict = await verify(res.json);
    expect(verdict).toMatchObject({ valid: true, kind: 'countersignature' });
    const confirmation = await verify(
      (await tp.call('GET', `/api/lots/${lot.id}/confirmation`, { token: manager.token })).json,
    );
    expect(verdict.details).toMatchObject({
      confirmationDigest: confirmation.details.digest,
      manager: 'Trần Thị Lan',
      finalHash: confirmation.details.finalHash,
    });
    expect((await post(url, await signedInAgo(manager, 5))).status).toBe(409);
    await balanced(lot.id);
  });

  it('prints the award in the PDF record, with both signature blocks signed electronically', async () => {
    const res = await fetch(`${tp.base}/api/records/lots/${lot.id}?format=pdf`, {
      headers: { authorization: `Bearer ${regulator.token}` },
    });
    expect(res.status).toBe(200);
    const pdf = Buffer.from(await res.arrayBuffer());
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf, encoding: 'utf8' }).replace(
      /\s+/g,
      ' ',
    );
    expect(text).toContain('Sau khi kết thúc trả giá');
    expect(text).toContain(`${a.bidderCode} ký biên bản bằng định danh điện tử`);
    expect(text).toContain('Người trúng đấu giá ký biên bản');
    expect(text).toContain('Đấu giá viên ký xác nhận biên bản');
    expect(text).toMatch(new RegExp(`${a.bidderCode} .*đã ký điện tử lúc`));
    expect(text).not.toContain('Chưa ký');
  });

  it('verifies offline against the record and the confirmation they name, and not against others', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'award-docs-'));
    const save = (name: string, value: unknown) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
      return file;
    };
    const jwks = save('jwks.json', (await tp.call('GET', '/api/.well-known/jwks.json')).json);
    const record = save(
      'record.json',
      (await tp.call('GET', `/api/records/lots/${lot.id}?format=json`, { token: regulator.token })).text,
    );
    const read = async (what: string) =>
      (await tp.call('GET', `/api/lots/${lot.id}/${what}`, { token: manager.token })).json;
    const confirmation = save('confirmation.json', await read('confirmation'));
    const countersignature = save('countersignature.json', await read('countersignature'));
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(ROOT, 'server/records/verify-cli.ts'), ...args, '--jwks', jwks], {
        encoding: 'utf8',
      });
    const ok = cli(countersignature, '--record', record, '--confirmation', confirmation);
    expect(ok.stdout).toMatch(/^VALID countersignature of lot \d+ by Trần Thị Lan/);
    expect(ok.status).toBe(0);
    expect(cli(confirmation, '--record', record).status).toBe(0);
    // Another lot's record is not the one they name.
    const other = await biddingLot(2);
    await bid(other.lot.id, other.bidders[0], 40_000_000);
    await bid(other.lot.id, other.bidders[1], 42_000_000);
    await closeAtEnd(other.lot);
    const otherRecord = save(
      'other-record.json',
      (await tp.call('GET', `/api/records/lots/${other.lot.id}?format=json`, { token: regulator.token })).text,
    );
    const wrong = cli(confirmation, '--record', otherRecord);
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain('DOCUMENT_RECORD_MISMATCH');
    const wrongConfirmation = cli(countersignature, '--confirmation', record);
    expect(wrongConfirmation.status).toBe(1);
    expect(wrongConfirmation.stdout).toContain('COUNTERSIGNATURE_CONFIRMATION_MISMATCH');
  });
});

describe('refusal and the next bidder (Art. 51)', () => {
  it('offers the lot to a qualifying next bidder, who accepts and signs', async () => {
    const { lot, bidders } = await biddingLot(3);
    const [a, b, c] = bidders;
    await bid(lot.id, c, 40_000_000);
    await bid(lot.id, b, 42_000_000);
    await bid(lot.id, a, 44_000_000);
    await closeAtEnd(lot);

    // Only the winner may refuse.
    expect((await post(`/api/lots/${lot.id}/refusal`, b.token, {})).status).toBe(403);
    const refused = await post(`/api/lots/${lot.id}/refusal`, a.token, { reason: 'Không đủ tiền' });
    expect(refused.status).toBe(200);
    // B's 42M + 4M deposit >= 44M: offered at B's own price.
    expect(refused.json.award).toMatchObject({ state: 'offered_to_next', bidderCode: b.bidderCode, price: 42_000_000 });
    expect((await registrationRow(tp, a.registrationId)).depositState).toBe('forfeited');
    expect((await depositOf(a.registrationId)).state).toBe('forfeited');
    expect((await noticesOf(tp, a.pid)).map((n) => n.kind)).toContain('award_failed');
    expect((await noticesOf(tp, b.pid)).map((n) => n.kind)).toContain('award_offered');
    await balanced(lot.id);

    // Nobody else may answer the offer; the refusing winner cannot take it back.
    for (const who of [c, a]) expect((await post(`/api/lots/${lot.id}/offer/accept`, who.token)).status).toBe(403);
    const accepted = await post(`/api/lots/${lot.id}/offer/accept`, b.token);
    expect(accepted.status).toBe(200);
    expect(accepted.json.award).toMatchObject({
      state: 'awaiting_confirmation',
      bidderCode: b.bidderCode,
      price: 42_000_000,
    });
    // B's deposit now counts toward the price: its refund withdrawn, the balance owed is the rest.
    const deposit = await depositOf(b.registrationId);
    expect(deposit.state).toBe('retained');
    const [refund] = await tp.database.db.select().from(refunds).where(eq(refunds.paymentId, deposit.id));
    expect(refund.state).toBe('withdrawn');
    const [balance] = await tp.database.db
      .select()
      .from(payments)
      .where(and(eq(payments.registrationId, b.registrationId), eq(payments.kind, 'balance')));
    expect(balance).toMatchObject({ amount: 38_000_000, state: 'pending' });
    const money = await balanced(lot.id);
    expect(money.totals.forfeited).toBe(4_000_000);
    // Her registrations show the award that now names her, with its balance.
    const mine = await tp.call('GET', '/api/me/registrations', { token: b.token });
    expect(mine.json.items.find((i: Json) => i.lot.id === lot.id)).toMatchObject({
      award: 'awaiting_confirmation',
      balance: { amount: 38_000_000 },
    });

    const signed = await post(`/api/lots/${lot.id}/confirmation`, await signedInAgo(b, 5));
    expect(signed.status).toBe(200);
    expect(signed.json.award).toMatchObject({ state: 'awarded', bidderCode: b.bidderCode, price: 42_000_000 });
    expect((await verify(signed.json.document)).details).toMatchObject({ bidderCode: b.bidderCode, nextBidder: true });
    const l = await lotNow(lot.id);
    expect(l).toMatchObject({ status: 'closed', winnerBidderCode: a.bidderCode, finalPrice: 44_000_000 });
    expect(l.award).toMatchObject({ state: 'awarded', bidderCode: b.bidderCode, price: 42_000_000 });
  });

  it('fails the award when the next bidder does not qualify', async () => {
    const { lot, bidders } = await biddingLot(2);
    const [a, b] = bidders;
    await bid(lot.id, b, 40_000_000);
    await bid(lot.id, a, 50_000_000);
    await closeAtEnd(lot);
    // B's 40M + 4M deposit < 50M.
    const refused = await post(`/api/lots/${lot.id}/refusal`, a.token);
    expect(refused.status).toBe(200);
    expect(refused.json.award).toMatchObject({ state: 'failed' });
    expect((await depositOf(b.registrationId)).state).toBe('refund_due');
    await balanced(lot.id);
  });

  it('fails the award when the next bidder refuses, and keeps their refund', async () => {
    const { lot, bidders } = await biddingLot(2);
    const [a, b] = bidders;
    await bid(lot.id, b, 40_000_000);
    await bid(lot.id, a, 42_000_000);
    await closeAtEnd(lot);
    expect((await post(`/api/lots/${lot.id}/refusal`, a.token)).json.award.state).toBe('offered_to_next');
    const res = await post(`/api/lots/${lot.id}/offer/refuse`, b.token);
    expect(res.status).toBe(200);
    expect(res.json.award.state).toBe('failed');
    expect((await depositOf(b.registrationId)).state).toBe('refund_due');
    expect((await post(`/api/lots/${lot.id}/offer/accept`, b.token)).status).toBe(409);
    await balanced(lot.id);
  });
});

describe('deadlines', () => {
  it('fails the award and forfeits the deposit when the winner does not sign in time', async () => {
    const { lot, bidders } = await biddingLot(2);
    const [a, b] = bidders;
    await bid(lot.id, b, 40_000_000);
    await bid(lot.id, a, 42_000_000);
    const closed = await closeAtEnd(lot);
    clock.advance(Date.parse(closed.award.deadline) - clock.now().getTime() + 1_000);
    const failed = await eventually(async () => {
      const l = await lotNow(lot.id);
      return l.award.state === 'failed' ? l : undefined;
    }, 'the award to fail');
    expect(failed.status).toBe('closed');
    expect((await depositOf(a.registrationId)).state).toBe('forfeited');
    const late = await post(`/api/lots/${lot.id}/confirmation`, await signedInAgo(a, 5));
    expect(late.status).toBe(409);
    expect((await auditOf(tp, 'award.confirmation_missed')).map((e) => e.lotId)).toContain(lot.id);
    await balanced(lot.id);
  });

  it('fails the award when the next bidder lets the offer lapse', async () => {
    const { lot, bidders } = await biddingLot(2);
    const [a, b] = bidders;
    await bid(lot.id, b, 40_000_000);
    await bid(lot.id, a, 42_000_000);
    await closeAtEnd(lot);
    const offered = await post(`/api/lots/${lot.id}/refusal`, a.token);
    clock.advance(Date.parse(offered.json.award.deadline) - clock.now().getTime() + 1_000);
    await eventually(
      async () => ((await lotNow(lot.id)).award.state === 'failed' ? true : undefined),
      'the offer to lapse',
    );
    expect((await post(`/api/lots/${lot.id}/offer/accept`, b.token)).status).toBe(409);
    expect((await auditOf(tp, 'award.offer_missed')).map((e) => e.lotId)).toContain(lot.id);
  });
});
