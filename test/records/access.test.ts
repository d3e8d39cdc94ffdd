import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inArray } from 'drizzle-orm';
import { auditEvents } from '../../db/schema.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot } from './factory.ts';
import { getBytes, PERSONAS, personaTokens, postRaw, type Persona } from './support.ts';

let tp: TestPlatform;
let tokens: Record<Persona, string | undefined>;
let lotId: number;

beforeAll(async () => {
  tp = await startTestPlatform();
  tokens = await personaTokens(tp);
  lotId = (await seedEndedLot(tp.database.db, { bids: CONTESTED_BIDS })).lotId;
});
afterAll(async () => tp?.stop());

/** What each persona gets from a regulator-only endpoint. */
const REGULATOR_ONLY: Record<Persona, { status: number; code?: string }> = {
  anonymous: { status: 401, code: 'UNAUTHENTICATED' },
  level1: { status: 403, code: 'FORBIDDEN' },
  level2: { status: 403, code: 'FORBIDDEN' },
  manager: { status: 403, code: 'FORBIDDEN' },
  regulator: { status: 200 },
  admin: { status: 403, code: 'FORBIDDEN' },
};

describe('the access matrix', () => {
  const paths = (): string[] => [
    `/api/records/lots/${lotId}?format=json`,
    `/api/records/lots/${lotId}?format=csv`,
    `/api/records/lots/${lotId}?format=pdf`,
    '/api/records/lots?from=2000-01-01&to=2100-01-01&format=ndjson',
    '/api/records/lots?from=2000-01-01&to=2100-01-01&format=csv',
    '/api/records/audit?format=ndjson',
    '/api/records/audit?format=csv',
  ];

  for (const persona of PERSONAS) {
    it(`gives ${persona} ${REGULATOR_ONLY[persona].status} on every record and export endpoint`, async () => {
      for (const path of paths()) {
        const res = await getBytes(tp, path, tokens[persona]);
        expect(res.status, `${persona} ${path}`).toBe(REGULATOR_ONLY[persona].status);
        if (REGULATOR_ONLY[persona].code)
          expect(JSON.parse(res.bytes.toString()).error.code).toBe(REGULATOR_ONLY[persona].code);
      }
    });
  }

  it('decides who may ask before checking what was asked (401 and 403, never 422, for a malformed request)', async () => {
    for (const path of [
      '/api/records/lots?from=not-a-date',
      '/api/records/audit?format=xml',
      '/api/records/lots/abc?format=zip',
    ]) {
      expect((await getBytes(tp, path, undefined)).status, path).toBe(401);
      expect((await getBytes(tp, path, tokens.manager)).status, path).toBe(403);
      expect((await getBytes(tp, path, tokens.regulator)).status, path).toBe(422);
    }
  });

  it('logs no export for refused requests', async () => {
    const exports = async (): Promise<number> =>
      (
        await tp.database.db
          .select()
          .from(auditEvents)
          .where(inArray(auditEvents.action, ['record.exported', 'record.viewed']))
      ).length;
    const before = await exports();
    for (const persona of PERSONAS.filter((p) => p !== 'regulator'))
      await getBytes(tp, `/api/records/lots/${lotId}?format=json`, tokens[persona]);
    expect(await exports()).toBe(before);
  });

  it('lets anyone read the published keys and verify a record', async () => {
    const record = await getBytes(tp, `/api/records/lots/${lotId}?format=json`, tokens.regulator);
    for (const persona of PERSONAS) {
      const jwks = await getBytes(tp, '/api/.well-known/jwks.json', tokens[persona]);
      expect(jwks.status).toBe(200);
      const res = await fetch(`${tp.base}/api/records/verify`, {
        method: 'POST',
        body: new Uint8Array(record.bytes),
        headers: {
          'content-type': 'application/json',
          ...(tokens[persona] ? { authorization: `Bearer ${tokens[persona]}` } : {}),
        },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ valid: true });
    }
  });

  it('answers 401 to a forged token rather than treating it as anonymous', async () => {
    const forged = `${tokens.regulator!.slice(0, -4)}AAAA`;
    const res = await getBytes(tp, `/api/records/lots/${lotId}`, forged);
    expect(res.status).toBe(401);
    expect((await postRaw(tp, '/api/records/verify', 'x.y.z', 'application/jose')).status).toBe(200);
  });
});
