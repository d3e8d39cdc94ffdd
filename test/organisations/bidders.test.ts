// Organisations as bidders (issue 19): an organisation registers for a lot through a person whose
// e-ID token says they act for it (organisation claims), once per lot; its bids are placed by any
// of its representatives with such a token, each bid naming which of them acted (a number within the
// registration, chained when they first act, in the public ledger and covered by its hash); a person
// without that authority is refused; and the signed record names the organisation and every person
// who acted, which verification checks against the chain.
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, bars, bidderOrganisations, registrationActors } from '../../db/schema.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import { bindingProblem } from '../../server/records/bindings.ts';
import type { AuctionRecord } from '../../server/records/record-format.ts';
import { ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import { personHash } from '../../server/audit/person-hash.ts';
import { personKey } from '../../server/privacy/personal-data.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { newPid } from '../support/eid.ts';
import { getBytes, postRaw } from '../records/support.ts';
import { openBidding, passTheEnd, sealedBid, sealedLot } from '../sealed/factory.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import {
  brokenLink,
  eventually,
  lotBody,
  person,
  publishedLot,
  readLedger,
  registerAndApprove,
  type Actor,
} from '../auctions/factories.ts';

const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
const SONG_HONG = { org_id: '0101234567', org_name: 'Công ty Cổ phần Vận tải Sông Hồng' };
let t: TestPlatform;
let manager: Actor;
let regulator: Actor;
/** Khoa, Song Hồng's legal representative; Mai, a person it authorised; An, a citizen of no organisation. */
const who = {} as Record<'khoa' | 'mai' | 'an' | 'rival', Actor>;

const representative = async (role: 'legal_representative' | 'authorised_person', name: string): Promise<Actor> => {
  const pid = newPid();
  return { pid, token: await t.idp.token({ sub: pid, loa: 2, name, ...SONG_HONG, org_role: role }) };
};
const bid = (by: Actor, lotId: number, amount: number, extra: Record<string, unknown> = {}, key?: string) =>
  t.call('POST', `/api/lots/${lotId}/bids`, {
    token: by.token,
    body: { amount, ...extra },
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });
const onBehalf = { onBehalfOf: SONG_HONG.org_id };

beforeAll(async () => {
  t = await startTestPlatform({ clock });
  manager = await person(t.idp, t.database.db, { roles: ['manager'] });
  regulator = await person(t.idp, t.database.db, { roles: ['regulator'] });
  who.khoa = await representative('legal_representative', 'Đỗ Văn Khoa');
  who.mai = await representative('authorised_person', 'Trịnh Thị Mai');
  who.an = await person(t.idp, undefined, { name: 'Nguyễn Văn An' });
  who.rival = await person(t.idp, undefined, { name: 'Lê Thị Cúc' });
});
afterAll(async () => t?.stop());

describe('an organisation registering through its representative’s e-ID', () => {
  let lot: { id: number; startsAt: string; endsAt: string };
  let orgRegistration: { id: number; bidderCode: string };

  it('registers the organisation, verified by the token’s claims, with a code of its own', async () => {
    lot = await publishedLot(t.call, manager, lotBody(clock.now()));
    const res = await t.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: who.khoa.token,
      body: { acceptRules: true, onBehalfOf: { identifier: SONG_HONG.org_id } },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json.onBehalfOf).toEqual({
      identifier: '0101234567',
      name: 'Công ty Cổ phần Vận tải Sông Hồng',
      role: 'legal_representative',
      authority: 'eid',
      authorisation: 'verified',
    });
    orgRegistration = res.json;
    // The chain binds the code to the organisation as well as to the person.
    const [created] = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'registration.created'), eq(auditEvents.subject, String(res.json.id))));
    expect(created.data).toMatchObject({
      bidderCode: res.json.bidderCode,
      personHash: personHash(who.khoa.pid),
      organisation: { identifier: '0101234567', role: 'legal_representative', authority: 'eid' },
    });
  });

  it('takes one registration per organisation per lot, whoever of its people asks', async () => {
    const again = await t.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: who.mai.token,
      body: { onBehalfOf: { identifier: SONG_HONG.org_id } },
    });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({
      code: 'ALREADY_REGISTERED',
      reason: 'organisation_already_registered',
      params: { organisation: '0101234567' },
    });
  });

  it('lets the representative also register in their own name (a flag for the manager, not a refusal)', async () => {
    const own = await t.call('POST', `/api/lots/${lot.id}/registrations`, { token: who.khoa.token, body: {} });
    expect(own.status, own.text).toBe(201);
    expect(own.json.onBehalfOf).toBeUndefined();
    expect(own.json.bidderCode).not.toBe(orgRegistration.bidderCode);
  });

  it('asks a person without the claims for the organisation’s name and their role, for a document to follow', async () => {
    const missing = await t.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: who.an.token,
      body: { onBehalfOf: { identifier: '0312345678' } },
    });
    expect(missing.status).toBe(422);
    expect(missing.json.error).toMatchObject({ reason: 'authorisation_details_required' });
    expect(Object.keys(missing.json.error.fieldErrors).sort()).toEqual(['onBehalfOf.name', 'onBehalfOf.role']);
    const bad = await t.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: who.an.token,
      body: { onBehalfOf: { identifier: 'not an id!' } },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fieldErrors['onBehalfOf.identifier']).toMatchObject({ code: 'NOT_ORGANISATION_IDENTIFIER' });
  });

  it('shows the manager that a registration is an organisation’s, but not which, before the end', async () => {
    const res = await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: manager.token });
    expect(res.status).toBe(200);
    const item = res.json.items.find((r: { id: number }) => r.id === orgRegistration.id);
    expect(item.onBehalfOf).toEqual({ role: 'legal_representative', authority: 'eid', authorisation: 'verified' });
    expect(JSON.stringify(res.json)).not.toContain('0101234567');
    const seen = await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: regulator.token });
    const shown = seen.json.items.find((r: { id: number }) => r.id === orgRegistration.id);
    expect(shown.onBehalfOf).toMatchObject({ identifier: '0101234567', name: SONG_HONG.org_name });
    expect(shown.pid).toBe(who.khoa.pid);
    // The manager's explicit, audited read of that one registration names the organisation with the person.
    const read = await t.call(
      'GET',
      `/api/lots/${lot.id}/registrations/${orgRegistration.id}/identity?purpose=${encodeURIComponent('Checking who acts for this organisation')}`,
      { token: manager.token },
    );
    expect(read.status, read.text).toBe(200);
    expect(read.json).toMatchObject({
      pid: who.khoa.pid,
      onBehalfOf: { identifier: '0101234567', name: SONG_HONG.org_name, authority: 'eid' },
    });
  });

  it('lists the registration among “my registrations” of every representative the e-ID names', async () => {
    const mine = await t.call('GET', '/api/me/registrations', { token: who.mai.token });
    expect(mine.json.items.map((r: { id: number }) => r.id)).toContain(orgRegistration.id);
    const an = await t.call('GET', '/api/me/registrations', { token: who.an.token });
    expect(an.json.items.map((r: { id: number }) => r.id)).not.toContain(orgRegistration.id);
  });

  describe('bidding for the organisation', () => {
    beforeAll(async () => {
      for (const r of (await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: manager.token })).json.items)
        await t.call('POST', `/api/lots/${lot.id}/registrations/${r.id}/approve`, { token: manager.token });
      await registerAndApprove(t.call, manager, lot.id, [who.rival]);
      clock.set(Date.parse(lot.startsAt));
    });

    it('takes bids from each representative, numbering who acted', async () => {
      const first = await bid(who.khoa, lot.id, 40_000_000, onBehalf);
      expect(first.status, first.text).toBe(201);
      expect(first.json.bidderCode).toBe(orgRegistration.bidderCode);
      expect((await bid(who.rival, lot.id, 45_000_000)).status).toBe(201);
      const second = await bid(who.mai, lot.id, 50_000_000, onBehalf, 'mai-1');
      expect(second.status, second.text).toBe(201);
      // The same key again answers the first answer, for the organisation's registration.
      const replay = await bid(who.mai, lot.id, 50_000_000, onBehalf, 'mai-1');
      expect(replay.status).toBe(201);
      expect(replay.json.seq).toBe(second.json.seq);
      const ledger = await readLedger(t.call, lot.id);
      expect(ledger.map((e) => [e.bidderCode === orgRegistration.bidderCode, e.actorNo])).toEqual([
        [true, 1],
        [false, undefined],
        [true, 2],
      ]);
      // The public chain still verifies, its hashes covering who acted; and names no one.
      expect(brokenLink(ledger)).toBe(-1);
      expect(JSON.stringify(ledger)).not.toContain(who.mai.pid);
      const actors = await t.database.db
        .select()
        .from(registrationActors)
        .where(eq(registrationActors.registrationId, orgRegistration.id));
      expect(actors.map((a) => [a.actorNo, a.pid, a.role, a.authority])).toEqual([
        [1, personKey(who.khoa.pid), 'legal_representative', 'eid'],
        [2, personKey(who.mai.pid), 'authorised_person', 'eid'],
      ]);
    });

    it('refuses a person the e-ID does not name as acting for the organisation', async () => {
      const res = await bid(who.an, lot.id, 60_000_000, onBehalf);
      expect(res.status).toBe(403);
      expect(res.json.error).toMatchObject({ code: 'FORBIDDEN', reason: 'not_representative' });
      const other = await bid(who.khoa, lot.id, 60_000_000, { onBehalfOf: '0312345678' });
      expect(other.status).toBe(403);
      expect(other.json.error).toMatchObject({ code: 'NOT_APPROVED', reason: 'not_registered' });
    });

    it('keeps a representative’s own registration apart from the organisation’s', async () => {
      const own = await bid(who.khoa, lot.id, 55_000_000);
      expect(own.status, own.text).toBe(201);
      expect(own.json.bidderCode).not.toBe(orgRegistration.bidderCode);
      const ledger = await readLedger(t.call, lot.id);
      expect(ledger.at(-1)?.actorNo).toBeUndefined();
    });

    it('signs a record naming the organisation and each person who acted, which the chain backs', async () => {
      expect((await bid(who.mai, lot.id, 60_000_000, onBehalf)).status).toBe(201);
      clock.set(Date.parse(lot.endsAt) + CLOSE_GRACE_MS);
      await eventually(async () => {
        const r = (await t.call('GET', `/api/lots/${lot.id}/result`)).json;
        return r.status === 'closed' ? r : undefined;
      }, 'the close');
      const res = await t.call('GET', `/api/records/lots/${lot.id}?format=json`, { token: regulator.token });
      expect(res.status, res.text).toBe(200);
      const record: AuctionRecord = JSON.parse(Buffer.from(res.json.payload, 'base64url').toString('utf8'));
      expect(record.version).toBe(5);
      const reg = record.registrations.find((r) => r.bidderCode === orgRegistration.bidderCode)!;
      expect(reg.pid).toBe(who.khoa.pid);
      expect(reg.organisation).toMatchObject({
        identifier: '0101234567',
        name: SONG_HONG.org_name,
        role: 'legal_representative',
        authority: 'eid',
      });
      expect(reg.organisation!.actors.map((a) => [a.actorNo, a.pid, a.name])).toEqual([
        [1, who.khoa.pid, 'Đỗ Văn Khoa'],
        [2, who.mai.pid, 'Trịnh Thị Mai'],
      ]);
      expect(record.result).toMatchObject({ winnerBidderCode: orgRegistration.bidderCode, finalPrice: 60_000_000 });
      const verdict = await t.call('POST', '/api/records/verify', { body: res.json });
      expect(verdict.json, verdict.text).toMatchObject({ valid: true });
      expect(bindingProblem(record)).toBeUndefined();

      // Who acted cannot be swapped afterwards: not in the record, not in the ledger.
      const swapped = structuredClone(record);
      swapped.registrations.find(
        (r) => r.bidderCode === orgRegistration.bidderCode,
      )!.organisation!.actors[1].personHash = personHash(who.an.pid);
      expect(bindingProblem(swapped)).toMatchObject({ code: 'ACTOR_NOT_CHAINED' });
      const renamed = structuredClone(record);
      renamed.registrations.find((r) => r.bidderCode === orgRegistration.bidderCode)!.organisation!.identifier =
        '0312345678';
      expect(bindingProblem(renamed)).toMatchObject({ code: 'REGISTRATION_ORGANISATION_CHANGED' });
      const orgEntry = record.ledger.find((e) => e.actorNo === 2)!;
      const reassigned = ledgerEntryHash(orgEntry.prevHash, { ...orgEntry, lotId: lot.id, actorNo: 1 });
      expect(reassigned).not.toBe(orgEntry.hash);
      const dropped = structuredClone(record);
      delete dropped.ledger.find((e) => e.seq === orgEntry.seq)!.actorNo;
      expect(bindingProblem(dropped)).toMatchObject({ code: 'ENTRY_ACTOR_UNKNOWN' });

      // The ledger CSV carries who acted, and its chain holds only with the numbers as they were.
      const csv = (await getBytes(t, `/api/records/lots/${lot.id}?format=csv`, regulator.token)).bytes.toString('utf8');
      expect(csv.split(/\r?\n/, 1)[0]).toContain(',actorNo,');
      expect((await postRaw(t, '/api/records/verify', csv, 'text/csv')).json).toMatchObject({ valid: true });
      const lines = csv.split('\n');
      const header = lines[0].replace(/^\uFEFF/, '').split(',');
      const row = lines.findIndex((l, i) => i > 0 && l.split(',')[header.indexOf('actorNo')] === '2');
      const cells = lines[row].split(',');
      cells[header.indexOf('actorNo')] = '1';
      lines[row] = cells.join(',');
      expect((await postRaw(t, '/api/records/verify', lines.join('\n'), 'text/csv')).json).toMatchObject({
        valid: false,
        code: 'CSV_CHAIN_BROKEN',
      });

      // The printed record names the organisation and the people who acted for it, by number.
      if (spawnSync('pdftotext', ['-v']).error === undefined) {
        const pdf = await getBytes(t, `/api/records/lots/${lot.id}?format=pdf`, regulator.token);
        const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf.bytes, encoding: 'utf8' });
        const flat = text.replace(/\s+/g, ' ');
        expect(flat).toContain('Công ty Cổ phần Vận tải Sông Hồng (mã số 0101234567)');
        expect(flat).toContain('(2) Trịnh Thị Mai');
      }
    });
  });
});

describe('an organisation’s sealed bid', () => {
  it('is submitted by a representative, kept for the organisation, and revealed naming who acted', async () => {
    const { lot, bidders } = await sealedLot({ call: t.call, clock, db: t.database.db }, manager, [
      await person(t.idp, undefined),
      await person(t.idp, undefined),
    ]);
    const reg = await t.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: who.khoa.token,
      body: { onBehalfOf: { identifier: SONG_HONG.org_id } },
    });
    expect(reg.status, reg.text).toBe(201);
    expect(
      (await t.call('POST', `/api/lots/${lot.id}/registrations/${reg.json.id}/approve`, { token: manager.token }))
        .status,
    ).toBe(200);
    openBidding(clock, lot);
    const refused = await t.call('POST', `/api/lots/${lot.id}/sealed-bids`, {
      token: who.an.token,
      body: { amount: 70_000_000, ...onBehalf },
    });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ reason: 'not_representative' });
    const sealedByMai = await t.call('POST', `/api/lots/${lot.id}/sealed-bids`, {
      token: who.mai.token,
      body: { amount: 70_000_000, ...onBehalf },
    });
    expect(sealedByMai.status, sealedByMai.text).toBe(201);
    expect(sealedByMai.json.bidderCode).toBe(reg.json.bidderCode);
    // Khoa sees the organisation's sealed bid; his own (none) stays apart.
    const mine = await t.call('GET', `/api/lots/${lot.id}/sealed-bids/mine?onBehalfOf=${SONG_HONG.org_id}`, {
      token: who.khoa.token,
    });
    expect(mine.json.items.map((b: { amount: number }) => b.amount)).toEqual([70_000_000]);
    expect((await t.call('GET', `/api/lots/${lot.id}/sealed-bids/mine`, { token: who.khoa.token })).json.items).toEqual(
      [],
    );
    expect((await sealedBid(t.call, bidders[0], lot.id, 60_000_000)).status).toBe(201);
    await passTheEnd({ call: t.call, clock, db: t.database.db }, lot.id);
    const ledger = await readLedger(t.call, lot.id);
    expect(ledger.map((e) => [e.bidderCode === reg.json.bidderCode, e.actorNo, e.amount])).toEqual([
      [true, 1, 70_000_000],
      [false, undefined, 60_000_000],
    ]);
    expect(brokenLink(ledger)).toBe(-1);
    const res = await t.call('GET', `/api/records/lots/${lot.id}?format=json`, { token: regulator.token });
    const record: AuctionRecord = JSON.parse(Buffer.from(res.json.payload, 'base64url').toString('utf8'));
    expect(record.registrations.find((r) => r.bidderCode === reg.json.bidderCode)?.organisation?.actors).toMatchObject([
      { actorNo: 1, pid: who.mai.pid, role: 'authorised_person' },
    ]);
    expect((await t.call('POST', '/api/records/verify', { body: res.json })).json).toMatchObject({ valid: true });
  });
});

describe('an organisation barred after a default (Art. 38)', () => {
  it('is refused whoever registers for it, while its people may still register in their own name', async () => {
    const [org] = await t.database.db
      .select()
      .from(bidderOrganisations)
      .where(eq(bidderOrganisations.identifier, SONG_HONG.org_id));
    const now = clock.now();
    await t.database.db.insert(bars).values({
      pid: personKey(who.khoa.pid),
      bidderOrganisationId: org.id,
      category: 'licence-plate',
      reason: 'payment_default',
      startsAt: now,
      endsAt: new Date(now.getTime() + 180 * 86_400_000),
      createdAt: now,
    });
    const lot = await publishedLot(t.call, manager, lotBody(clock.now()));
    const barred = await t.call('POST', `/api/lots/${lot.id}/registrations`, {
      token: who.mai.token,
      body: { onBehalfOf: { identifier: SONG_HONG.org_id } },
    });
    expect(barred.status).toBe(403);
    expect(barred.json.error).toMatchObject({
      code: 'BIDDER_BARRED',
      reason: 'organisation_barred',
      params: { organisation: '0101234567', category: 'licence-plate' },
    });
    const own = await t.call('POST', `/api/lots/${lot.id}/registrations`, { token: who.khoa.token, body: {} });
    expect(own.status, own.text).toBe(201);
  });
});
