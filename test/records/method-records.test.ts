// The signed record of a lot of every auction method (issue 16), run end to end through the real
// services on a controlled clock: a descending lot won at the price asked (and one nobody accepted),
// an ascending lot with extension rounds that excluded a bidder, and sealed lots (a replaced bid and
// a tie broken by the earliest submission; a tie round). Each record carries its method's parts and
// verifies offline (the CLI) and online (the verifier's worker pool), its CSV's chain holds; and
// each method's own rule, broken by an insider who re-signs with the platform's key, is refused with
// its code: a descending acceptance at a wrong price, a sealed amount its commitment does not hold,
// a round bid by an excluded bidder, a round opened outside the trigger window.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, isNull } from 'drizzle-orm';
import { auditEvents, sealedBids as sealedBidsTable } from '../../db/schema.ts';
import { RECORD_VERSION } from '../../server/records/record-format.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import { commitmentHolds } from '../../server/auctions/rules/sealed.ts';
import type { FlattenedJws } from '../../server/records/jws.ts';
import { ledgerCsv } from '../../server/records/service.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { eventually, liveLot, person, type Actor, type Registered } from '../auctions/factories.ts';
import type { Json } from '../support/json.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { openBidding, passTheEnd, sealedBid, sealedLot } from '../sealed/factory.ts';
import { vi } from '../../web/lib/i18n/vi.ts';
import { insiderEdit, recordOf, verifyOffline } from './method-support.ts';
import { fetchJwks, getBytes, personaTokens, postRaw } from './support.ts';

const MIN = 60_000;
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let tp: TestPlatform;
let manager: Actor;
let regulator: string;
let dir: string;
let jwksFile: string;
const world = () => ({ call: tp.call, clock, db: tp.database.db });
const people = (n: number): Promise<Actor[]> => Promise.all(Array.from({ length: n }, () => person(tp.idp, undefined)));

async function bid(lotId: number, who: Registered, amount: number): Promise<void> {
  const res = await tp.call('POST', `/api/lots/${lotId}/bids`, { token: who.token, body: { amount } });
  expect(res.status, res.text).toBe(201);
}
async function sealed(lotId: number, who: Registered, amount: number): Promise<void> {
  const res = await sealedBid(tp.call, who, lotId, amount);
  expect(res.status, res.text).toBe(201);
  clock.advance(1_000);
}
const lotNow = async (lotId: number): Promise<Json> => (await tp.call('GET', `/api/lots/${lotId}`)).json;
/** Moves the clock past `endsAt` and its grace; waits for the scheduler to end the lot. */
async function ended(lotId: number): Promise<Json> {
  clock.set(Date.parse((await lotNow(lotId)).endsAt) + CLOSE_GRACE_MS + 1);
  return eventually(async () => {
    const l = await lotNow(lotId);
    return l.status === 'closed' || l.status === 'failed' ? l : undefined;
  }, `lot ${lotId} ends`);
}
/** Waits until the scheduler has chained the start of round `round` of a rounds lot. */
const announced = (lotId: number, round: number): Promise<unknown> =>
  eventually(async () => {
    const started = await tp.database.db
      .select({ data: auditEvents.data })
      .from(auditEvents)
      .where(and(eq(auditEvents.lotId, lotId), eq(auditEvents.action, 'lot.round_started')));
    return started.some((e) => e.data.round === round) ? true : undefined;
  }, `round ${round} announced`);

async function signedRecord(lotId: number): Promise<FlattenedJws> {
  const res = await tp.call('GET', `/api/records/lots/${lotId}?format=json`, { token: regulator });
  expect(res.status, res.text).toBe(200);
  return res.json as FlattenedJws;
}

type Scenario = 'descending' | 'unaccepted' | 'rounds' | 'sealed' | 'tieRound' | 'silentTie' | 'cancelledSealed';
const lots = {} as Record<Scenario, { lotId: number; jws: FlattenedJws }>;

beforeAll(async () => {
  tp = await startTestPlatform({
    clock,
    env: { SEALED_BID_KEY: randomBytes(32).toString('base64url'), SEALED_TIE_ROUND_SECONDS: '120' },
  });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  regulator = (await personaTokens(tp)).regulator!;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'method-records-'));
  jwksFile = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify(await fetchJwks(tp)));
  const w = { call: tp.call, clock };

  // Descending: 40 M falling by 5 M a minute to 20 M; B accepts 30 M in the third minute.
  const DESCENDING = { method: 'descending', intervalSeconds: 60, floorPrice: 20_000_000, endsAt: undefined };
  {
    const { lot, bidders } = await liveLot(w, manager, await people(2), DESCENDING);
    clock.set(Date.parse(lot.startsAt) + 2 * MIN + 5_000);
    await bid(lot.id, bidders[1], 30_000_000);
    expect(await ended(lot.id)).toMatchObject({ status: 'closed', finalPrice: 30_000_000 });
    lots.descending = { lotId: lot.id, jws: await signedRecord(lot.id) };
  }
  {
    const { lot } = await liveLot(w, manager, await people(2), DESCENDING);
    expect(await ended(lot.id)).toMatchObject({ status: 'failed' });
    lots.unaccepted = { lotId: lot.id, jws: await signedRecord(lot.id) };
  }

  // Extension rounds (at most 3 of 60 s, opened by a bid in the last 20 s): C never bids in the
  // official time, so rounds 1 and 2 are A's and B's.
  {
    const { lot, bidders } = await liveLot(w, manager, await people(3), {
      rounds: { max: 3, seconds: 60, triggerSeconds: 20 },
    });
    const [a, b] = bidders;
    const end = Date.parse(lot.endsAt);
    clock.set(end - 5 * MIN);
    await bid(lot.id, a, 40_000_000);
    clock.set(end - 60_000);
    await bid(lot.id, b, 45_000_000);
    clock.set(end - 10_000); // seq 3 opens round 1
    await bid(lot.id, a, 50_000_000);
    clock.set(end + 5_000);
    await announced(lot.id, 1);
    clock.set(end + 10_000);
    await bid(lot.id, b, 55_000_000);
    clock.set(end + 50_000); // seq 5 opens round 2
    await bid(lot.id, a, 60_000_000);
    clock.set(end + 65_000);
    await announced(lot.id, 2);
    clock.set(end + 70_000);
    await bid(lot.id, b, 65_000_000); // seq 6
    clock.set(end + 90_000);
    await bid(lot.id, a, 70_000_000); // seq 7, outside round 2's trigger window
    expect(await ended(lot.id)).toMatchObject({ status: 'closed', finalPrice: 70_000_000, round: 2 });
    lots.rounds = { lotId: lot.id, jws: await signedRecord(lot.id) };
  }

  // Sealed, earliest submission breaks a tie: B replaces 60 M by 55 M, C bids 55 M after B; B wins.
  {
    const { lot, bidders } = await sealedLot(world(), manager, await people(3), { replaceable: true });
    const [a, b, c] = bidders;
    openBidding(clock, lot);
    await sealed(lot.id, a, 50_000_000);
    await sealed(lot.id, b, 60_000_000);
    await sealed(lot.id, b, 55_000_000);
    await sealed(lot.id, c, 55_000_000);
    expect(await passTheEnd(world(), lot.id)).toMatchObject({ status: 'closed', finalPrice: 55_000_000 });
    lots.sealed = { lotId: lot.id, jws: await signedRecord(lot.id) };
  }
  // Sealed, a tie round: A and B tie at 55 M; in round 1 A bids 60 M, B 58 M; A wins.
  {
    const { lot, bidders } = await sealedLot(world(), manager, await people(3), { tieBreak: 'round' });
    const [a, b, c] = bidders;
    openBidding(clock, lot);
    await sealed(lot.id, a, 55_000_000);
    await sealed(lot.id, b, 55_000_000);
    await sealed(lot.id, c, 40_000_000);
    await passTheEnd(world(), lot.id, { round: 1 });
    await sealed(lot.id, a, 60_000_000);
    await sealed(lot.id, b, 58_000_000);
    expect(await passTheEnd(world(), lot.id)).toMatchObject({ status: 'closed', finalPrice: 60_000_000 });
    lots.tieRound = { lotId: lot.id, jws: await signedRecord(lot.id) };
  }
  // Sealed, a tie round nobody bids in: the earliest of the tied stands.
  {
    const { lot, bidders } = await sealedLot(world(), manager, await people(2), { tieBreak: 'round' });
    openBidding(clock, lot);
    await sealed(lot.id, bidders[0], 45_000_000);
    await sealed(lot.id, bidders[1], 45_000_000);
    await passTheEnd(world(), lot.id, { round: 1 });
    expect(await passTheEnd(world(), lot.id)).toMatchObject({ status: 'closed', finalPrice: 45_000_000 });
    lots.silentTie = { lotId: lot.id, jws: await signedRecord(lot.id) };
  }
  // Sealed, cancelled before the reveal: the record lists the commitments, never an amount.
  {
    const { lot, bidders } = await sealedLot(world(), manager, await people(2));
    openBidding(clock, lot);
    await sealed(lot.id, bidders[0], 45_000_000);
    const res = await tp.call('POST', `/api/lots/${lot.id}/cancel`, {
      token: manager.token,
      body: { reason: 'Sự cố kỹ thuật' },
    });
    expect(res.status, res.text).toBe(200);
    lots.cancelledSealed = { lotId: lot.id, jws: await signedRecord(lot.id) };
  }
}, 180_000);
afterAll(async () => {
  await tp?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Verifies a signed record offline (the CLI) and online (the verifier's worker pool); both must agree. */
async function verifyBoth(name: string, jws: FlattenedJws): Promise<{ valid: boolean; code?: string; details?: Json }> {
  const offline = await verifyOffline(dir, `${name}.json`, JSON.stringify(jws), jwksFile);
  const online = await postRaw(tp, '/api/records/verify', JSON.stringify(jws), 'application/json');
  expect(online.status).toBe(200);
  expect(offline.verdict).toEqual(online.json);
  expect(offline.code, offline.out).toBe(offline.verdict.valid ? 0 : 1);
  return online.json;
}

describe('the record of each method', () => {
  it('of a descending lot carries its terms and schedule, and verifies', async () => {
    const r = recordOf(lots.descending.jws);
    expect(r.version).toBe(RECORD_VERSION);
    expect(r.policy).toMatchObject({
      method: 'descending',
      descending: { intervalSeconds: 60, floorPrice: 20_000_000 },
    });
    expect(r.schedule).toEqual({
      startsAt: r.times.startsAt,
      startingPrice: 40_000_000,
      priceStep: 5_000_000,
      intervalSeconds: 60,
      floorPrice: 20_000_000,
      steps: 5,
      lowestPrice: 20_000_000,
      endsAt: new Date(Date.parse(r.times.startsAt) + 5 * MIN).toISOString(),
    });
    expect(r.ledger.map((e) => e.amount)).toEqual([30_000_000]);
    expect(await verifyBoth('descending', lots.descending.jws)).toMatchObject({
      valid: true,
      details: { method: 'descending', finalPrice: 30_000_000 },
    });
    const failed = await verifyBoth('unaccepted', lots.unaccepted.jws);
    expect(failed).toMatchObject({ valid: true, details: { method: 'descending', status: 'failed', entries: 0 } });
  });

  it('of a lot with extension rounds carries every period with who could bid in it, and verifies', async () => {
    const r = recordOf(lots.rounds.jws);
    const codes = r.registrations.map((g) => g.bidderCode);
    expect(r.policy).toMatchObject({ method: 'ascending', rounds: { max: 3, seconds: 60, triggerSeconds: 20 } });
    const end = Date.parse(r.times.scheduledEndsAt);
    expect(r.periods).toEqual([
      { round: 0, startsAt: r.times.startsAt, endsAt: r.times.scheduledEndsAt, openedBySeq: null, bidders: null },
      {
        round: 1,
        startsAt: r.times.scheduledEndsAt,
        endsAt: new Date(end + 60_000).toISOString(),
        openedBySeq: 3,
        bidders: [codes[0], codes[1]].sort(),
      },
      {
        round: 2,
        startsAt: new Date(end + 60_000).toISOString(),
        endsAt: new Date(end + 120_000).toISOString(),
        openedBySeq: 5,
        bidders: [codes[0], codes[1]].sort(),
      },
    ]);
    expect(r.times.endsAt).toBe(new Date(end + 120_000).toISOString());
    expect(await verifyBoth('rounds', lots.rounds.jws)).toMatchObject({
      valid: true,
      details: { method: 'ascending' },
    });
  });

  it('of a sealed lot carries every sealed bid with its commitment, none with an amount, and verifies', async () => {
    for (const which of ['sealed', 'tieRound'] as const) {
      const r = recordOf(lots[which].jws);
      expect(r.policy.method).toBe('sealed');
      for (const b of r.sealedBids!)
        expect(Object.keys(b).sort()).toEqual([
          'bidderCode',
          'commitment',
          'replacedAt',
          'revealedSeq',
          'round',
          'submittedAt',
        ]);
      for (const e of r.ledger) expect(commitmentHolds(e.commitment!, e.salt!, e.amount)).toBe(true);
      expect(await verifyBoth(which, lots[which].jws)).toMatchObject({ valid: true, details: { method: 'sealed' } });
    }
    const silent = recordOf(lots.silentTie.jws);
    expect(silent.result).toMatchObject({ winnerBidderCode: silent.ledger[0].bidderCode, finalPrice: 45_000_000 });
    expect(await verifyBoth('silent-tie', lots.silentTie.jws)).toMatchObject({ valid: true });
    const cancelled = recordOf(lots.cancelledSealed.jws);
    expect(cancelled).toMatchObject({ ledger: [], result: { status: 'cancelled' } });
    expect(cancelled.sealedBids).toHaveLength(1);
    expect(JSON.stringify(cancelled)).not.toContain('45000000');
    expect(await verifyBoth('cancelled-sealed', lots.cancelledSealed.jws)).toMatchObject({ valid: true });
    const r = recordOf(lots.sealed.jws);
    expect(r.sealedBids!.map((b) => [b.round, b.replacedAt !== null, b.revealedSeq])).toEqual([
      [0, false, 1],
      [0, true, null],
      [0, false, 2],
      [0, false, 3],
    ]);
    expect(r.policy.sealed).toEqual({ tieBreak: 'earliest', replaceable: true });
    expect(r.result).toMatchObject({ winnerBidderCode: r.ledger[1].bidderCode, finalPrice: 55_000_000 });
    const tie = recordOf(lots.tieRound.jws);
    expect(tie.sealedBids!.map((b) => b.round)).toEqual([0, 0, 0, 1, 1]);
    expect(tie.result).toMatchObject({ winnerBidderCode: tie.ledger[3].bidderCode, finalPrice: 60_000_000 });
  });

  it('as a ledger CSV carries the method, the round, the commitment and the salt, and its chain holds', async () => {
    for (const which of ['descending', 'rounds', 'sealed', 'tieRound'] as const) {
      const csv = await getBytes(tp, `/api/records/lots/${lots[which].lotId}?format=csv`, regulator);
      const v = await verifyOffline(dir, `${which}.csv`, csv.bytes);
      expect(v.verdict, v.out).toMatchObject({ valid: true, code: 'NOT_SIGNED', kind: 'ledger-csv' });
      expect(csv.bytes.toString('utf8').split('\r\n', 1)[0]).toContain(',method,round,commitment,salt,');
    }
    const sealedCsv = (await getBytes(tp, `/api/records/lots/${lots.tieRound.lotId}?format=csv`, regulator)).bytes;
    const rows = sealedCsv.toString('utf8').trim().split('\r\n').slice(1);
    expect(rows.map((row) => row.split(',')[9])).toEqual(['0', '0', '0', '1', '1']);
  });
});

const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined;
/** The printed record's text (pdftotext, reading order). */
async function pdfText(lotId: number): Promise<string> {
  const pdf = await getBytes(tp, `/api/records/lots/${lotId}?format=pdf`, regulator);
  expect(pdf.status).toBe(200);
  const file = path.join(dir, `lot-${lotId}.pdf`);
  fs.writeFileSync(file, pdf.bytes);
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

describe.runIf(hasPdftotext)('the printed record of each method', () => {
  it('names the method and prints its terms, the schedule, the rounds or the sealed bids', async () => {
    const descending = await pdfText(lots.descending.lotId);
    expect(descending).toContain(`${vi.methods.method}: ${vi.methods.name.descending}`);
    expect(descending).toContain('giảm 5.000.000 đồng sau mỗi 60 giây, thấp nhất đến 20.000.000 đồng');
    for (const price of ['40.000.000', '35.000.000', '30.000.000', '25.000.000', '20.000.000'])
      expect(descending).toContain(`${price} đồng`);

    const rounds = await pdfText(lots.rounds.lotId);
    const r = recordOf(lots.rounds.jws);
    expect(rounds).toContain(`${vi.methods.name.ascending}, ${vi.methods.withRounds}`);
    expect(rounds).toContain('Các giai đoạn trả giá (2 vòng kéo dài)');
    expect(rounds).toContain(`Vòng kéo dài 2`);
    expect(rounds).toContain(r.periods![2].bidders!.join(', '));
    expect(rounds).toContain('Mở vòng kéo dài');

    const sealedText = await pdfText(lots.sealed.lotId);
    expect(sealedText).toContain(`${vi.methods.method}: ${vi.methods.name.sealed}`);
    expect(sealedText).toContain('Các phiếu trả giá kín đã nộp (4)');
    expect(sealedText).toContain(vi.methods.terms.tieEarliest);
    for (const b of recordOf(lots.sealed.jws).sealedBids!) expect(sealedText.replace(/ /g, '')).toContain(b.commitment);
    expect(sealedText).toContain('Đã thay lúc');
  });
});

describe("each method's own rule, broken by an insider who re-signs", () => {
  it('refuses a descending acceptance at another price than the one asked then', async () => {
    const jws = await insiderEdit(tp, lots.descending.jws, (r) => {
      r.ledger[0].amount = 35_000_000;
    });
    expect(await verifyBoth('wrong-price', jws)).toMatchObject({
      valid: false,
      code: 'DESCENDING_WRONG_PRICE',
      params: { seq: 1, price: 35_000_000, askedPrice: 30_000_000 },
    });
  });

  it('refuses a descending ledger with a second acceptance', async () => {
    const jws = await insiderEdit(tp, lots.descending.jws, (r) => {
      r.ledger.push({ ...r.ledger[0], seq: 2 });
      r.result.entryCount = 2;
    });
    expect(await verifyBoth('second-acceptance', jws)).toMatchObject({ code: 'DESCENDING_EXTRA_ENTRY' });
  });

  it('refuses a sealed amount that its commitment does not hold, in the record and in the CSV', async () => {
    const jws = await insiderEdit(tp, lots.sealed.jws, (r) => {
      r.ledger[0].amount = 52_000_000;
    });
    expect(await verifyBoth('sealed-amount', jws)).toMatchObject({
      valid: false,
      code: 'SEALED_COMMITMENT_MISMATCH',
      params: { seq: 1, price: 52_000_000 },
    });
    // The same change in a CSV, its chain recomputed: the commitment still gives it away.
    const v = await verifyOffline(dir, 'sealed-forged.csv', ledgerCsv(recordOf(jws)));
    expect(v.verdict).toMatchObject({ valid: false, code: 'SEALED_COMMITMENT_MISMATCH' });
  });

  it('refuses a descending schedule or result that is not the terms’ and the acceptance’s', async () => {
    const schedule = await insiderEdit(tp, lots.descending.jws, (r) => {
      r.schedule!.lowestPrice = 15_000_000;
    });
    expect(await verifyBoth('schedule', schedule)).toMatchObject({
      code: 'DESCENDING_SCHEDULE_MISMATCH',
      params: { field: 'lowestPrice' },
    });
    const other = recordOf(lots.descending.jws).registrations.find(
      (g) => g.bidderCode !== recordOf(lots.descending.jws).ledger[0].bidderCode,
    )!;
    const result = await insiderEdit(tp, lots.descending.jws, (r) => {
      r.result.winnerBidderCode = other.bidderCode;
      r.result.winnerPid = other.pid;
      r.result.winnerName = other.name;
    });
    expect(await verifyBoth('descending-result', result)).toMatchObject({
      code: 'DESCENDING_RESULT_MISMATCH',
      params: { winner: other.bidderCode, topPrice: 30_000_000 },
    });
  });

  it('refuses a lot that ended although a bid in the trigger window should have opened another round', async () => {
    const jws = await insiderEdit(tp, lots.rounds.jws, (r) => {
      const round2 = (e: { action: string; data: Record<string, unknown> }): boolean =>
        e.action.startsWith('lot.round_') && e.data.round === 2;
      r.history = r.history.filter((e) => !round2(e));
      r.periods!.pop();
      r.ledger.splice(5);
      r.result.entryCount = 5;
      r.times.endsAt = r.periods![1].endsAt;
    });
    expect(await verifyBoth('not-opened', jws)).toMatchObject({
      code: 'ROUND_NOT_OPENED',
      params: { round: 2, seq: 5 },
    });
  });

  it('refuses a bid in an extension round by a bidder excluded from it', async () => {
    const r0 = recordOf(lots.rounds.jws);
    const excluded = r0.registrations.map((g) => g.bidderCode).find((c) => !r0.periods![2].bidders!.includes(c))!;
    const jws = await insiderEdit(tp, lots.rounds.jws, (r) => {
      r.ledger[5].bidderCode = excluded;
    });
    expect(await verifyBoth('excluded', jws)).toMatchObject({
      valid: false,
      code: 'ROUND_BIDDER_EXCLUDED',
      params: { seq: 6, bidderCode: excluded, round: 2 },
    });
  });

  it('refuses a round opened by a bid outside the trigger window', async () => {
    const jws = await insiderEdit(tp, lots.rounds.jws, (r) => {
      r.ledger[2].placedAt = new Date(Date.parse(r.times.scheduledEndsAt) - 30_000).toISOString();
    });
    expect(await verifyBoth('not-triggered', jws)).toMatchObject({
      valid: false,
      code: 'ROUND_NOT_TRIGGERED',
      params: { round: 1, seq: 3 },
    });
  });

  it('refuses a sealed result that is not the reveal’s outcome', async () => {
    const jws = await insiderEdit(tp, lots.tieRound.jws, (r) => {
      // The tie at 55 M given to the earliest instead of the tie round's 60 M.
      r.ledger.splice(3);
      r.result.entryCount = 3;
    });
    expect(await verifyBoth('tie-result', jws)).toMatchObject({
      valid: false,
      code: 'SEALED_BID_NOT_REVEALED',
      params: { round: 1 },
    });
  });
});

describe('a method part changed in the database', () => {
  it('makes the platform refuse to sign: an earlier sealed submission time than the one chained', async () => {
    const { lotId } = lots.sealed;
    await tp.database.db
      .update(sealedBidsTable)
      .set({ submittedAt: new Date(Date.parse(recordOf(lots.sealed.jws).times.startsAt) - 1_000) })
      .where(
        and(eq(sealedBidsTable.lotId, lotId), isNull(sealedBidsTable.replacedAt), eq(sealedBidsTable.revealedSeq, 3)),
      );
    const res = await tp.call('GET', `/api/records/lots/${lotId}?format=json`, { token: regulator });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({
      code: 'RECORD_INCONSISTENT',
      message: expect.stringMatching(/sealed bid of \S+ in round 0 was chained at/),
    });
  });
});
