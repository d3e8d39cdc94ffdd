// Issue 13, item 2: anyone who can write the database rewrote a winner's registration
// (`UPDATE registrations SET pid = …`) after the close, and the platform signed a fresh record naming
// another person as the winner, which POST /api/records/verify and the exports called valid. Now the
// registration (code, person as a keyed hash, time, rules) and the close result are on the audit
// chain, and every record and export is checked against it: the record is refused, a record built the
// old way from the rewritten rows does not verify, and both exports report the contradiction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { auditEvents, lots, people, signingKeys } from '../../db/schema.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import { personHash } from '../../server/audit/person-hash.ts';
import { personKey, sealPerson } from '../../server/privacy/personal-data.ts';
import { signFlattened } from '../../server/records/jws.ts';
import { loadDetails } from '../../server/records/queries.ts';
import { buildRecord } from '../../server/records/record.ts';
import { RECORD_CTY, type AuctionRecord } from '../../server/records/record-format.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { eventually, liveLot, person, type Actor, type Registered } from '../auctions/factories.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { getBytes, postRaw } from './support.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
let regulator: Actor;
let lotId: number;
let winner: Registered;
let loser: Registered;
let impostorPid: string;
let signedBefore: Buffer;

const bid = (who: Actor, amount: number) =>
  tp.call('POST', `/api/lots/${lotId}/bids`, {
    token: who.token,
    body: { amount },
    headers: { 'idempotency-key': crypto.randomUUID() },
  });
const recordOf = (bytes: Buffer): AuctionRecord =>
  JSON.parse(Buffer.from(JSON.parse(bytes.toString()).payload, 'base64url').toString('utf8'));
const verify = async (bytes: Buffer | string, type: string) =>
  (await postRaw(tp, '/api/records/verify', bytes, type)).json;
const period = '?from=2026-01-01&to=2028-01-01';
const kidOf = (bytes: Buffer): string =>
  JSON.parse(Buffer.from(JSON.parse(bytes.toString()).protected, 'base64url').toString()).kid;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'], name: 'Lê Thị Quản Lý' });
  regulator = await person(tp.idp, tp.database.db, { roles: ['regulator'], name: 'Hoàng Thanh Tra' });
  const bidders = await Promise.all(
    ['Nguyễn Thị Ngọc Ánh', 'Trần Văn Đức'].map((name) => person(tp.idp, undefined, { name })),
  );
  const live = await liveLot({ call: tp.call, clock }, manager, bidders, { title: 'Biển số 30K-999.99 (Hà Nội)' });
  lotId = live.lot.id;
  [winner, loser] = live.bidders;
  expect((await bid(loser, 40_000_000)).status).toBe(201);
  expect((await bid(winner, 45_000_000)).status).toBe(201);
  clock.set(Date.parse(live.lot.endsAt) + CLOSE_GRACE_MS);
  await eventually(
    async () => ((await tp.call('GET', `/api/lots/${lotId}/result`)).json.status === 'closed' ? true : undefined),
    'the close',
  );
  // The person the rewrite will name: someone who exists (the foreign key holds), never registered here.
  impostorPid = '079199000777';
  await tp.database.db.insert(people).values({ ...sealPerson({ pid: impostorPid, name: 'Kẻ Mạo Danh' }), level: 2 });
  signedBefore = (await getBytes(tp, `/api/records/lots/${lotId}?format=json`, regulator.token)).bytes;
});
afterAll(async () => tp?.stop());

describe('the chained binding, before anything is rewritten', () => {
  it('chains the registration and the close with keyed person hashes, never the personal ids', async () => {
    const events = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lotId))
      .orderBy(asc(auditEvents.id));
    const created = events.find((e) => e.action === 'registration.created' && e.data.bidderCode === winner.bidderCode)!;
    expect(created).toMatchObject({
      chainVersion: 2,
      subject: String(winner.registrationId),
      actorHash: personHash(winner.pid),
      data: { bidderCode: winner.bidderCode, personHash: personHash(winner.pid), rulesVersion: 1 },
    });
    const closed = events.find((e) => e.action === 'lot.closed')!;
    expect(closed.data).toMatchObject({
      winnerBidderCode: winner.bidderCode,
      winnerPersonHash: personHash(winner.pid),
      finalPrice: 45_000_000,
      winnerRegistrationId: winner.registrationId,
    });
    // Nothing the chain covers holds a personal id in clear.
    for (const e of events) {
      const chained = JSON.stringify({ data: e.data, actorHash: e.actorHash, subjectHash: e.subjectHash });
      for (const pid of [winner.pid, loser.pid, manager.pid]) expect(chained).not.toContain(pid);
    }
  });

  it('issues a record that verifies, and exports that verify', async () => {
    expect(recordOf(signedBefore).result).toMatchObject({ winnerBidderCode: winner.bidderCode, winnerPid: winner.pid });
    expect(await verify(signedBefore, 'application/json')).toMatchObject({ valid: true });
    const audit = await getBytes(tp, '/api/records/audit?format=ndjson', regulator.token);
    expect(await verify(audit.bytes, 'application/x-ndjson')).toMatchObject({ valid: true, kind: 'audit-export' });
    const period_ = await getBytes(tp, `/api/records/lots${period}&format=ndjson`, regulator.token);
    expect(await verify(period_.bytes, 'application/x-ndjson')).toMatchObject({ valid: true, kind: 'lot-export' });
  });
});

describe('after UPDATE registrations SET pid = … on the winner, with the platform out of the loop', () => {
  beforeAll(async () => {
    await tp.database.db.execute(
      // The column holds person keys: the rewrite names the impostor's.
      sql`update registrations set pid = ${personKey(impostorPid)} where id = ${winner.registrationId}`,
    );
  });

  it('refuses to issue the record, says why, and puts the refusal on the audit log', async () => {
    for (const format of ['json', 'csv', 'pdf']) {
      const res = await tp.call('GET', `/api/records/lots/${lotId}?format=${format}`, { token: regulator.token });
      expect(res.status, format).toBe(409);
      expect(res.json.error.code).toBe('RECORD_INCONSISTENT');
      expect(res.json.error.message).toMatch(
        new RegExp(`registration ${winner.bidderCode} names a different person than the one chained when it was made`),
      );
      expect(res.json.error.message).not.toContain(impostorPid);
      expect(res.json.error.message).not.toContain(personKey(impostorPid));
    }
    const refusals = await tp.database.db.select().from(auditEvents).where(eq(auditEvents.action, 'record.refused'));
    expect(refusals.length).toBeGreaterThanOrEqual(3);
    expect(refusals[0]).toMatchObject({ lotId, actorPid: personKey(regulator.pid), data: { scope: 'lot' } });
  });

  it('a record signed from the rewritten rows, as the platform used to, does not verify', async () => {
    const [lot] = await tp.database.db.select().from(lots).where(eq(lots.id, lotId));
    const details = (await loadDetails(tp.database.db, [lotId])).get(lotId)!;
    const rebuilt = buildRecord({ ...lot, status: 'closed' }, details, {
      issuedAt: clock.now(),
      issuer: null,
      minBidders: 2,
    });
    expect(rebuilt.result).toMatchObject({
      winnerBidderCode: winner.bidderCode,
      winnerPid: impostorPid,
      winnerName: 'Kẻ Mạo Danh',
    });
    // Signed with the platform's own key, exactly as GET /api/records/lots/:id signed it before the fix.
    const [row] = await tp.database.db
      .select()
      .from(signingKeys)
      .where(eq(signingKeys.kid, kidOf(signedBefore)));
    const key = {
      kid: row.kid,
      alg: 'EdDSA' as const,
      privateKey: (await importJWK(row.privateJwk as JWK, 'EdDSA')) as CryptoKey,
    };
    const forged = await signFlattened(new TextEncoder().encode(JSON.stringify(rebuilt)), key, RECORD_CTY);
    const verdict = await verify(JSON.stringify(forged), 'application/json');
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toMatch(
      new RegExp(
        `registration ${winner.bidderCode} names a different person than the one chained when it was made \\(audit event \\d+`,
      ),
    );
    // The record signed before the rewrite still verifies: it was true when it was issued.
    expect(await verify(signedBefore, 'application/json')).toMatchObject({ valid: true });
  });

  it('the audit export lists the rewritten registration and the close it contradicts, and does not verify', async () => {
    const audit = await getBytes(tp, '/api/records/audit?format=ndjson', regulator.token);
    expect(audit.status).toBe(200);
    const problems = audit.bytes
      .toString()
      .split('\n')
      .filter((l) => l.includes('"integrity-problem"'))
      .map((l) => JSON.parse(l));
    expect(problems.map((p) => p.reason)).toEqual([
      expect.stringMatching(
        new RegExp(
          `registration ${winner.registrationId} \\(${winner.bidderCode}\\) names a different person than the one chained`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`lot ${lotId}'s winner ${winner.bidderCode} is not the person the close chained`),
      ),
    ]);
    const verdict = await verify(audit.bytes, 'application/x-ndjson');
    expect(verdict).toMatchObject({ valid: false, kind: 'audit-export' });
    expect(verdict.reason).toMatch(/the chain holds, but the platform found 2 rows of its database contradicting it/);
  });

  it('the export of the period carries a refusal instead of the record, and does not verify', async () => {
    const ndjson = await getBytes(tp, `/api/records/lots${period}&format=ndjson`, regulator.token);
    const lines = ndjson.bytes
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'record-refused')).toMatchObject({
      lotId,
      reason: expect.stringMatching(/names a different person/),
    });
    expect(lines.some((l) => l.type === 'auction-record' && l.lot.id === lotId)).toBe(false);
    const verdict = await verify(ndjson.bytes, 'application/x-ndjson');
    expect(verdict).toMatchObject({ valid: false, kind: 'lot-export' });
    expect(verdict.reason).toMatch(
      new RegExp(
        `lot ${lotId} \\(line \\d+\\): the platform refused to issue its record: registration ${winner.bidderCode} names a different person`,
      ),
    );
    const csv = (await getBytes(tp, `/api/records/lots${period}&format=csv`, regulator.token)).bytes.toString();
    expect(csv).not.toContain(impostorPid);
    expect(csv).toMatch(/,"?refused: registration B-\w+ names a different person/);
  });
});

describe('after UPDATE lots SET winner_registration_id = … (another winner, the person rows untouched)', () => {
  beforeAll(async () => {
    await tp.database.db.execute(
      sql`update registrations set pid = ${personKey(winner.pid)} where id = ${winner.registrationId}`,
    );
    expect((await tp.call('GET', `/api/records/lots/${lotId}?format=json`, { token: regulator.token })).status).toBe(
      200,
    );
    await tp.database.db
      .update(lots)
      .set({ winnerRegistrationId: loser.registrationId, finalPrice: 40_000_000 })
      .where(eq(lots.id, lotId));
  });

  it('refuses the record: the result is not the one the close chained', async () => {
    const res = await tp.call('GET', `/api/records/lots/${lotId}?format=json`, { token: regulator.token });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toMatch(
      new RegExp(`the record names ${loser.bidderCode}, but the close chained ${winner.bidderCode}`),
    );
  });
});
