// Relatedness flags (issue 19, part 2; Law on Property Auction): registrations on one lot that look
// related are flagged for the lot's manager to decide on, never refused: one organisation reached
// through two people (by e-ID claims, or by an authorisation document approved on any lot), one person
// for two organisations, one person for an organisation and for themselves. The manager's flags name
// bidder codes only; regulators see the organisations and the people. The manager clears a flag or
// rejects one of its registrations; a registration may also be rejected on its own before bidding
// starts, a deposit received then refunded through the payments' refund flow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { auditEvents } from '../../db/schema.ts';
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
const PDF = Buffer.from('%PDF-1.7\n%%EOF\n');
const REASON = 'Đã kiểm tra hồ sơ: các đăng ký không liên quan đến nhau';
let orgCounter = 0;
const newIdentifier = (): string =>
  `02${String(process.pid % 1000).padStart(3, '0')}${String(++orgCounter).padStart(5, '0')}`;

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

/** A person whose e-ID token says they act for the organisation. */
async function representativeOf(identifier: string, name: string): Promise<Actor> {
  const pid = newPid();
  return {
    pid,
    token: await t.idp.token({
      sub: pid,
      loa: 2,
      org_id: identifier,
      org_name: name,
      org_role: 'legal_representative',
    }),
  };
}

async function register(who: Actor, lot: Json, onBehalfOf?: Record<string, unknown>): Promise<Json> {
  const res = await t.call('POST', `/api/lots/${lot.id}/registrations`, {
    token: who.token,
    body: { acceptRules: true, ...(onBehalfOf ? { onBehalfOf } : {}) },
  });
  expect(res.status, res.text).toBe(201);
  return res.json;
}
/** Registers for an organisation by document (no claims naming it). */
const registerByDocument = (who: Actor, lot: Json, identifier: string): Promise<Json> =>
  register(who, lot, { identifier, name: `Công ty TNHH ${identifier}`, role: 'authorised_person' });

const flagsOf = (who: Actor, lot: Json) =>
  t.call('GET', `/api/lots/${lot.id}/registration-flags`, { token: who.token });
const decideFlag = (who: Actor, lot: Json, key: string, body: Record<string, unknown>) =>
  t.call('POST', `/api/lots/${lot.id}/registration-flags/${encodeURIComponent(key)}/decision`, {
    token: who.token,
    body,
  });
const reject = (who: Actor, lot: Json, rid: number, reason = 'Người đăng ký không đủ điều kiện tham gia') =>
  t.call('POST', `/api/lots/${lot.id}/registrations/${rid}/reject`, { token: who.token, body: { reason } });
const sorted = (xs: string[]): string[] => [...xs].sort();
/** The flag's registration ids, in the order of its (sorted) bidder codes. */
const idsByCode = (...regs: Json[]): number[] =>
  [...regs].sort((a, b) => (a.bidderCode < b.bidderCode ? -1 : 1)).map((r) => r.id);
const auditOf = async (lotId: number, action: string) =>
  (
    await t.database.db.select().from(auditEvents).where(eq(auditEvents.lotId, lotId)).orderBy(asc(auditEvents.id))
  ).filter((e) => e.action === action);

beforeAll(async () => {
  t = await startTestPlatform({ clock });
  manager = await person(t.idp, t.database.db, { roles: ['manager'] });
  otherManager = await person(t.idp, t.database.db, { roles: ['manager'] });
  regulator = await person(t.idp, t.database.db, { roles: ['regulator'] });
});
afterAll(async () => t?.stop());

describe('relatedness flags', () => {
  it('same_organisation by e-ID claims: codes only to the manager; the organisation and people to regulators', async () => {
    const lot = await longLot();
    const identifier = newIdentifier();
    const name = 'Công ty Cổ phần Vận tải Sông Hồng';
    const a = await representativeOf(identifier, name);
    const b = await representativeOf(identifier, name);
    const forOrganisation = await register(a, lot, { identifier });
    expect(forOrganisation.onBehalfOf).toMatchObject({ authority: 'eid', authorisation: 'verified' });
    // B's e-ID says they act for the same organisation; they register for themselves.
    const own = await register(b, lot);
    const expected = {
      key: `same_organisation:${sorted([forOrganisation.bidderCode, own.bidderCode]).join(',')}`,
      kind: 'same_organisation',
      bidderCodes: sorted([forOrganisation.bidderCode, own.bidderCode]),
      registrationIds: idsByCode(forOrganisation, own),
      decision: null,
    };
    const byManager = await flagsOf(manager, lot);
    expect(byManager.status, byManager.text).toBe(200);
    expect(byManager.json).toEqual({ identities: 'hidden', items: [expected] });
    for (const secret of [a.pid, b.pid, identifier, name]) expect(byManager.text).not.toContain(secret);
    expect(await auditOf(lot.id, 'registrations.viewed')).toEqual([]);

    const byRegulator = await flagsOf(regulator, lot);
    expect(byRegulator.json).toEqual({
      identities: 'shown',
      items: [{ ...expected, organisations: [{ identifier, name }], pids: sorted([a.pid, b.pid]) }],
    });
    const views = await auditOf(lot.id, 'registrations.viewed');
    expect(views.map((e) => [e.actorPid, e.data.purpose])).toEqual([[regulator.key, 'registration flags viewed']]);
    // Another organisation's manager reads nothing.
    expect((await flagsOf(otherManager, lot)).status).toBe(403);
  });

  it('same_organisation by an authorisation document approved on another lot', async () => {
    const identifier = newIdentifier();
    const known = await person(t.idp, undefined);
    const first = await longLot();
    const earlier = await registerByDocument(known, first, identifier);
    const lot = await longLot();
    const other = await person(t.idp, undefined);
    const forOrganisation = await registerByDocument(other, lot, identifier);
    const own = await register(known, lot);
    // Not known to act for the organisation yet: no flag.
    expect((await flagsOf(manager, lot)).json.items).toEqual([]);
    const path = `/api/lots/${first.id}/registrations/${earlier.id}/authorisation`;
    const up = await t.call('PUT', path, {
      token: known.token,
      raw: PDF,
      headers: { 'content-type': 'application/pdf' },
    });
    expect(up.status, up.text).toBe(200);
    const approved = await t.call('POST', `${path}/decision`, { token: manager.token, body: { decision: 'approved' } });
    expect(approved.status, approved.text).toBe(200);
    // Now the organisation is reached through two people on the lot.
    const flags = await flagsOf(regulator, lot);
    expect(flags.json.items).toMatchObject([
      {
        kind: 'same_organisation',
        bidderCodes: sorted([forOrganisation.bidderCode, own.bidderCode]),
        registrationIds: idsByCode(forOrganisation, own),
        organisations: [{ identifier, name: `Công ty TNHH ${identifier}` }],
        pids: sorted([known.pid, other.pid]),
      },
    ]);
  });

  it('one_person_two_organisations, cleared once with a reason, audited', async () => {
    const lot = await longLot();
    const one = await person(t.idp, undefined);
    const [x, y] = [newIdentifier(), newIdentifier()];
    const forX = await registerByDocument(one, lot, x);
    const forY = await registerByDocument(one, lot, y);
    const byRegulator = await flagsOf(regulator, lot);
    expect(byRegulator.json.items).toEqual([
      {
        key: `one_person_two_organisations:${sorted([forX.bidderCode, forY.bidderCode]).join(',')}`,
        kind: 'one_person_two_organisations',
        bidderCodes: sorted([forX.bidderCode, forY.bidderCode]),
        registrationIds: idsByCode(forX, forY),
        decision: null,
        organisations: [
          { identifier: x, name: `Công ty TNHH ${x}` },
          { identifier: y, name: `Công ty TNHH ${y}` },
        ],
        pids: [one.pid],
      },
    ]);
    const key: string = byRegulator.json.items[0].key;
    expect((await decideFlag(otherManager, lot, key, { decision: 'cleared', reason: REASON })).status).toBe(403);
    expect((await decideFlag(manager, lot, key, { decision: 'cleared', reason: 'ngắn' })).status).toBe(422);
    const unknown = await decideFlag(manager, lot, 'same_organisation:B-AAAA,B-BBBB', {
      decision: 'cleared',
      reason: REASON,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.reason).toBe('flag_not_found');

    const cleared = await decideFlag(manager, lot, key, { decision: 'cleared', reason: REASON });
    expect(cleared.status, cleared.text).toBe(200);
    const decision = { decision: 'cleared', reason: REASON, decidedAt: clock.now().toISOString() };
    expect(cleared.json).toMatchObject({ key, decision });
    expect(cleared.json).not.toHaveProperty('pids');
    expect((await flagsOf(manager, lot)).json.items).toMatchObject([{ key, decision }]);
    const again = await decideFlag(manager, lot, key, { decision: 'cleared', reason: REASON });
    expect(again.status).toBe(409);
    expect(again.json.error.reason).toBe('flag_already_decided');
    expect((await auditOf(lot.id, 'registration.flag_decided')).map((e) => [e.actorPid, e.data])).toEqual([
      [
        manager.key,
        {
          key,
          kind: 'one_person_two_organisations',
          bidderCodes: sorted([forX.bidderCode, forY.bidderCode]),
          decision: 'cleared',
          reason: REASON,
        },
      ],
    ]);
    // Both registrations stand.
    const list = await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: manager.token });
    expect(list.json.items.map((r: Json) => r.status)).toEqual(['pending_deposit', 'pending_deposit']);
  });

  it('representative_personal, decided by rejecting one of its registrations', async () => {
    const lot = await longLot();
    const one = await person(t.idp, undefined);
    const forOrganisation = await registerByDocument(one, lot, newIdentifier());
    const own = await register(one, lot);
    // A registration of someone else, not named by the flag.
    const bystander = await register(await person(t.idp, undefined), lot);
    const flags = (await flagsOf(manager, lot)).json.items;
    expect(flags).toEqual([
      {
        key: `representative_personal:${sorted([forOrganisation.bidderCode, own.bidderCode]).join(',')}`,
        kind: 'representative_personal',
        bidderCodes: sorted([forOrganisation.bidderCode, own.bidderCode]),
        registrationIds: idsByCode(forOrganisation, own),
        decision: null,
      },
    ]);
    const key: string = flags[0].key;
    const missing = await decideFlag(manager, lot, key, { decision: 'rejected', reason: REASON });
    expect(missing.status).toBe(422);
    expect(missing.json.error.fieldErrors).toMatchObject({ registrationId: { code: 'REQUIRED' } });
    const notNamed = await decideFlag(manager, lot, key, {
      decision: 'rejected',
      reason: REASON,
      registrationId: bystander.id,
    });
    expect(notNamed.status).toBe(422);
    expect(notNamed.json.error.fieldErrors).toMatchObject({ registrationId: { code: 'NOT_ONE_OF' } });

    const reason = 'Một người không được vừa đại diện tổ chức vừa tự tham gia';
    const rejected = await decideFlag(manager, lot, key, { decision: 'rejected', reason, registrationId: own.id });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.json).toMatchObject({ key, decision: { decision: 'rejected', reason } });
    const list = (await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: manager.token })).json.items;
    expect(list.find((r: Json) => r.id === own.id).status).toBe('rejected');
    expect(list.find((r: Json) => r.id === forOrganisation.id).status).toBe('pending_deposit');
    // The decided flag stays listed with its decision; nothing else is flagged.
    expect((await flagsOf(manager, lot)).json.items).toMatchObject([
      { key, registrationIds: idsByCode(forOrganisation, own), decision: { decision: 'rejected', reason } },
    ]);
    expect((await auditOf(lot.id, 'registration.rejected')).map((e) => [e.subject, e.data.reason])).toEqual([
      [String(own.id), reason],
    ]);
    expect((await auditOf(lot.id, 'registration.flag_decided'))[0].data).toMatchObject({
      decision: 'rejected',
      registrationId: own.id,
    });
  });
});

describe('rejecting a registration', () => {
  it('before bidding starts, with a reason; a deposit received is refunded through the refund flow', async () => {
    const lot = await longLot();
    const bidder = await person(t.idp, undefined);
    const reg = await register(bidder, lot);
    const paid = await t.call('POST', `/api/lots/${lot.id}/registrations/${reg.id}/approve`, { token: manager.token });
    expect(paid.json).toMatchObject({ status: 'approved', depositState: 'received' });
    expect((await reject(manager, lot, reg.id, 'ngắn')).status).toBe(422);
    expect((await reject(otherManager, lot, reg.id)).status).toBe(403);
    expect((await reject(bidder, lot, reg.id)).status).toBe(403);

    const reason = 'Người đăng ký thuộc trường hợp không được tham gia đấu giá';
    const rejected = await reject(manager, lot, reg.id, reason);
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.json).toMatchObject({ id: reg.id, status: 'rejected', depositState: 'refundable' });
    expect((await auditOf(lot.id, 'registration.rejected')).map((e) => [e.actorPid, e.data])).toEqual([
      [
        manager.key,
        {
          bidderCode: reg.bidderCode,
          reason,
          status: 'approved',
          depositState: 'refundable',
          refund: { amount: lot.deposit, dueAt: expect.any(String) },
        },
      ],
    ]);
    const again = await reject(manager, lot, reg.id, reason);
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ reason: 'registration_not_rejectable', params: { status: 'rejected' } });
    const notices = (await t.call('GET', '/api/me/notifications', { token: bidder.token })).json.items;
    expect(notices.map((n: Json) => n.kind)).toEqual(expect.arrayContaining(['registration_rejected', 'refund_due']));
    expect(notices.find((n: Json) => n.kind === 'registration_rejected').body).toContain(reason);

    // The deposit is due for refund on the lot's money trail, which still adds up; confirming it settles it.
    const money = await t.call('GET', `/api/lots/${lot.id}/money`, { token: manager.token });
    expect(money.json.balanced, money.json.problems?.join('; ')).toBe(true);
    expect(money.json.refunds).toMatchObject([
      { reason: 'deposit', bidderCode: reg.bidderCode, amount: lot.deposit, state: 'due' },
    ]);
    const sent = await t.call('POST', `/api/payments/refunds/${money.json.refunds[0].id}/sent`, {
      token: manager.token,
      body: { bankReference: 'FT26120100001' },
    });
    expect(sent.status, sent.text).toBe(200);
    expect(sent.json).toMatchObject({ state: 'sent', bankReference: 'FT26120100001' });
    const list = (await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: manager.token })).json.items;
    expect(list.find((r: Json) => r.id === reg.id)).toMatchObject({ status: 'rejected', depositState: 'refunded' });
    expect((await t.call('GET', `/api/lots/${lot.id}/money`, { token: manager.token })).json.balanced).toBe(true);
    // A transfer for a rejected registration is held, not accepted.
    const late = await t.call('POST', `/api/lots/${lot.id}/registrations/${reg.id}/approve`, { token: manager.token });
    expect(late.status).toBe(409);
  });

  it('rejects one pending its deposit or its authorisation; not once bidding has started', async () => {
    const now = clock.now().getTime();
    const lot = await publishedLot(t.call, manager, lotBody(now));
    const pending = await register(await person(t.idp, undefined), lot);
    const rejected = await reject(manager, lot, pending.id);
    expect(rejected.json).toMatchObject({ status: 'rejected', depositState: 'pending' });
    const representative = await person(t.idp, undefined);
    const waiting = await registerByDocument(representative, lot, newIdentifier());
    const deposit = await t.call('POST', `/api/lots/${lot.id}/registrations/${waiting.id}/approve`, {
      token: manager.token,
    });
    expect(deposit.json.status).toBe('pending_authorisation');
    expect((await reject(manager, lot, waiting.id)).json).toMatchObject({
      status: 'rejected',
      depositState: 'refundable',
    });
    const approved = await register(await person(t.idp, undefined), lot);
    expect(
      (await t.call('POST', `/api/lots/${lot.id}/registrations/${approved.id}/approve`, { token: manager.token })).json
        .status,
    ).toBe('approved');
    clock.set(Date.parse(lot.startsAt));
    const late = await reject(manager, lot, approved.id);
    expect(late.status).toBe(409);
    expect(late.json.error).toMatchObject({ reason: 'registration_not_rejectable', params: { status: 'approved' } });
  });
});
