// Every look is accounted for (issue 20): each staff read of people's identities (a lot's registrations
// with identities, the manager's explicit identity read, an authorisation document, a record, a bulk
// export of records or of the audit log) is one audit event with the reader, the purpose stated (or
// null) and its subjects indexed by keyed hash; each person read sees it in GET /api/me/data-views at
// once, and nobody else does; a bad purpose is refused and writes nothing; exports name who requested
// them and when; and IDENTITY_RETENTION_DAYS after a lot's records are final, staff reads of its
// identities are refused (403 identity_retention_expired) and lists show bidder codes only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, count, desc, eq, inArray } from 'drizzle-orm';
import { auditEvents, identityReads, organisationManagers, organisations } from '../../db/schema.ts';
import { personHash } from '../../server/audit/person-hash.ts';
import { outcomeSettled } from '../../server/audit/identity-retention.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import type { AuctionRecord } from '../../server/records/record-format.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import type { Json } from '../support/json.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';
import { lotBody, person, publishedLot, type Actor } from '../auctions/factories.ts';
import { CONTESTED_BIDS, seedEndedLot, type SeededLot } from '../records/factory.ts';
import { getBytes, postRaw } from '../records/support.ts';
import { personKey } from '../../server/privacy/personal-data.ts';

const DAY = 86_400_000;
const RETENTION_DAYS = 30;
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
const PURPOSE = 'Kiểm tra định kỳ hồ sơ phiên đấu giá';
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');

let t: TestPlatform;
let regulator: Actor;
let manager: Actor;
/** A manager of the organisation the seeded (ended) lots belong to. */
let defaultManager: Actor;
let managerOrganisation: string;

beforeAll(async () => {
  t = await startTestPlatform({ clock, env: { IDENTITY_RETENTION_DAYS: String(RETENTION_DAYS) } });
  regulator = await person(t.idp, t.database.db, { roles: ['regulator'], name: 'Hoàng Thị Thanh Tra' });
  manager = await person(t.idp, t.database.db, { roles: ['manager'], name: 'Lê Văn Quản Lý' });
  defaultManager = await person(t.idp, t.database.db, {
    roles: ['manager'],
    name: 'Đỗ Thị Điều Hành',
    organisation: DEFAULT_ORGANISATION_ID,
  });
  const [org] = await t.database.db
    .select({ name: organisations.name })
    .from(organisationManagers)
    .innerJoin(organisations, eq(organisations.id, organisationManagers.organisationId))
    .where(eq(organisationManagers.pid, personKey(manager.pid)));
  managerOrganisation = org.name;
});
afterAll(async () => t?.stop());

const views = async (who: Actor, query = ''): Promise<Json> => {
  const res = await t.call('GET', `/api/me/data-views${query}`, { token: who.token });
  expect(res.status, res.text).toBe(200);
  return res.json;
};
/**
 * The staff's audit events and the index rows written so far (a refused read must add none; the
 * platform's own events, such as a lot closing when the clock moves, are not reads).
 */
const written = async () => {
  const [events] = await t.database.db
    .select({ n: count() })
    .from(auditEvents)
    .where(
      inArray(
        auditEvents.actorPid,
        [regulator.pid, manager.pid, defaultManager.pid].map((p) => personKey(p)),
      ),
    );
  const [indexed] = await t.database.db.select({ n: count() }).from(identityReads);
  return { events: Number(events.n), indexed: Number(indexed.n) };
};
/** Who the index says an audit event read. */
const subjectsOf = async (auditId: number): Promise<string[]> =>
  (await t.database.db.select().from(identityReads).where(eq(identityReads.auditId, auditId)))
    .map((r) => r.subjectHash)
    .sort();
const lastEvent = async () =>
  (await t.database.db.select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(1))[0];
const tokenOf = async (pid: string): Promise<Actor> => ({ pid, token: await t.idp.token({ sub: pid, loa: 2 }) });
const register = async (who: Actor, lotId: number, body: Record<string, unknown> = {}): Promise<Json> => {
  const res = await t.call('POST', `/api/lots/${lotId}/registrations`, {
    token: who.token,
    body: { acceptRules: true, ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.json;
};

describe("a lot's registrations read with identities", () => {
  let lot: Json;
  let alice: Actor;
  let bob: Actor;
  let carol: Actor;

  beforeAll(async () => {
    lot = await publishedLot(t.call, manager, lotBody(clock.now()));
    alice = await person(t.idp, undefined, { name: 'Nguyễn Thị An' });
    bob = await person(t.idp, undefined, { name: 'Trần Văn Bình' });
    carol = await person(t.idp, undefined, { name: 'Phạm Thị Cúc' });
    await register(alice, lot.id);
    await register(bob, lot.id);
  });

  it("lists a regulator's read for each person read as soon as it happened, with reader and purpose", async () => {
    expect((await views(alice)).items).toEqual([]);
    const res = await t.call('GET', `/api/lots/${lot.id}/registrations?purpose=${encodeURIComponent(PURPOSE)}`, {
      token: regulator.token,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.identities).toBe('shown');
    // One audit event: the reader, the purpose, the number of people; the index names each of them.
    const event = await lastEvent();
    expect(event).toMatchObject({
      actorPid: personKey(regulator.pid),
      action: 'registrations.viewed',
      lotId: lot.id,
      data: { purpose: PURPOSE, role: 'regulator', subjects: 2 },
    });
    expect(await subjectsOf(event.id)).toEqual([personHash(alice.pid), personHash(bob.pid)].sort());
    // The index holds keyed hashes only, never a personal id.
    expect(JSON.stringify(await t.database.db.select().from(identityReads))).not.toContain(alice.pid);

    for (const who of [alice, bob]) {
      const page = await views(who);
      expect(page).toEqual({
        items: [
          {
            id: event.id,
            at: clock.now().toISOString(),
            action: 'registrations.viewed',
            reader: { role: 'regulator', name: 'Hoàng Thị Thanh Tra', organisation: null, province: null },
            purpose: PURPOSE,
            lot: { id: lot.id, title: lot.title },
            format: null,
          },
        ],
        nextCursor: null,
      });
    }
    // Someone not on the list, and the regulator, see nothing of it.
    expect((await views(carol)).items).toEqual([]);
    expect((await views(regulator)).items).toEqual([]);
  });

  it('records a read without a purpose as not stated', async () => {
    const res = await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: regulator.token });
    expect(res.status).toBe(200);
    const [latest] = (await views(alice)).items;
    expect(latest).toMatchObject({ action: 'registrations.viewed', purpose: null });
  });

  it('refuses a bad purpose with 422 and writes nothing', async () => {
    const before = await written();
    for (const purpose of ['short', 'x'.repeat(501), 'Kiểm tra\u0001 định kỳ hồ sơ', '   ngắn   ']) {
      const res = await t.call('GET', `/api/lots/${lot.id}/registrations?purpose=${encodeURIComponent(purpose)}`, {
        token: regulator.token,
      });
      expect(res.status, purpose).toBe(422);
      expect(res.json.error.fieldErrors.purpose).toBeDefined();
    }
    const rid = (await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: manager.token })).json.items[0].id;
    const identity = await t.call('GET', `/api/lots/${lot.id}/registrations/${rid}/identity?purpose=short`, {
      token: manager.token,
    });
    expect(identity.status).toBe(422);
    expect(await written()).toEqual(before);
  });

  it("the manager's explicit identity read is listed for that person only, with the manager's organisation", async () => {
    // Before the end the manager sees bidder codes only, and reads one identity explicitly.
    const list = (await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: manager.token })).json;
    expect(list.identities).toBe('hidden');
    const mine = list.items[0];
    const res = await t.call(
      'GET',
      `/api/lots/${lot.id}/registrations/${mine.id}/identity?purpose=${encodeURIComponent('Xác minh điều kiện tham gia')}`,
      { token: manager.token },
    );
    expect(res.status, res.text).toBe(200);
    const reader = res.json.pid === alice.pid ? alice : bob;
    const other = reader === alice ? bob : alice;
    const event = await lastEvent();
    expect(event).toMatchObject({
      action: 'registration.identity_viewed',
      actorPid: personKey(manager.pid),
      subject: String(mine.id),
      data: { purpose: 'Xác minh điều kiện tham gia', role: 'manager', subjects: 1 },
    });
    expect(await subjectsOf(event.id)).toEqual([personHash(reader.pid)]);
    expect((await views(reader)).items[0]).toMatchObject({
      id: event.id,
      action: 'registration.identity_viewed',
      reader: { role: 'manager', name: 'Lê Văn Quản Lý', organisation: managerOrganisation, province: null },
      purpose: 'Xác minh điều kiện tham gia',
    });
    expect((await views(other)).items.map((v: Json) => v.id)).not.toContain(event.id);
  });

  it("the manager's read of an authorisation document is listed for its registrant", async () => {
    const dung = await person(t.idp, undefined, { name: 'Vũ Văn Dũng' });
    const reg = await register(dung, lot.id, {
      onBehalfOf: { identifier: '0109998887', name: 'Công ty TNHH Dũng', role: 'authorised_person' },
    });
    const path = `/api/lots/${lot.id}/registrations/${reg.id}/authorisation`;
    const up = await t.call('PUT', path, {
      token: dung.token,
      raw: PDF,
      headers: { 'content-type': 'application/pdf' },
    });
    expect(up.status, up.text).toBe(200);
    // The registrant's own read is not a staff read.
    expect((await t.call('GET', path, { token: dung.token })).status).toBe(200);
    expect((await views(dung)).items).toEqual([]);
    const read = await t.call('GET', `${path}?purpose=${encodeURIComponent('Xem giấy ủy quyền của tổ chức')}`, {
      token: manager.token,
    });
    expect(read.status, read.text).toBe(200);
    const event = await lastEvent();
    expect(event).toMatchObject({ action: 'authorisation.document_viewed', data: { subjects: 1, role: 'manager' } });
    expect((await views(dung)).items).toMatchObject([
      {
        id: event.id,
        action: 'authorisation.document_viewed',
        reader: { role: 'manager', organisation: managerOrganisation },
        purpose: 'Xem giấy ủy quyền của tổ chức',
        lot: { id: lot.id },
      },
    ]);
  });

  it('keeps the index append-only, like the audit log it indexes', async () => {
    const refusal = async (query: Promise<unknown>): Promise<string> => {
      const err = await query.then(
        () => undefined,
        (e: unknown) => e as Error & { cause?: Error },
      );
      return String(err?.cause?.message ?? err?.message);
    };
    expect(await refusal(t.database.db.delete(identityReads))).toMatch(/identity_reads is append-only/);
    expect(await refusal(t.database.db.update(identityReads).set({ subjectHash: 'x' }))).toMatch(
      /identity_reads is append-only/,
    );
  });

  it('pages newest first', async () => {
    for (let i = 0; i < 3; i++)
      expect((await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: regulator.token })).status).toBe(200);
    const all = (await views(bob, '?limit=100')).items.map((v: Json) => v.id);
    expect(all).toEqual([...all].sort((a, b) => b - a));
    const first = await views(bob, '?limit=2');
    expect(first.items.map((v: Json) => v.id)).toEqual(all.slice(0, 2));
    const second = await views(bob, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((v: Json) => v.id)).toEqual(all.slice(2, 4));
    expect((await t.call('GET', '/api/me/data-views?limit=0', { token: bob.token })).status).toBe(422);
  });
});

describe('records and exports with identities', () => {
  let seeded: SeededLot;
  let bidders: Actor[];

  beforeAll(async () => {
    seeded = await seedEndedLot(t.database.db, { bids: CONTESTED_BIDS, now: clock.now() });
    bidders = await Promise.all(seeded.bidders.map((b) => tokenOf(b.pid)));
  });

  it('a JSON record names its requester and is one identity read of everyone it names', async () => {
    const res = await t.call(
      'GET',
      `/api/records/lots/${seeded.lotId}?format=json&purpose=${encodeURIComponent(PURPOSE)}`,
      { token: regulator.token },
    );
    expect(res.status, res.text).toBe(200);
    const record: AuctionRecord = JSON.parse(Buffer.from(res.json.payload, 'base64url').toString('utf8'));
    expect(record.version).toBe(5);
    expect(record.requestedBy).toEqual({
      pid: regulator.pid,
      personHash: personHash(regulator.pid),
      name: 'Hoàng Thị Thanh Tra',
      role: 'regulator',
    });
    expect(record.issuedAt).toBe(clock.now().toISOString());
    const event = await lastEvent();
    expect(event).toMatchObject({
      action: 'record.viewed',
      actorPid: personKey(regulator.pid),
      lotId: seeded.lotId,
      data: { format: 'json', purpose: PURPOSE, subjects: 3, issuedAt: record.issuedAt },
    });
    expect(event.at.toISOString()).toBe(record.issuedAt);
    expect(await subjectsOf(event.id)).toEqual(seeded.bidders.map((b) => personHash(b.pid)).sort());
    for (const b of bidders)
      expect((await views(b)).items[0]).toMatchObject({ id: event.id, action: 'record.viewed', format: 'json' });
    // The verifier accepts it and says who requested it.
    const verdict = await postRaw(t, '/api/records/verify', JSON.stringify(res.json), 'application/json');
    expect(verdict.json).toMatchObject({
      valid: true,
      details: { requestedBy: { role: 'regulator', name: 'Hoàng Thị Thanh Tra' } },
    });
  });

  it('the ledger CSV (bidder codes only) is no identity read', async () => {
    const before = (await views(bidders[0])).items.length;
    expect((await getBytes(t, `/api/records/lots/${seeded.lotId}?format=csv`, regulator.token)).status).toBe(200);
    expect((await views(bidders[0])).items.length).toBe(before);
    expect((await lastEvent()).data.subjects).toBeUndefined();
  });

  it('a bad purpose on a record is refused and writes nothing', async () => {
    const before = await written();
    const res = await t.call('GET', `/api/records/lots/${seeded.lotId}?format=json&purpose=short`, {
      token: regulator.token,
    });
    expect(res.status).toBe(422);
    expect(await written()).toEqual(before);
  });

  it("a bulk export's header and seal name its requester and time, and each person sent sees it", async () => {
    const from = new Date(clock.now().getTime() - 5 * DAY).toISOString();
    const to = new Date(clock.now().getTime() + DAY).toISOString();
    const res = await getBytes(t, `/api/records/lots?from=${from}&to=${to}`, regulator.token);
    expect(res.status).toBe(200);
    const lines = res.bytes.toString('utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0]);
    const requestedBy = {
      pid: regulator.pid,
      personHash: personHash(regulator.pid),
      name: 'Hoàng Thị Thanh Tra',
      role: 'regulator',
    };
    expect(header).toMatchObject({
      type: 'lot-export',
      version: 2,
      exportedAt: clock.now().toISOString(),
      requestedBy,
    });
    const seal = JSON.parse(Buffer.from(JSON.parse(lines.at(-1)!).jws.split('.')[1], 'base64url').toString('utf8'));
    expect(seal).toMatchObject({ type: 'export-seal', exportedAt: header.exportedAt, requestedBy });
    const records = lines.slice(1, -1).map((l) => JSON.parse(l));
    expect(records.map((r) => r.requestedBy)).toEqual(records.map(() => requestedBy));
    const verdict = await postRaw(t, '/api/records/verify', res.bytes, 'application/x-ndjson');
    expect(verdict.json).toMatchObject({ valid: true, kind: 'lot-export' });
    // One audit event for the export, with no purpose stated; every person of its records indexed.
    const [event] = await t.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'record.exported'))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    expect(event).toMatchObject({
      actorPid: personKey(regulator.pid),
      data: { purpose: null, role: 'regulator', subjects: null },
    });
    expect(await subjectsOf(event.id)).toEqual(expect.arrayContaining(seeded.bidders.map((b) => personHash(b.pid))));
    for (const b of bidders)
      expect((await views(b)).items[0]).toMatchObject({ id: event.id, action: 'record.exported', lot: null });
  });

  it('an audit export names its requester and is listed for the people whose ids it shows', async () => {
    const res = await getBytes(
      t,
      `/api/records/audit?purpose=${encodeURIComponent('Đối soát nhật ký kiểm toán hằng quý')}`,
      regulator.token,
    );
    expect(res.status).toBe(200);
    const lines = res.bytes.toString('utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({
      type: 'audit-export',
      version: 2,
      requestedBy: { pid: regulator.pid, role: 'regulator' },
    });
    expect((await postRaw(t, '/api/records/verify', res.bytes, 'application/x-ndjson')).json).toMatchObject({
      valid: true,
      kind: 'audit-export',
    });
    expect((await views(bidders[0])).items[0]).toMatchObject({
      action: 'audit.exported',
      purpose: 'Đối soát nhật ký kiểm toán hằng quý',
      reader: { role: 'regulator' },
    });
  });
});

describe('retention', () => {
  it('a lot awaiting its winner or the next bidder is not final; a settled one is', () => {
    const now = clock.now();
    const later = new Date(now.getTime() + DAY);
    const closed = { status: 'closed' as const, awardDeadline: null };
    expect(outcomeSettled({ ...closed, status: 'live', awardState: null }, now)).toBe(false);
    expect(outcomeSettled({ ...closed, awardState: 'awaiting_confirmation', awardDeadline: later }, now)).toBe(false);
    expect(outcomeSettled({ ...closed, awardState: 'offered_to_next', awardDeadline: later }, now)).toBe(false);
    expect(outcomeSettled({ ...closed, awardState: 'awarded', awardDeadline: later }, now)).toBe(false);
    expect(outcomeSettled({ ...closed, awardState: 'awarded', awardDeadline: now }, now)).toBe(true);
    expect(outcomeSettled({ ...closed, awardState: 'defaulted' }, now)).toBe(true);
    expect(outcomeSettled({ ...closed, awardState: 'failed' }, now)).toBe(true);
    expect(outcomeSettled({ ...closed, status: 'failed', awardState: null }, now)).toBe(true);
    expect(outcomeSettled({ ...closed, status: 'cancelled', awardState: null }, now)).toBe(true);
  });

  it('refuses staff identity reads once the period after the records became final has passed', async () => {
    const seeded = await seedEndedLot(t.database.db, { bids: CONTESTED_BIDS, now: clock.now() });
    const regs = `/api/lots/${seeded.lotId}/registrations`;
    // Within the period: readable, and the list says until when.
    const within = await t.call('GET', regs, { token: regulator.token });
    expect(within.json.identities).toBe('shown');
    const endsAt = (
      await t.database.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.lotId, seeded.lotId))
        .orderBy(asc(auditEvents.id))
    ).find((e) => e.action === 'lot.closed')!.at;
    expect(within.json.retention).toEqual({
      finalAt: endsAt.toISOString(),
      identitiesReadableUntil: new Date(endsAt.getTime() + RETENTION_DAYS * DAY).toISOString(),
    });

    clock.set(endsAt.getTime() + RETENTION_DAYS * DAY);
    const before = await written();
    const bidder = await tokenOf(seeded.bidders[0].pid);
    const seen = (await views(bidder)).items.length;
    for (const format of ['json', 'pdf']) {
      const res = await t.call('GET', `/api/records/lots/${seeded.lotId}?format=${format}`, { token: regulator.token });
      expect(res.status, format).toBe(403);
      expect(res.json.error).toMatchObject({
        reason: 'identity_retention_expired',
        params: { lotId: seeded.lotId, finalAt: endsAt.toISOString(), days: RETENTION_DAYS },
      });
    }
    const identity = await t.call(
      'GET',
      `${regs}/${seeded.bidders[0].registrationId}/identity?purpose=${encodeURIComponent('Xác minh điều kiện tham gia')}`,
      { token: defaultManager.token },
    );
    expect(identity.status).toBe(403);
    expect(identity.json.error.reason).toBe('identity_retention_expired');
    // Lists show bidder codes only, to the regulator and the manager alike; nothing is read or written.
    for (const who of [regulator, defaultManager]) {
      const list = await t.call('GET', regs, { token: who.token });
      expect(list.status).toBe(200);
      expect(list.json.identities).toBe('hidden');
      expect(list.json.items.map((r: Json) => r.bidderCode)).toEqual(['B-001', 'B-002', 'B-003']);
      expect(list.json.items.every((r: Json) => r.pid === undefined && r.name === undefined)).toBe(true);
    }
    expect(await written()).toEqual(before);
    expect((await views(bidder)).items.length).toBe(seen);
    // The ledger CSV (bidder codes only) remains.
    expect((await getBytes(t, `/api/records/lots/${seeded.lotId}?format=csv`, regulator.token)).status).toBe(200);

    // A bulk export withholds the lot's record (still a valid export) and indexes none of its people.
    const from = new Date(endsAt.getTime() - DAY).toISOString();
    const to = new Date(endsAt.getTime() + DAY).toISOString();
    const exported = await getBytes(t, `/api/records/lots?from=${from}&to=${to}`, regulator.token);
    const lines = exported.bytes
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .slice(1, -1)
      .map((l) => JSON.parse(l));
    expect(lines).toContainEqual({
      type: 'record-withheld',
      lotId: seeded.lotId,
      reason: 'identity_retention_expired',
      finalAt: endsAt.toISOString(),
    });
    expect(JSON.stringify(lines)).not.toContain(seeded.bidders[0].pid);
    expect((await postRaw(t, '/api/records/verify', exported.bytes, 'application/x-ndjson')).json).toMatchObject({
      valid: true,
      details: { withheld: expect.any(Number) },
    });
    expect((await views(bidder)).items.length).toBe(seen);

    // A moment before the end of the period it was still readable.
    clock.set(endsAt.getTime() + RETENTION_DAYS * DAY - 1000);
    expect((await t.call('GET', `/api/records/lots/${seeded.lotId}`, { token: regulator.token })).status).toBe(200);
  });
});
