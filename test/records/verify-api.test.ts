import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot } from './factory.ts';
import { getBytes, personaTokens, postRaw } from './support.ts';

let tp: TestPlatform;
let record: Buffer;

beforeAll(async () => {
  tp = await startTestPlatform();
  const regulator = (await personaTokens(tp)).regulator!;
  const lot = await seedEndedLot(tp.database.db, { bids: CONTESTED_BIDS });
  record = (await getBytes(tp, `/api/records/lots/${lot.lotId}?format=json`, regulator)).bytes;
});
afterAll(async () => tp?.stop());

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
    for (const [body, type] of [['', 'application/jose'], ['   ', 'application/jose'], ['42', 'application/json'], ['[1,2]', 'application/json'], ['null', 'application/json']]) {
      const res = await postRaw(tp, '/api/records/verify', body, type);
      expect(res.status, body).toBe(422);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers valid:false with a reason to JWS-shaped documents that are not genuine records', async () => {
    const jws = JSON.parse(record.toString());
    const cases: [string, string, RegExp][] = [
      [JSON.stringify({ ...jws, header: { kid: 'x' } }), 'application/json', /exactly "protected", "payload" and "signature"/],
      [JSON.stringify({ payload: jws.payload, signatures: [] }), 'application/json', /exactly one signature/],
      [JSON.stringify({ ...jws, payload: 42 }), 'application/json', /must be strings/],
      [JSON.stringify('a.b'), 'application/json', /three dot-separated parts/],
      ['not a jws', 'application/jose', /neither a compact JWS nor JSON/],
      [`${jws.protected}.${jws.payload}.${jws.signature}x`, 'application/jose', /canonical base64url|signature/],
      [JSON.stringify({ ...jws, protected: Buffer.from('{"alg":"none","kid":"k"}').toString('base64url') }), 'application/json', /algorithm "none" is not accepted/],
      [JSON.stringify({ ...jws, protected: Buffer.from('{"alg":"HS256","kid":"k"}').toString('base64url') }), 'application/json', /not accepted/],
      ['{"type":"lot-export"}\n', 'application/x-ndjson', /no seal line/],
      ['a,b\n1,2\n', 'text/csv', /unknown CSV columns/],
    ];
    for (const [body, type, reason] of cases) {
      const res = await postRaw(tp, '/api/records/verify', body, type);
      expect(res.status, body.slice(0, 60)).toBe(200);
      expect(res.json.valid).toBe(false);
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
