// A record read is a GET (the contract), so a link on another site could make a regulator's browser
// fetch one with its session cookie (issue 13, item 9). Reads are logged as "viewed" with the
// request's Origin, and every record export refuses requests another site started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { auditEvents } from '../../db/schema.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot } from './factory.ts';
import { personaTokens } from './support.ts';

let tp: TestPlatform;
let regulator: string;
let lotId: number;

beforeAll(async () => {
  tp = await startTestPlatform();
  regulator = (await personaTokens(tp)).regulator!;
  ({ lotId } = await seedEndedLot(tp.database.db, { bids: CONTESTED_BIDS }));
});
afterAll(async () => tp?.stop());

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(tp.base + path, { headers: { authorization: `Bearer ${regulator}`, ...headers } });
const recordEvents = () =>
  tp.database.db
    .select()
    .from(auditEvents)
    .where(inArray(auditEvents.action, ['record.viewed', 'record.exported', 'audit.exported']))
    .orderBy(desc(auditEvents.id));

describe('record reads and cross-site requests', () => {
  it('logs a record read as viewed, with its origin and fetch site', async () => {
    const res = await get(`/api/records/lots/${lotId}?format=json`, {
      origin: tp.base,
      'sec-fetch-site': 'same-origin',
    });
    expect(res.status).toBe(200);
    const [last] = await tp.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.lotId, lotId), inArray(auditEvents.action, ['record.viewed', 'record.exported'])))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    expect(last.action).toBe('record.viewed');
    expect(last.data).toMatchObject({ format: 'json', origin: tp.base, fetchSite: 'same-origin' });
    // An API client (no browser headers) is served and logged the same way.
    expect((await get(`/api/records/lots/${lotId}?format=csv`)).status).toBe(200);
  });

  it('refuses every record export started by another site with 403, and logs nothing', async () => {
    const before = (await recordEvents()).length;
    for (const path of [
      `/api/records/lots/${lotId}?format=json`,
      `/api/records/lots/${lotId}?format=pdf`,
      '/api/records/lots?from=2000-01-01&to=2100-01-01&format=csv',
      '/api/records/audit?format=ndjson',
    ]) {
      const res = await get(path, {
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
        origin: 'https://evil.example',
      });
      expect(res.status, path).toBe(403);
      expect((await res.json()).error.code).toBe('FORBIDDEN');
    }
    expect((await recordEvents()).length).toBe(before);
    // The same requests from the platform's own pages are served.
    expect((await get('/api/records/audit?format=ndjson', { 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });
});
