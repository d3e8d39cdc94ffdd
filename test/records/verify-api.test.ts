import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { toCsv } from '../../server/records/csv.ts';
import { VERIFY_CODES } from '../../server/records/verify-codes.ts';
import { LEDGER_CSV_COLUMNS } from '../../server/records/verify-export.ts';
import { GENESIS_HASH, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot, type SeededLot } from './factory.ts';
import { getBytes, personaTokens, postRaw } from './support.ts';

let tp: TestPlatform;
let lot: SeededLot;
let record: Buffer;
let csv: Buffer;

beforeAll(async () => {
  tp = await startTestPlatform();
  const regulator = (await personaTokens(tp)).regulator!;
  lot = await seedEndedLot(tp.database.db, { bids: CONTESTED_BIDS, title: 'Biển số xe 51K-888.88 (TP. Hồ Chí Minh)' });
  record = (await getBytes(tp, `/api/records/lots/${lot.lotId}?format=json`, regulator)).bytes;
  csv = (await getBytes(tp, `/api/records/lots/${lot.lotId}?format=csv`, regulator)).bytes;
});
afterAll(async () => tp?.stop());

/** The ledger CSV with its winning bid handed to another bidder and every hash recomputed, as a forger would. */
function forgedCsv(original: Buffer, newWinner: string): string {
  const rows = parse(original.toString('utf8').replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
  rows[rows.length - 1].bidderCode = newWinner;
  let prev = GENESIS_HASH;
  for (const r of rows) {
    r.prevHash = prev;
    r.hash = ledgerEntryHash(prev, {
      lotId: Number(r.lotId),
      seq: Number(r.seq),
      kind: r.kind as 'bid' | 'withdrawal',
      amount: Number(r.amount),
      bidderCode: r.bidderCode,
      placedAt: r.placedAt,
      withdrawsSeq: r.withdrawsSeq === '' ? null : Number(r.withdrawsSeq),
    });
    prev = r.hash;
  }
  return toCsv(rows, { header: true, columns: [...LEDGER_CSV_COLUMNS] });
}

describe('POST /api/records/verify says whether a signature vouches for the document', () => {
  it('answers a signed record with signed:true and the lot, title, entries, final hash, key and signing time', async () => {
    const jws = JSON.parse(record.toString()) as { protected: string; payload: string };
    const kid = JSON.parse(Buffer.from(jws.protected, 'base64url').toString()).kid as string;
    const issuedAt = JSON.parse(Buffer.from(jws.payload, 'base64url').toString()).issuedAt as string;
    const res = await postRaw(tp, '/api/records/verify', record, 'application/json');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ valid: true, signed: true, kind: 'auction-record', kid });
    expect(res.json.details).toMatchObject({
      lotId: lot.lotId,
      title: 'Biển số xe 51K-888.88 (TP. Hồ Chí Minh)',
      entries: 7,
      finalHash: lot.finalHash,
      kid,
      signedAt: issuedAt,
    });
    expect(res.json.code).toBeUndefined();
    expect(res.json.reason).toBeUndefined();
  });

  it('answers a ledger CSV whose chain holds with valid:true but signed:false and code NOT_SIGNED', async () => {
    const res = await postRaw(tp, '/api/records/verify', csv, 'text/csv');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      valid: true,
      signed: false,
      code: 'NOT_SIGNED',
      kind: 'ledger-csv',
      params: { lastHash: lot.finalHash },
      details: { entries: 7, finalHash: lot.finalHash },
    });
    expect(res.json.kid).toBeUndefined();
  });

  it('never calls a CSV with another winner and a recomputed chain signed: only its final hash differs from the signed record', async () => {
    const forged = forgedCsv(csv, 'B-002');
    expect(forged).toContain('B-002');
    const res = await postRaw(tp, '/api/records/verify', forged, 'text/csv');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ valid: true, signed: false, code: 'NOT_SIGNED', kind: 'ledger-csv' });
    // What the page tells the reader to compare: the forged chain ends elsewhere than the signed record.
    expect(res.json.details.finalHash).not.toBe(lot.finalHash);
    const signed = await postRaw(tp, '/api/records/verify', record, 'application/json');
    expect(signed.json.details.finalHash).toBe(lot.finalHash);
  });

  it('answers a CSV with a broken chain valid:false, signed:false, with a code and the row', async () => {
    const text = csv.toString('utf8').replace(/,45000000,/, ',46000000,');
    const res = await postRaw(tp, '/api/records/verify', text, 'text/csv');
    expect(res.json).toMatchObject({
      valid: false,
      signed: false,
      code: 'CSV_CHAIN_BROKEN',
      params: { row: 3, seq: '2' },
    });
  });
});

describe('POST /api/records/verify with a large record', () => {
  it('verifies a record far over the JSON body limit (400 bids)', async () => {
    const regulator = (await personaTokens(tp)).regulator!;
    const bids = Array.from({ length: 400 }, (_, i) => ({ by: i % 3, amount: 40_000_000 + i * 5_000_000 }));
    const big = await seedEndedLot(tp.database.db, { bids });
    const bytes = (await getBytes(tp, `/api/records/lots/${big.lotId}?format=json`, regulator)).bytes;
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const res = await postRaw(tp, '/api/records/verify', bytes, 'application/json');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ valid: true, details: { entries: 400, finalHash: big.finalHash } });
  });
});

describe('POST /api/records/verify with bad input', () => {
  it('answers 415 to a body of another media type', async () => {
    for (const type of ['application/xml', 'multipart/form-data; boundary=x', 'constructor', undefined]) {
      const res = await postRaw(tp, '/api/records/verify', record, type);
      expect(res.status, String(type)).toBe(415);
      expect(res.json.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('answers 400 to JSON that does not parse', async () => {
    for (const body of ['{"payload":', '{payload: 1}', '\u0000', '']) {
      const res = await postRaw(tp, '/api/records/verify', body, 'application/json');
      expect(res.status, body).toBe(400);
      expect(res.json.error.code).toBe('MALFORMED_REQUEST');
    }
  });

  it('answers 422 to an empty body or JSON that is not a JWS at all', async () => {
    for (const [body, type] of [
      ['', 'application/jose'],
      ['   ', 'application/jose'],
      ['42', 'application/json'],
      ['[1,2]', 'application/json'],
      ['null', 'application/json'],
    ]) {
      const res = await postRaw(tp, '/api/records/verify', body, type);
      expect(res.status, body).toBe(422);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers valid:false with a reason to JWS-shaped documents that are not genuine records', async () => {
    const jws = JSON.parse(record.toString());
    const cases: [string, string, RegExp, string][] = [
      [
        JSON.stringify({ ...jws, header: { kid: 'x' } }),
        'application/json',
        /exactly "protected", "payload" and "signature"/,
        'JWS_FORM',
      ],
      [
        JSON.stringify({ payload: jws.payload, signatures: [] }),
        'application/json',
        /exactly one signature/,
        'JWS_FORM',
      ],
      [JSON.stringify({ ...jws, payload: 42 }), 'application/json', /must be strings/, 'JWS_FORM'],
      [JSON.stringify('a.b'), 'application/json', /three dot-separated parts/, 'NOT_A_JWS'],
      ['not a jws', 'application/jose', /neither a compact JWS nor JSON/, 'NOT_A_JWS'],
      [
        `${jws.protected}.${jws.payload}.${jws.signature}x`,
        'application/jose',
        /canonical base64url|signature/,
        'JWS_NOT_CANONICAL',
      ],
      [
        JSON.stringify({ ...jws, protected: Buffer.from('{"alg":"none","kid":"k"}').toString('base64url') }),
        'application/json',
        /algorithm "none" is not accepted/,
        'ALGORITHM_NOT_ACCEPTED',
      ],
      [
        JSON.stringify({ ...jws, protected: Buffer.from('{"alg":"HS256","kid":"k"}').toString('base64url') }),
        'application/json',
        /not accepted/,
        'ALGORITHM_NOT_ACCEPTED',
      ],
      ['{"type":"lot-export"}\n', 'application/x-ndjson', /no seal line/, 'EXPORT_NO_SEAL'],
      ['a,b\n1,2\n', 'text/csv', /unknown CSV columns/, 'CSV_UNKNOWN_COLUMNS'],
    ];
    for (const [body, type, reason, code] of cases) {
      const res = await postRaw(tp, '/api/records/verify', body, type);
      expect(res.status, body.slice(0, 60)).toBe(200);
      expect(res.json).toMatchObject({ valid: false, signed: false, code });
      expect(VERIFY_CODES).toContain(res.json.code);
      expect(res.json.reason).toMatch(reason);
    }
  });

  // Last: the server closes the connection on an oversized body, which the client's pool notices late.
  it('answers 413 to a body over the size limit', async () => {
    const res = await postRaw(tp, '/api/records/verify', `"${'A'.repeat(17 * 1024 * 1024)}"`, 'application/json');
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
