// End to end through the real service: a lot created, published, registered for, bid on (with a
// withdrawal and a soft-close extension) and closed over HTTP by the real scheduler; then its record
// exported in every format and verified.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { eventually, liveLot, lotBody, person, publishedLot, readLedger, type Actor } from '../auctions/factories.ts';
import type { AuctionRecord } from '../../server/records/record-format.ts';
import { getBytes, postRaw } from './support.ts';

const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined;

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
let regulator: Actor;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'], name: 'Lê Thị Quản Lý' });
  regulator = await person(tp.idp, tp.database.db, { roles: ['regulator'], name: 'Hoàng Thanh Tra' });
});
afterAll(async () => tp?.stop());

const bid = (lotId: number, who: Actor, amount: number) =>
  tp.call('POST', `/api/lots/${lotId}/bids`, {
    token: who.token,
    body: { amount },
    headers: { 'idempotency-key': crypto.randomUUID() },
  });
const record = (lotId: number, format = 'json') =>
  getBytes(tp, `/api/records/lots/${lotId}?format=${format}`, regulator.token);
const payload = (bytes: Buffer): AuctionRecord =>
  JSON.parse(Buffer.from(JSON.parse(bytes.toString()).payload, 'base64url').toString('utf8'));

describe('the record of an auction run through the real service', () => {
  it('is refused while the lot is live, then complete, signed and verifiable once it has closed', async () => {
    const names = ['Nguyễn Thị Ngọc Ánh', 'Trần Văn Đức', 'Phạm Hữu Lộc'];
    const people = await Promise.all(names.map((name) => person(tp.idp, undefined, { name })));
    const { lot, bidders } = await liveLot({ call: tp.call, clock }, manager, people, {
      title: 'Biển số 51K-888.88 (Thành phố Hồ Chí Minh)',
      description: 'Quyền sử dụng biển số ô tô, đấu giá trực tuyến.',
      softClose: { windowSeconds: 60, extendSeconds: 120 },
    });
    const [a, b, c] = bidders;
    expect((await bid(lot.id, a, 40_000_000)).status).toBe(201);
    expect((await bid(lot.id, b, 45_000_000)).status).toBe(201);
    expect((await bid(lot.id, c, 55_000_000)).status).toBe(201);
    expect((await tp.call('POST', `/api/lots/${lot.id}/bids/3/withdraw`, { token: c.token })).status).toBe(201);
    expect((await record(lot.id)).status).toBe(409);
    expect(JSON.parse((await record(lot.id)).bytes.toString()).error.code).toBe('RECORD_NOT_READY');
    // A bid in the last minute extends the end.
    clock.set(Date.parse(lot.endsAt) - 30_000);
    expect((await bid(lot.id, a, 50_000_000)).status).toBe(201);
    const extended = (await tp.call('GET', `/api/lots/${lot.id}`)).json;
    expect(Date.parse(extended.endsAt)).toBeGreaterThan(Date.parse(lot.endsAt));
    clock.set(Date.parse(extended.endsAt) + CLOSE_GRACE_MS);
    const result = await eventually(async () => {
      const r = (await tp.call('GET', `/api/lots/${lot.id}/result`)).json;
      return r.status === 'closed' ? r : undefined;
    }, 'the close');

    const res = await record(lot.id);
    expect(res.status).toBe(200);
    const rec = payload(res.bytes);
    const ledger = await readLedger(tp.call, lot.id);
    expect(rec.ledger.map((e: { seq: number; hash: string; status: string }) => [e.seq, e.hash, e.status])).toEqual(
      ledger.map((e) => [e.seq, e.hash, e.status]),
    );
    expect(rec.ledger.map((e: { kind: string }) => e.kind)).toEqual(['bid', 'bid', 'bid', 'withdrawal', 'bid']);
    expect(rec.finalHash).toBe(ledger.at(-1).hash);
    expect(rec.extensions).toHaveLength(1);
    expect(rec.extensions[0].endsAt).toBe(extended.endsAt);
    expect(rec.result).toMatchObject({
      status: 'closed',
      finalPrice: result.finalPrice,
      winnerBidderCode: result.winnerBidderCode,
      winnerPid: a.pid,
      winnerName: 'Nguyễn Thị Ngọc Ánh',
    });
    expect(rec.registrations.map((r: { pid: string; depositState: string }) => [r.pid, r.depositState])).toEqual([
      [a.pid, 'retained'],
      [b.pid, 'refundable'],
      [c.pid, 'forfeited'],
    ]);
    expect(rec.registrations.every((r: { rulesAcceptedAt: string }) => typeof r.rulesAcceptedAt === 'string')).toBe(
      true,
    );
    expect(rec.history.map((h: { action: string }) => h.action)).toEqual(
      expect.arrayContaining([
        'lot.created',
        'lot.published',
        'registration.created',
        'registration.approved',
        'bid.withdrawn',
        'lot.extended',
        'lot.closed',
      ]),
    );

    const verdict = await postRaw(tp, '/api/records/verify', res.bytes, 'application/json');
    expect(verdict.json).toMatchObject({ valid: true, details: { lotId: lot.id, entries: 5, finalPrice: 50_000_000 } });
    const csv = await record(lot.id, 'csv');
    expect((await postRaw(tp, '/api/records/verify', csv.bytes, 'text/csv')).json).toMatchObject({
      valid: true,
      details: { finalHash: rec.finalHash },
    });

    if (hasPdftotext) {
      const pdf = await record(lot.id, 'pdf');
      const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf.bytes, encoding: 'utf8' });
      expect(text).toContain('Biển số 51K-888.88 (Thành phố Hồ Chí Minh)');
      expect(text).toMatch(/Giá trúng:\s*50\.000\.000 đồng/);
      expect(text.replace(/\s+/g, '')).toContain(rec.finalHash);
    }
  });

  it('records a cancelled lot with its reason', async () => {
    const lot = await publishedLot(tp.call, manager, lotBody(clock.now(), { title: 'Tài sản tịch thu: xe ô tô' }));
    const cancel = await tp.call('POST', `/api/lots/${lot.id}/cancel`, {
      token: manager.token,
      body: { reason: 'Chủ sở hữu rút tài sản khỏi cuộc đấu giá' },
    });
    expect(cancel.status).toBe(200);
    const res = await record(lot.id);
    expect(res.status).toBe(200);
    const rec = payload(res.bytes);
    expect(rec.result).toMatchObject({
      status: 'cancelled',
      cancelReason: 'Chủ sở hữu rút tài sản khỏi cuộc đấu giá',
      finalPrice: null,
      entryCount: 0,
    });
    expect((await postRaw(tp, '/api/records/verify', res.bytes, 'application/json')).json).toMatchObject({
      valid: true,
    });
  });
});
