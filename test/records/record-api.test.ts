import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { parse } from 'csv-parse/sync';
import { auditEvents } from '../../db/schema.ts';
import { GENESIS_HASH } from '../../server/shared/hash-chain.ts';
import { RECORD_VERSION, type AuctionRecord } from '../../server/records/record-format.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot, type SeededLot } from './factory.ts';
import { fetchJwks, getBytes, personaTokens, postRaw, type Persona } from './support.ts';

let tp: TestPlatform;
let tokens: Record<Persona, string | undefined>;
let lot: SeededLot;

beforeAll(async () => {
  tp = await startTestPlatform();
  tokens = await personaTokens(tp);
  lot = await seedEndedLot(tp.database.db, { bids: CONTESTED_BIDS, extend: true });
});
afterAll(async () => tp?.stop());

const decodePayload = (jws: { payload: string }): AuctionRecord =>
  JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'));

describe('the signed JSON record', () => {
  it('is a JWS whose payload holds the lot, registrations, full ledger, extensions, result and final hash', async () => {
    const res = await tp.call('GET', `/api/records/lots/${lot.lotId}?format=json`, { token: tokens.regulator });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('content-disposition')).toContain(`lot-${lot.lotId}-record.json`);
    expect(Object.keys(res.json).sort()).toEqual(['payload', 'protected', 'signature']);
    const header = JSON.parse(Buffer.from(res.json.protected, 'base64url').toString('utf8'));
    expect(header).toMatchObject({ alg: 'EdDSA', cty: 'auction-record+json' });
    const record = decodePayload(res.json);
    expect(record.lot).toMatchObject({ id: lot.lotId, title: 'Biển số xe 30K-999.99 (Hà Nội)' });
    expect(record.policy).toMatchObject({
      startingPrice: 40_000_000,
      priceStep: 5_000_000,
      deposit: 8_000_000,
      softClose: { windowSeconds: 60, extendSeconds: 120 },
    });
    expect(record.registrations).toHaveLength(3);
    expect(record.registrations[0]).toMatchObject({
      bidderCode: 'B-001',
      pid: lot.bidders[0].pid,
      name: 'Nguyễn Thị Ngọc Ánh',
      depositState: 'retained',
      rulesVersion: 1,
    });
    expect(record.registrations[2]).toMatchObject({ bidderCode: 'B-003', status: 'barred', depositState: 'forfeited' });
    expect(record.ledger.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(record.ledger[3]).toMatchObject({
      seq: 4,
      kind: 'bid',
      amount: 60_000_000,
      bidderCode: 'B-003',
      status: 'withdrawn',
    });
    expect(record.ledger[4]).toMatchObject({ seq: 5, kind: 'withdrawal', withdrawsSeq: 4, status: 'withdrawal' });
    expect(record.ledger[0].prevHash).toBe(GENESIS_HASH);
    expect(record.extensions).toHaveLength(1);
    expect(record.extensions[0].endsAt).toBe(record.times.endsAt);
    expect(record.result).toMatchObject({
      status: 'closed',
      finalPrice: 65_000_000,
      winnerBidderCode: 'B-001',
      winnerPid: lot.bidders[0].pid,
      entryCount: 7,
      bidCount: 6,
    });
    expect(record.finalHash).toBe(lot.finalHash);
    expect(record.history.map((h: { action: string }) => h.action)).toEqual([
      'lot.created',
      'registration.created',
      'registration.created',
      'registration.created',
      'lot.extended',
      'lot.closed',
    ]);
    // Version 2: each registration with its person's keyed hash, as chained when the person registered.
    // Version 3: the auction method and its terms (an ascending lot without extension rounds here).
    expect(record.version).toBe(RECORD_VERSION);
    expect(record.policy).toMatchObject({ method: 'ascending', rounds: null });
    expect(record.registrations[0].personHash).toBe(record.history[1].data.personHash);
  });

  it('verifies as valid over HTTP exactly as returned, and with the signing key published with its kid', async () => {
    const res = await getBytes(tp, `/api/records/lots/${lot.lotId}?format=json`, tokens.regulator);
    const verdict = await postRaw(tp, '/api/records/verify', res.bytes, 'application/json');
    expect(verdict.status).toBe(200);
    expect(verdict.json).toMatchObject({ valid: true });
    const kid = JSON.parse(Buffer.from(JSON.parse(res.bytes.toString()).protected, 'base64url').toString()).kid;
    const jwks = await fetchJwks(tp);
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
  });

  it('verifies the same record sent as a compact JWS (application/jose) or as a JSON string', async () => {
    const { json } = await tp.call('GET', `/api/records/lots/${lot.lotId}?format=json`, { token: tokens.regulator });
    const compact = `${json.protected}.${json.payload}.${json.signature}`;
    expect((await postRaw(tp, '/api/records/verify', compact, 'application/jose')).json).toMatchObject({ valid: true });
    expect((await postRaw(tp, '/api/records/verify', JSON.stringify(compact), 'application/json')).json).toMatchObject({
      valid: true,
    });
    const general = { payload: json.payload, signatures: [{ protected: json.protected, signature: json.signature }] };
    expect(
      (await postRaw(tp, '/api/records/verify', JSON.stringify(general), 'application/json; charset=utf-8')).json,
    ).toMatchObject({ valid: true });
  });

  it('writes every read to the audit log as viewed, with the regulator as actor', async () => {
    const before = await tp.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'record.viewed'), eq(auditEvents.lotId, lot.lotId)));
    for (const format of ['json', 'csv', 'pdf'])
      expect((await getBytes(tp, `/api/records/lots/${lot.lotId}?format=${format}`, tokens.regulator)).status).toBe(
        200,
      );
    const after = await tp.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'record.viewed'), eq(auditEvents.lotId, lot.lotId)));
    expect(after.length - before.length).toBe(3);
    expect(after.slice(-3).map((e) => e.data.format)).toEqual(['json', 'csv', 'pdf']);
    // The actor column holds the regulator's person key, never their 12 digits.
    expect(after.at(-1)!.actorPid).toMatch(/^[0-9a-f]{64}$/);
    expect(after.at(-1)!.data.finalHash).toBe(lot.finalHash);
  });
});

describe('the CSV ledger', () => {
  it('is UTF-8 with a byte-order mark and one row per ledger entry, withdrawals included', async () => {
    const res = await getBytes(tp, `/api/records/lots/${lot.lotId}?format=csv`, tokens.regulator);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect([...res.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(res.bytes.toString('utf8').slice(1), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(7);
    expect(rows[4]).toMatchObject({
      seq: '5',
      kind: 'withdrawal',
      withdrawsSeq: '4',
      amount: '60000000',
      bidderCode: 'B-003',
    });
    expect(rows[6].hash).toBe(lot.finalHash);
    const verdict = await postRaw(tp, '/api/records/verify', res.bytes, 'text/csv');
    expect(verdict.json).toMatchObject({ valid: true, kind: 'ledger-csv' });
  });
});

describe('records of lots that have not ended', () => {
  it('refuses a live lot with 409 RECORD_NOT_READY', async () => {
    const live = await seedEndedLot(tp.database.db, { status: 'live', bids: CONTESTED_BIDS.slice(0, 2) });
    const res = await tp.call('GET', `/api/records/lots/${live.lotId}?format=json`, { token: tokens.regulator });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('RECORD_NOT_READY');
  });

  it('serves records of failed and cancelled lots with their outcome', async () => {
    const failed = await seedEndedLot(tp.database.db, { status: 'failed', bids: [] });
    const cancelled = await seedEndedLot(tp.database.db, { status: 'cancelled', bids: CONTESTED_BIDS.slice(0, 3) });
    const f = decodePayload(
      (await tp.call('GET', `/api/records/lots/${failed.lotId}`, { token: tokens.regulator })).json,
    );
    expect(f.result).toMatchObject({ status: 'failed', finalPrice: null, winnerBidderCode: null, entryCount: 0 });
    expect(f.finalHash).toBe(GENESIS_HASH);
    const c = decodePayload(
      (await tp.call('GET', `/api/records/lots/${cancelled.lotId}`, { token: tokens.regulator })).json,
    );
    expect(c.result).toMatchObject({
      status: 'cancelled',
      cancelReason: 'Có dấu hiệu thông đồng, dìm giá',
      entryCount: 3,
    });
  });

  it('answers 404 for an unknown lot and 422 for a bad id or format, changing nothing', async () => {
    const count = async (): Promise<number> =>
      (await tp.database.db.select().from(auditEvents).where(eq(auditEvents.action, 'record.viewed'))).length;
    const before = await count();
    expect(
      (await tp.call('GET', '/api/records/lots/999999?format=json', { token: tokens.regulator })).json.error.code,
    ).toBe('NOT_FOUND');
    for (const path of [
      '/api/records/lots/abc',
      '/api/records/lots/-1',
      '/api/records/lots/1.5',
      '/api/records/lots/99999999999',
    ]) {
      const res = await tp.call('GET', path, { token: tokens.regulator });
      expect(res.status, path).toBe(422);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
    const bad = await tp.call('GET', `/api/records/lots/${lot.lotId}?format=xml`, { token: tokens.regulator });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fields.format).toBeDefined();
    expect(await count()).toBe(before);
  });
});

describe('the API description', () => {
  it('documents every records route in /api/openapi.json', async () => {
    const doc = (await tp.call('GET', '/api/openapi.json')).json;
    for (const path of [
      '/records/lots/{id}',
      '/records/lots',
      '/records/audit',
      '/records/verify',
      '/.well-known/jwks.json',
    ])
      expect(Object.keys(doc.paths), path).toContain(path);
    expect(Object.keys(doc.paths['/records/verify'].post.requestBody.content)).toEqual(
      expect.arrayContaining(['application/json', 'application/jose', 'application/x-ndjson', 'text/csv']),
    );
  });
});
