import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desc, eq } from 'drizzle-orm';
import { auditEvents } from '../../db/schema.ts';
import { appendAudit } from '../../server/audit/audit-log.ts';
import { GENESIS_HASH } from '../../server/shared/hash-chain.ts';
import { verifyDocument } from '../../server/records/verify-document.ts';
import type { Jwks } from '../../server/records/jws.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot } from './factory.ts';
import { fetchJwks, getBytes, personaTokens, postRaw } from './support.ts';

let tp: TestPlatform;
let regulator: string;
let jwks: Jwks;

beforeAll(async () => {
  tp = await startTestPlatform();
  regulator = (await personaTokens(tp)).regulator!;
  const { db } = tp.database;
  await seedEndedLot(db, { bids: CONTESTED_BIDS, extend: true, now: new Date('2026-03-01T00:00:00Z') });
  await seedEndedLot(db, { status: 'cancelled', now: new Date('2026-04-01T00:00:00Z') });
  // Data with nested objects, unicode and numbers, as other writers put in the log.
  await db.transaction((tx) =>
    appendAudit(tx, {
      actorPid: null,
      action: 'role.granted',
      subject: '079000000123',
      at: new Date('2026-05-01T08:00:00Z'),
      data: { roles: ['regulator'], note: 'Thanh tra Sở Tư pháp', nested: { b: 2, a: [1, 'hai'] } },
    }),
  );
  jwks = await fetchJwks(tp);
});
afterAll(async () => tp?.stop());

const lines = (bytes: Buffer): string[] => bytes.toString('utf8').trimEnd().split('\n');
const encode = (ls: string[]): Uint8Array => new TextEncoder().encode(`${ls.join('\n')}\n`);

describe('the audit log export', () => {
  it('streams the whole log as NDJSON from the genesis hash, sealed, and verifies', async () => {
    const res = await getBytes(tp, '/api/records/audit?format=ndjson', regulator);
    expect(res.status).toBe(200);
    const ls = lines(res.bytes);
    const header = JSON.parse(ls[0]);
    expect(header).toMatchObject({ type: 'audit-export', previousHash: GENESIS_HASH });
    const events = ls.slice(1, -1).map((l) => JSON.parse(l));
    expect(events[0].prevHash).toBe(GENESIS_HASH);
    expect(events.map((e) => e.action)).toContain('lot.extended');
    // The export itself is logged before it is streamed, so it is the last event exported.
    expect(events.at(-1)).toMatchObject({ action: 'audit.exported', data: { format: 'ndjson' } });
    const verdict = await verifyDocument(res.bytes, jwks);
    expect(verdict).toMatchObject({
      valid: true,
      kind: 'audit-export',
      details: { events: events.length, fromGenesis: true, lastHash: events.at(-1).hash },
    });
    expect((await postRaw(tp, '/api/records/verify', res.bytes, 'application/x-ndjson')).json).toMatchObject({
      valid: true,
      kind: 'audit-export',
    });
  });

  it('exports a period as one contiguous stretch that links to the hash before it', async () => {
    // The second lot's events (created 27 March, three registrations on 29 March, cancelled 31 March 2026), and nothing else.
    const res = await getBytes(tp, '/api/records/audit?from=2026-03-20&to=2026-04-15&format=ndjson', regulator);
    const ls = lines(res.bytes);
    const header = JSON.parse(ls[0]);
    expect(ls.slice(1, -1).map((l) => JSON.parse(l).action)).toEqual([
      'lot.created',
      'registration.created',
      'registration.created',
      'registration.created',
      'lot.cancelled',
    ]);
    expect(header.previousHash).not.toBe(GENESIS_HASH);
    expect(JSON.parse(ls[1]).prevHash).toBe(header.previousHash);
    expect(await verifyDocument(res.bytes, jwks)).toMatchObject({ valid: true, details: { fromGenesis: false } });
  });

  it('detects a changed, removed, reordered or added event, and a missing seal', async () => {
    const ls = lines((await getBytes(tp, '/api/records/audit', regulator)).bytes);
    const changed = [...ls];
    changed[2] = changed[2].replace(/"action":"[^"]+"/, '"action":"lot.published"');
    expect((await verifyDocument(encode(changed), jwks)).reason).toMatch(/does not match its seal/);
    expect((await verifyDocument(encode([ls[0], ls[2], ls[1], ...ls.slice(3)]), jwks)).reason).toMatch(
      /does not match its seal/,
    );
    expect((await verifyDocument(encode([ls[0], ...ls.slice(2)]), jwks)).reason).toMatch(/does not match its seal/);
    expect((await verifyDocument(encode([...ls.slice(0, -1), ls[1], ls.at(-1)!]), jwks)).reason).toMatch(
      /does not match its seal/,
    );
    expect((await verifyDocument(encode(ls.slice(0, -1)), jwks)).reason).toMatch(/not the export seal/);
  });

  it('streams CSV (UTF-8 with BOM) whose chain verifies the same way and shows an edit', async () => {
    const res = await getBytes(tp, '/api/records/audit?format=csv', regulator);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect([...res.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const verdict = await postRaw(tp, '/api/records/verify', res.bytes, 'text/csv');
    expect(verdict.json).toMatchObject({
      valid: true,
      kind: 'audit-csv',
      details: { fromGenesis: true, signed: false },
    });
    const [last] = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'audit.exported'))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    expect(verdict.json.details.lastHash).toBe(last.hash);
    const text = res.bytes.toString('utf8');
    expect(text).toContain('Thanh tra Sở Tư pháp');
    const edited = text.replace('Thanh tra Sở Tư pháp', 'Thanh tra Bộ Tư pháp');
    const bad = await postRaw(tp, '/api/records/verify', edited, 'text/csv');
    expect(bad.json).toMatchObject({ valid: false });
    expect(bad.json.reason).toMatch(/was changed/);
    const rows = text.split('\r\n');
    const removed = await postRaw(
      tp,
      '/api/records/verify',
      [...rows.slice(0, 3), ...rows.slice(4)].join('\r\n'),
      'text/csv',
    );
    expect(removed.json.reason).toMatch(/does not link/);
  });

  it('logs each export as audit.exported with the regulator as actor', async () => {
    const before = await tp.database.db.$count(auditEvents, eq(auditEvents.action, 'audit.exported'));
    await getBytes(tp, '/api/records/audit?format=csv&from=2026-01-01', regulator);
    const [last] = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'audit.exported'))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    expect(await tp.database.db.$count(auditEvents, eq(auditEvents.action, 'audit.exported'))).toBe(before + 1);
    // The actor column holds the regulator's person key, never their 12 digits.
    expect(last.actorPid).toMatch(/^[0-9a-f]{64}$/);
    expect(last.data).toMatchObject({ format: 'csv', from: '2026-01-01T00:00:00.000Z', to: null });
  });
});
