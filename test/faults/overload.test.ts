// Overload: far more bids offered than a deliberately slowed database can commit (every packet to
// PostgreSQL delayed, so each commit takes hundreds of milliseconds). The platform must shed early
// and visibly instead of queueing: every bid answered within its bound (accepted, refused, or 503
// with Retry-After), no acknowledged bid lost, and every shed bid counted for the lot's manager and
// regulators and written into the lot's record. Bounds are generous; figures belong in the benchmark.
import type { Json } from '../support/json.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { PRODUCTION_BOUNDS } from '../support/bounds.ts';
import {
  eventually,
  postgresMissing,
  startFaultablePlatform,
  timedCall,
  type FaultablePlatform,
} from '../support/faults.ts';
import { caller } from '../support/http.ts';
import { setUpLot, sleep } from '../realtime/scenario.ts';
import { expectSoundLedger } from '../bidding/storm-support.ts';
import { BidTraffic } from './bid-traffic.ts';

const missing = postgresMissing('overload tests');

/** BID_TIMEOUT_MS (2 s) plus generous room for a loaded test machine's HTTP client. */
const BID_ANSWER_BOUND_MS = 2_000 + 2_500;

describe.skipIf(Boolean(missing))('more bids than the database can commit', () => {
  const adminPid = newPid();
  let idp: TestIdp;
  let fp: FaultablePlatform;

  beforeAll(async () => {
    idp = await startTestIdp();
    fp = await startFaultablePlatform({
      ...idp.env(),
      ...PRODUCTION_BOUNDS,
      ADMIN_PIDS: adminPid,
      CLOSE_POLL_MS: '200',
      LOG_LEVEL: 'error',
    });
  }, 120_000);

  afterAll(async () => {
    await fp?.close();
    await idp?.close();
  });

  it('sheds early with 503 and Retry-After, answers every bid within its bound, loses nothing, and puts the shed bids on the record', async () => {
    const base = fp.servers[0].base;
    const lot = await setUpLot(base, idp, { adminPid, bidders: 12, registrationMs: 5_000, biddingMs: 14_000 });
    await sleep(Math.max(0, lot.startsAt.getTime() - Date.now()) + 100);

    // Each round trip to PostgreSQL now takes over 160 ms: a commit takes half a second or more.
    fp.proxy.delay(80);
    const traffic = new BidTraffic(base, lot);
    await traffic.openLoop(250, 4_000);
    fp.proxy.delay(0);
    console.log(
      `overload: ${traffic.records.length} bids offered; answers ${JSON.stringify(traffic.summary())}; slowest ${Math.round(Math.max(...traffic.records.map((r) => r.ms)))} ms`,
    );
    const messages: Record<string, number> = {};
    for (const r of traffic.records)
      messages[r.message ?? String(r.status)] = (messages[r.message ?? String(r.status)] ?? 0) + 1;
    console.log(messages);

    const shed = traffic.records.filter((r) => r.status === 503);
    expect(shed.length, 'the platform shed load').toBeGreaterThan(0);
    for (const r of traffic.records) {
      expect(r.status, `answered: ${JSON.stringify(r)}`).not.toBe(0);
      expect(r.status, 'no 500').not.toBe(500);
      expect(r.ms, `answered within the bound: ${JSON.stringify(r)}`).toBeLessThan(BID_ANSWER_BOUND_MS);
      if (r.status === 503) {
        expect(r.code).toBe('UNAVAILABLE');
        expect(r.retryAfter).toMatch(/^\d+$/);
      }
    }

    // Unknown outcomes resolved with the same key; the ledger is exactly the acknowledged bids.
    await traffic.resolveUnknownOutcomes();
    const accepted = [...traffic.acknowledged()].map(([seq, b]) => ({
      seq,
      amount: b.amount,
      bidderCode: lot.bidders[b.bidder].bidderCode,
    }));
    await expectSoundLedger(caller(base), lot.lotId, { accepted, refused: {}, unanswered: 0 }, { exact: true });

    // Every 503 is counted for the lot (the counts are written within a few seconds).
    const shedCount = shed.length + traffic.retries.filter((r) => r.status === 503).length;
    let counted: Json;
    await eventually(
      async () => {
        counted = (await timedCall(base, 'GET', `/api/lots/${lot.lotId}/shed-bids`, { token: lot.managerToken })).json;
        return counted?.total === shedCount;
      },
      15_000,
      `shed bids counted (${shedCount} answered 503)`,
    ).catch(() => undefined);
    expect(counted.total, JSON.stringify(counted)).toBe(shedCount);
    expect(counted.minutes.length).toBeGreaterThan(0);
    expect(
      (await timedCall(base, 'GET', `/api/lots/${lot.lotId}/shed-bids`, { token: lot.bidders[0].token })).status,
      'a bidder may not see them',
    ).toBe(403);

    // The lot closes; its record carries the same counts.
    const regulatorPid = newPid();
    const regulator = await idp.token({ sub: regulatorPid });
    const admin = await idp.token({ sub: adminPid });
    expect((await timedCall(base, 'GET', '/api/me', { token: regulator })).status).toBe(200);
    expect(
      (
        await timedCall(base, 'PUT', `/api/admin/roles/${regulatorPid}`, {
          token: admin,
          body: { roles: ['regulator'] },
        })
      ).status,
    ).toBe(200);
    expect((await timedCall(base, 'GET', `/api/lots/${lot.lotId}/shed-bids`, { token: regulator })).json.total).toBe(
      shedCount,
    );
    await sleep(Math.max(0, lot.endsAt.getTime() - Date.now()));
    await eventually(
      async () => (await timedCall(base, 'GET', `/api/lots/${lot.lotId}/result`)).json?.status === 'closed',
      15_000,
      'the lot closes',
    );
    const record = await timedCall(base, 'GET', `/api/records/lots/${lot.lotId}?format=json`, { token: regulator });
    expect(record.status).toBe(200);
    const signed = JSON.parse(Buffer.from(record.json.payload, 'base64url').toString('utf8'));
    expect(signed.technicalFaults.shedBids.total, 'the record counts the shed bids').toBe(shedCount);
    expect(
      (await timedCall(base, 'POST', '/api/records/verify', { body: record.json })).json.valid,
      'and still verifies',
    ).toBe(true);
  }, 120_000);
});
