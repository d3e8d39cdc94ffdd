// Authorisation documents (issue 19, part 2): a person who registers for an organisation without e-ID
// claims naming it uploads the organisation's authorisation (PDF, PNG or JPEG, at most 5 MB, the
// bytes checked against the type); the lot's manager reads it (the explicit, audited identity read:
// a purpose, an audit row, regulators see it) and approves or rejects it; a registration whose deposit
// came in first waits as `pending_authorisation` and may not bid; approved, it may.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { auditEvents, bidderOrganisations, organisationRepresentatives } from '../../db/schema.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import type { Json } from '../support/json.ts';
import { lotBody, person, publishedLot, type Actor, type KeyedActor } from '../auctions/factories.ts';

const MIN = 60_000;
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let t: TestPlatform;
let manager: KeyedActor;
let otherManager: KeyedActor;
let regulator: KeyedActor;

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const PURPOSE = 'Xem giấy ủy quyền của người đăng ký cho tổ chức';
let orgCounter = 0;
/** A fresh organisation identifier (a tax code) for each registration that needs its own. */
const newIdentifier = (): string =>
  `01${String(process.pid % 1000).padStart(3, '0')}${String(++orgCounter).padStart(5, '0')}`;

/** A lot whose registration stays open for five hours of the test clock. */
const longLot = (): Promise<Json> => {
  const now = clock.now().getTime();
  return publishedLot(
    t.call,
    manager,
    lotBody(now, {
      registrationClosesAt: new Date(now + 300 * MIN).toISOString(),
      startsAt: new Date(now + 300 * MIN).toISOString(),
      endsAt: new Date(now + 360 * MIN).toISOString(),
    }),
  );
};

/** Registers `who` for an organisation by document (no claims naming it). */
async function registerFor(who: Actor, lot: Json, identifier = newIdentifier()): Promise<Json> {
  const res = await t.call('POST', `/api/lots/${lot.id}/registrations`, {
    token: who.token,
    body: {
      acceptRules: true,
      onBehalfOf: { identifier, name: `Công ty TNHH ${identifier}`, role: 'authorised_person' },
    },
  });
  expect(res.status, res.text).toBe(201);
  expect(res.json.onBehalfOf).toMatchObject({ authority: 'document', authorisation: 'awaiting_document' });
  return res.json;
}

const docPath = (lot: Json, rid: number) => `/api/lots/${lot.id}/registrations/${rid}/authorisation`;
const upload = (who: Actor, lot: Json, rid: number, bytes: Buffer, type: string) =>
  t.call('PUT', docPath(lot, rid), { token: who.token, raw: bytes, headers: { 'content-type': type } });
const decide = (who: Actor, lot: Json, rid: number, body: Record<string, unknown>) =>
  t.call('POST', `${docPath(lot, rid)}/decision`, { token: who.token, body });
const depositReceived = (lot: Json, rid: number) =>
  t.call('POST', `/api/lots/${lot.id}/registrations/${rid}/approve`, { token: manager.token });
const auditOf = async (lotId: number, action: string) =>
  (
    await t.database.db.select().from(auditEvents).where(eq(auditEvents.lotId, lotId)).orderBy(asc(auditEvents.id))
  ).filter((e) => e.action === action);
const noticeKinds = async (who: Actor): Promise<string[]> =>
  (await t.call('GET', '/api/me/notifications', { token: who.token })).json.items.map((n: Json) => n.kind);

beforeAll(async () => {
  t = await startTestPlatform({ clock });
  manager = await person(t.idp, t.database.db, { roles: ['manager'] });
  otherManager = await person(t.idp, t.database.db, { roles: ['manager'] });
  regulator = await person(t.idp, t.database.db, { roles: ['regulator'] });
});
afterAll(async () => t?.stop());

describe('uploading an authorisation document', () => {
  it('takes a PDF, PNG or JPEG whose bytes are of its type, at most 5 MB, from the registrant only', async () => {
    const lot = await longLot();
    const registrant = await person(t.idp, undefined, { name: 'Trần Thị Bích' });
    const reg = await registerFor(registrant, lot);
    const refused = async (res: Awaited<ReturnType<typeof upload>>, status: number, reason: string) => {
      expect(res.status, res.text).toBe(status);
      expect(res.json.error.reason).toBe(reason);
    };
    await refused(await upload(registrant, lot, reg.id, PDF, 'text/plain'), 415, 'authorisation_document_type');
    await refused(await upload(registrant, lot, reg.id, PNG, 'application/pdf'), 415, 'authorisation_document_type');
    await refused(await upload(registrant, lot, reg.id, PDF, 'image/jpeg'), 415, 'authorisation_document_type');
    await refused(
      await upload(registrant, lot, reg.id, Buffer.alloc(0), 'application/pdf'),
      415,
      'authorisation_document_type',
    );
    const big = Buffer.concat([PDF, Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await upload(registrant, lot, reg.id, big, 'application/pdf');
    await refused(tooBig, 413, 'authorisation_document_too_large');
    expect(tooBig.json.error.params).toEqual({ maxMegabytes: 5 });
    // Someone else, the lot's manager included, may not upload for the registration.
    const stranger = await person(t.idp, undefined);
    await refused(await upload(stranger, lot, reg.id, PDF, 'application/pdf'), 403, 'not_registrant');
    await refused(await upload(manager, lot, reg.id, PDF, 'application/pdf'), 403, 'not_registrant');
    // Nothing was stored by any of these.
    expect(await auditOf(lot.id, 'authorisation.document_uploaded')).toEqual([]);

    const ok = await upload(registrant, lot, reg.id, PDF, 'application/pdf; charset=binary');
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json).toMatchObject({
      id: reg.id,
      bidderCode: reg.bidderCode,
      status: 'pending_deposit',
      onBehalfOf: {
        identifier: reg.onBehalfOf.identifier,
        name: reg.onBehalfOf.name,
        role: 'authorised_person',
        authority: 'document',
        authorisation: 'pending_review',
      },
      document: {
        sha256: sha256(PDF),
        contentType: 'application/pdf',
        size: PDF.length,
        uploadedAt: clock.now().toISOString(),
        decision: null,
        reason: null,
      },
    });
    // One at a time: another waits for the manager's decision.
    await refused(await upload(registrant, lot, reg.id, PNG, 'image/png'), 409, 'document_pending_review');
    const [audited] = await auditOf(lot.id, 'authorisation.document_uploaded');
    expect(audited).toMatchObject({ actorPid: registrant.key, subject: String(reg.id) });
    // The document's hash, type and size; no personal data.
    expect(audited.data).toEqual({
      bidderCode: reg.bidderCode,
      sha256: sha256(PDF),
      contentType: 'application/pdf',
      bytes: PDF.length,
    });
    // The manager's list says a document awaits review, without naming the organisation.
    const list = await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: manager.token });
    const item = list.json.items.find((r: Json) => r.id === reg.id);
    expect(item.onBehalfOf).toEqual({
      role: 'authorised_person',
      authority: 'document',
      authorisation: 'pending_review',
    });
  });

  it('is refused for a registration that takes none: a person’s own, or one by e-ID authority', async () => {
    const lot = await longLot();
    const bidder = await person(t.idp, undefined);
    const own = await t.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: bidder.token,
      body: { acceptRules: true },
    });
    const res = await upload(bidder, lot, own.json.id, PDF, 'application/pdf');
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: 'INVALID_STATE', reason: 'no_document_expected' });

    const pid = newPid();
    const identifier = newIdentifier();
    const representative: Actor = {
      pid,
      token: await t.idp.token({
        sub: pid,
        loa: 2,
        org_id: identifier,
        org_name: 'Công ty Cổ phần Sông Hồng',
        org_role: 'legal_representative',
      }),
    };
    const byEid = await t.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: representative.token,
      body: { acceptRules: true, onBehalfOf: { identifier } },
    });
    expect(byEid.status, byEid.text).toBe(201);
    expect(byEid.json.onBehalfOf).toMatchObject({ authority: 'eid', authorisation: 'verified' });
    const again = await upload(representative, lot, byEid.json.id, PDF, 'application/pdf');
    expect(again.status).toBe(409);
    expect(again.json.error.reason).toBe('no_document_expected');
  });
});

describe('the lot’s manager reads the document', () => {
  it('with a stated purpose, audited in the same transaction, seen by regulators; the registrant reads their own', async () => {
    const lot = await longLot();
    const registrant = await person(t.idp, undefined, { name: 'Lê Văn Cường' });
    const reg = await registerFor(registrant, lot);
    const path = docPath(lot, reg.id);
    const before = await t.call('GET', `${path}?purpose=${encodeURIComponent(PURPOSE)}`, { token: manager.token });
    expect(before.status).toBe(404);
    expect(before.json.error.reason).toBe('document_not_found');
    expect((await upload(registrant, lot, reg.id, PNG, 'image/png')).status).toBe(200);

    const noPurpose = await t.call('GET', path, { token: manager.token });
    expect(noPurpose.status).toBe(422);
    expect(noPurpose.json.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      fieldErrors: { purpose: { code: 'REQUIRED' } },
    });
    const short = await t.call('GET', `${path}?purpose=xem`, { token: manager.token });
    expect(short.status).toBe(422);
    const query = `?purpose=${encodeURIComponent(PURPOSE)}`;
    for (const who of [otherManager, regulator, await person(t.idp, undefined)]) {
      const res = await t.call('GET', path + query, { token: who.token });
      expect(res.status).toBe(403);
    }
    const crossSite = await t.call('GET', path + query, {
      token: manager.token,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expect(await auditOf(lot.id, 'authorisation.document_viewed')).toEqual([]);

    const read = await t.call('GET', path + query, { token: manager.token });
    expect(read.status, read.text).toBe(200);
    expect(read.json).toEqual({
      registrationId: reg.id,
      lotId: lot.id,
      bidderCode: reg.bidderCode,
      pid: registrant.pid,
      name: 'Lê Văn Cường',
      organisation: { identifier: reg.onBehalfOf.identifier, name: reg.onBehalfOf.name },
      role: 'authorised_person',
      document: {
        sha256: sha256(PNG),
        contentType: 'image/png',
        size: PNG.length,
        uploadedAt: clock.now().toISOString(),
        decision: null,
        reason: null,
        contentBase64: PNG.toString('base64'),
      },
      purpose: PURPOSE,
      viewedAt: clock.now().toISOString(),
    });
    const reads = await auditOf(lot.id, 'authorisation.document_viewed');
    expect(reads.map((e) => [e.actorPid, e.subject, e.data])).toEqual([
      [
        manager.key,
        String(reg.id),
        // Issue 20: an identity read, with the reader's role and the number of people read (indexed for them).
        {
          purpose: PURPOSE,
          bidderCode: reg.bidderCode,
          lotStatus: 'scheduled',
          sha256: sha256(PNG),
          role: 'manager',
          subjects: 1,
        },
      ],
    ]);
    // Regulators see the read among the registration's identity reads.
    const seen = await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: regulator.token });
    expect(seen.json.items.find((r: Json) => r.id === reg.id).identityReads).toEqual([
      { at: clock.now().toISOString(), actorPid: manager.pid, purpose: PURPOSE },
    ]);
    // The registrant reads their own without a purpose; that is not an identity read.
    const mine = await t.call('GET', path, { token: registrant.token });
    expect(mine.status, mine.text).toBe(200);
    expect(mine.json).toMatchObject({ pid: registrant.pid, purpose: null, document: { sha256: sha256(PNG) } });
    expect(await auditOf(lot.id, 'authorisation.document_viewed')).toHaveLength(1);
  });
});

describe('the manager’s decision', () => {
  it('approves: a registration whose deposit came in first (pending_authorisation) is approved', async () => {
    const lot = await longLot();
    const registrant = await person(t.idp, undefined);
    const reg = await registerFor(registrant, lot);
    // The deposit first: received, but the registration waits for its authorisation.
    const deposit = await depositReceived(lot, reg.id);
    expect(deposit.status, deposit.text).toBe(200);
    expect(deposit.json).toMatchObject({ status: 'pending_authorisation', depositState: 'received' });
    const [depositAudit] = await auditOf(lot.id, 'registration.approved');
    expect(depositAudit.data).toMatchObject({ status: 'pending_authorisation', depositState: 'received' });
    const none = await decide(manager, lot, reg.id, { decision: 'approved' });
    expect(none.status).toBe(409);
    expect(none.json.error.reason).toBe('no_document_to_decide');

    expect((await upload(registrant, lot, reg.id, PDF, 'application/pdf')).status).toBe(200);
    expect((await decide(otherManager, lot, reg.id, { decision: 'approved' })).status).toBe(403);
    const approved = await decide(manager, lot, reg.id, { decision: 'approved' });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json).toMatchObject({
      id: reg.id,
      status: 'approved',
      depositState: 'received',
      onBehalfOf: { authority: 'document', authorisation: 'approved' },
      document: { sha256: sha256(PDF), decision: 'approved', reason: null },
    });
    // The manager's answer does not name the organisation.
    expect(approved.json.onBehalfOf).not.toHaveProperty('identifier');
    expect((await auditOf(lot.id, 'authorisation.approved')).map((e) => e.data)).toEqual([
      { bidderCode: reg.bidderCode, sha256: sha256(PDF), reason: null },
    ]);
    expect((await auditOf(lot.id, 'registration.approved')).map((e) => [e.actorPid, e.data.source])).toEqual([
      [manager.key, 'manual'],
      [manager.key, 'authorisation'],
    ]);
    // The registrant is now known to act for the organisation, by document.
    const [org] = await t.database.db
      .select()
      .from(bidderOrganisations)
      .where(eq(bidderOrganisations.identifier, reg.onBehalfOf.identifier));
    const links = await t.database.db
      .select()
      .from(organisationRepresentatives)
      .where(
        and(
          eq(organisationRepresentatives.bidderOrganisationId, org.id),
          eq(organisationRepresentatives.pid, registrant.key),
        ),
      );
    expect(links).toMatchObject([{ role: 'authorised_person', source: 'document' }]);
    expect(await noticeKinds(registrant)).toContain('authorisation_approved');
    // Decided: nothing more to decide, and no other document expected.
    expect((await decide(manager, lot, reg.id, { decision: 'rejected', reason: 'Thay đổi quyết định' })).status).toBe(
      409,
    );
    const more = await upload(registrant, lot, reg.id, PNG, 'image/png');
    expect(more.status).toBe(409);
    expect(more.json.error.reason).toBe('no_document_expected');
  });

  it('approves before the deposit: the deposit then approves the registration', async () => {
    const lot = await longLot();
    const registrant = await person(t.idp, undefined);
    const reg = await registerFor(registrant, lot);
    expect((await upload(registrant, lot, reg.id, JPEG, 'image/jpeg')).status).toBe(200);
    const approved = await decide(manager, lot, reg.id, { decision: 'approved', reason: 'Giấy ủy quyền hợp lệ' });
    expect(approved.json).toMatchObject({
      status: 'pending_deposit',
      onBehalfOf: { authorisation: 'approved' },
      document: { decision: 'approved', reason: 'Giấy ủy quyền hợp lệ' },
    });
    const deposit = await depositReceived(lot, reg.id);
    expect(deposit.json).toMatchObject({ status: 'approved', depositState: 'received' });
    const [audited] = await auditOf(lot.id, 'registration.approved');
    expect(audited.data).toMatchObject({ status: 'approved', source: 'manual' });
  });

  it('rejects with a reason; the registrant may then upload another', async () => {
    const lot = await longLot();
    const registrant = await person(t.idp, undefined);
    const reg = await registerFor(registrant, lot);
    expect((await upload(registrant, lot, reg.id, PDF, 'application/pdf')).status).toBe(200);
    const noReason = await decide(manager, lot, reg.id, { decision: 'rejected' });
    expect(noReason.status).toBe(422);
    expect(noReason.json.error.fieldErrors).toMatchObject({ reason: { code: 'REQUIRED' } });
    expect((await decide(manager, lot, reg.id, { decision: 'rejected', reason: 'ngắn' })).status).toBe(422);
    const reason = 'Giấy ủy quyền không có chữ ký của người đại diện theo pháp luật';
    const rejected = await decide(manager, lot, reg.id, { decision: 'rejected', reason });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.json).toMatchObject({
      status: 'pending_deposit',
      onBehalfOf: { authorisation: 'rejected' },
      document: { decision: 'rejected', reason },
    });
    expect((await auditOf(lot.id, 'authorisation.rejected')).map((e) => e.data)).toEqual([
      { bidderCode: reg.bidderCode, sha256: sha256(PDF), reason },
    ]);
    const notices = (await t.call('GET', '/api/me/notifications', { token: registrant.token })).json.items;
    const notice = notices.find((n: Json) => n.kind === 'authorisation_rejected');
    expect(notice.body).toContain(reason);
    // A deposit arriving now waits for an approved document.
    expect((await depositReceived(lot, reg.id)).json.status).toBe('pending_authorisation');

    const again = await upload(registrant, lot, reg.id, JPEG, 'image/jpeg');
    expect(again.status, again.text).toBe(200);
    expect(again.json).toMatchObject({
      onBehalfOf: { authorisation: 'pending_review' },
      document: { contentType: 'image/jpeg', decision: null },
    });
    // The manager reads the latest one.
    const read = await t.call('GET', `${docPath(lot, reg.id)}?purpose=${encodeURIComponent(PURPOSE)}`, {
      token: manager.token,
    });
    expect(read.json.document).toMatchObject({ sha256: sha256(JPEG), contentBase64: JPEG.toString('base64') });
    const approved = await decide(manager, lot, reg.id, { decision: 'approved' });
    expect(approved.json).toMatchObject({ status: 'approved', onBehalfOf: { authorisation: 'approved' } });
  });
});

describe('a rejected registration', () => {
  it('takes no document and no decision any more', async () => {
    const lot = await longLot();
    const registrant = await person(t.idp, undefined);
    const reg = await registerFor(registrant, lot);
    expect((await upload(registrant, lot, reg.id, PDF, 'application/pdf')).status).toBe(200);
    const rejected = await t.call('POST', `/api/lots/${lot.id}/registrations/${reg.id}/reject`, {
      token: manager.token,
      body: { reason: 'Tổ chức không đủ điều kiện tham gia đấu giá' },
    });
    expect(rejected.json.status).toBe('rejected');
    const decision = await decide(manager, lot, reg.id, { decision: 'approved' });
    expect(decision.status).toBe(409);
    expect(decision.json.error).toMatchObject({ reason: 'registration_in_status', params: { status: 'rejected' } });
  });
});

describe('bidding', () => {
  it('refuses a registration that waits for its authorisation (403 NOT_APPROVED); decisions end when bidding starts', async () => {
    const now = clock.now().getTime();
    const lot = await publishedLot(t.call, manager, lotBody(now));
    const registrant = await person(t.idp, undefined);
    const reg = await registerFor(registrant, lot);
    expect((await depositReceived(lot, reg.id)).json.status).toBe('pending_authorisation');
    expect((await upload(registrant, lot, reg.id, PDF, 'application/pdf')).status).toBe(200);
    clock.set(Date.parse(lot.startsAt));
    const bid = await t.call('POST', `/api/lots/${lot.id}/bids`, {
      token: registrant.token,
      body: { amount: 40_000_000, onBehalfOf: reg.onBehalfOf.identifier },
      headers: { 'idempotency-key': 'waiting-1' },
    });
    expect(bid.status, bid.text).toBe(403);
    expect(bid.json.error).toMatchObject({ code: 'NOT_APPROVED', reason: 'authorisation_not_approved' });
    // Bidding has started: documents are neither uploaded nor decided any more.
    const late = await decide(manager, lot, reg.id, { decision: 'approved' });
    expect(late.status).toBe(409);
    expect(late.json.error.reason).toBe('registration_closed');
  });
});
