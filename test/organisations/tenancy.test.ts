// Auction organisations as tenants (issue 19): admins create organisations and add their managers
// (before the person's first sign-in too); a lot belongs to one organisation and its managers share
// it; a manager acts on their own organisations' lots only; staff hold their roles with e-ID level 2
// only; regulators see what their scope (a province's organisations, or the whole country) covers, in
// reads, records and bulk exports; a lot's deposits are paid into its organisation's account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';
import type { Json } from '../support/json.ts';
import { eventually, lotBody, person, publishedLot, type Actor } from '../auctions/factories.ts';

const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
const MIN = 60_000;
let t: TestPlatform;
let admin: Actor;
const token = (pid: string, loa = 2) => t.idp.token({ sub: pid, loa });

const ACCOUNT = {
  bank: 'Ngân hàng Đà Nẵng (thử)',
  bin: '970499',
  number: '0123456789',
  holder: 'CONG TY DAU GIA DA NANG',
};
let orgB: Json;

beforeAll(async () => {
  const adminPid = newPid();
  t = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid } });
  admin = { pid: adminPid, token: await token(adminPid) };
});
afterAll(async () => t?.stop());

describe('organisations', () => {
  it('starts with the default organisation that existing data migrated into', async () => {
    const res = await t.call('GET', '/api/organisations');
    expect(res.status).toBe(200);
    expect(res.json.items[0]).toMatchObject({ id: DEFAULT_ORGANISATION_ID, province: 'ha-noi', bankAccount: null });
  });

  it('are created by admins only, validated, with unique tax codes and licences, audited', async () => {
    const body = {
      name: 'Công ty Đấu giá Hợp danh Đà Nẵng',
      licenceNumber: 'ĐN-41/TP-ĐKHĐ',
      taxCode: '0401234567',
      province: 'da-nang',
      bankAccount: ACCOUNT,
    };
    const manager = await person(t.idp, t.database.db, { roles: ['manager'] });
    expect((await t.call('POST', '/api/organisations', { token: manager.token, body })).status).toBe(403);
    const bad = await t.call('POST', '/api/organisations', {
      token: admin.token,
      body: { ...body, taxCode: '12345', province: 'atlantis' },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fieldErrors).toMatchObject({
      taxCode: { code: 'NOT_TAX_CODE' },
      province: { code: 'NOT_PROVINCE' },
    });
    const created = await t.call('POST', '/api/organisations', { token: admin.token, body });
    expect(created.status).toBe(201);
    orgB = created.json;
    expect(orgB).toMatchObject({ ...body, id: expect.any(Number) });
    const again = await t.call('POST', '/api/organisations', {
      token: admin.token,
      body: { ...body, licenceNumber: 'KHÁC' },
    });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ reason: 'organisation_exists', params: { field: 'taxCode' } });
    const edited = await t.call('PATCH', `/api/organisations/${orgB.id}`, {
      token: admin.token,
      body: { name: 'Công ty Đấu giá Hợp danh Đà Nẵng (sửa)' },
    });
    expect(edited.json.name).toBe('Công ty Đấu giá Hợp danh Đà Nẵng (sửa)');
    orgB = edited.json;
    expect((await t.call('GET', '/api/organisations/999999')).status).toBe(404);
  });
});

describe('managers', () => {
  let newcomer: string;

  it('are added before their first sign-in, and hold the membership from it, with e-ID level 2 only', async () => {
    newcomer = newPid();
    const added = await t.call('POST', `/api/organisations/${orgB.id}/managers`, {
      token: admin.token,
      body: { pid: newcomer },
    });
    expect(added.status).toBe(200);
    expect(added.json.items).toEqual([
      expect.objectContaining({ pid: newcomer, name: null, grantedBy: admin.pid, signedIn: false }),
    ]);
    // Signing in with level 1: no staff role below level 2.
    const low = await t.call('GET', '/api/me', { token: await token(newcomer, 1) });
    expect(low.json).toMatchObject({ level: 1, roles: [], organisations: [] });
    const me = await t.call('GET', '/api/me', { token: await token(newcomer) });
    expect(me.json).toMatchObject({
      roles: ['manager'],
      organisations: [{ id: orgB.id, name: orgB.name, province: 'da-nang' }],
      regulatorScope: null,
    });
    const list = await t.call('GET', `/api/organisations/${orgB.id}/managers`, { token: await token(newcomer) });
    expect(list.json.items).toEqual([expect.objectContaining({ pid: newcomer, signedIn: true })]);
  });

  it('of one organisation share its lots, and act on no other organisation’s', async () => {
    const colleague = await person(t.idp, t.database.db, { roles: ['manager'], organisation: orgB.id });
    const mine = await t.call('POST', '/api/lots', { token: await token(newcomer), body: lotBody(clock.now()) });
    expect(mine.status).toBe(201);
    expect(mine.json.organisationId).toBe(orgB.id);
    // The colleague edits and publishes it.
    const edit = await t.call('PATCH', `/api/lots/${mine.json.id}`, {
      token: colleague.token,
      body: { title: 'Đổi tên' },
    });
    expect(edit.status).toBe(200);
    expect((await t.call('POST', `/api/lots/${mine.json.id}/publish`, { token: colleague.token })).status).toBe(200);
    // A manager of the default organisation does not.
    const other = await person(t.idp, t.database.db, { roles: ['manager'] });
    const refused = await t.call('POST', `/api/lots/${mine.json.id}/cancel`, {
      token: other.token,
      body: { reason: 'Không phải của tôi' },
    });
    expect(refused.status).toBe(403);
    expect(refused.json.error.reason).toBe('not_lot_manager');
    expect((await t.call('GET', `/api/lots/${mine.json.id}/registrations`, { token: other.token })).status).toBe(403);
    expect((await t.call('GET', `/api/organisations/${orgB.id}/managers`, { token: other.token })).status).toBe(403);
    // "My lots" are the organisation's.
    const listed = await t.call('GET', '/api/lots?mine=true&limit=100', { token: colleague.token });
    expect(listed.json.items.map((l: Json) => l.id)).toContain(mine.json.id);
    const others = await t.call('GET', '/api/lots?mine=true&limit=100', { token: other.token });
    expect(others.json.items.map((l: Json) => l.id)).not.toContain(mine.json.id);
  });

  it('of several organisations name the lot’s; a manager of none creates nothing', async () => {
    const both = await person(t.idp, t.database.db, { roles: ['manager'] });
    expect(
      (await t.call('POST', `/api/organisations/${orgB.id}/managers`, { token: admin.token, body: { pid: both.pid } }))
        .status,
    ).toBe(200);
    const unnamed = await t.call('POST', '/api/lots', { token: both.token, body: lotBody(clock.now()) });
    expect(unnamed.status).toBe(422);
    expect(unnamed.json.error.fieldErrors.organisationId).toEqual({ code: 'ORGANISATION_REQUIRED', count: 2 });
    const named = await t.call('POST', '/api/lots', {
      token: both.token,
      body: { ...lotBody(clock.now()), organisationId: orgB.id },
    });
    expect(named.json.organisationId).toBe(orgB.id);
    const foreign = await t.call('POST', '/api/lots', {
      token: (await person(t.idp, t.database.db, { roles: ['manager'] })).token,
      body: { ...lotBody(clock.now()), organisationId: orgB.id },
    });
    expect(foreign.json.error).toMatchObject({ reason: 'not_organisation_manager' });
    // The manager role granted on its own (the v1 way) makes a manager of the default organisation;
    // taken out of it, the person keeps the role but has nothing to create lots in.
    const loose = newPid();
    await t.call('PUT', `/api/admin/roles/${loose}`, { token: admin.token, body: { roles: ['manager'] } });
    expect((await t.call('GET', '/api/me', { token: await token(loose) })).json.organisations).toEqual([
      expect.objectContaining({ id: DEFAULT_ORGANISATION_ID }),
    ]);
    const v1 = await t.call('POST', '/api/lots', { token: await token(loose), body: lotBody(clock.now()) });
    expect(v1.json.organisationId).toBe(DEFAULT_ORGANISATION_ID);
    await t.call('DELETE', `/api/organisations/${DEFAULT_ORGANISATION_ID}/managers/${loose}`, { token: admin.token });
    const none = await t.call('POST', '/api/lots', { token: await token(loose), body: lotBody(clock.now()) });
    expect(none.status).toBe(403);
    expect(none.json.error.reason).toBe('no_organisation');
  });

  it('are removed by admins; the person then manages nothing there', async () => {
    const gone = await person(t.idp, t.database.db, { roles: ['manager'], organisation: orgB.id });
    const removed = await t.call('DELETE', `/api/organisations/${orgB.id}/managers/${gone.pid}`, {
      token: admin.token,
    });
    expect(removed.status).toBe(200);
    expect(removed.json.items.map((m: Json) => m.pid)).not.toContain(gone.pid);
    const me = await eventually(async () => {
      const r = await t.call('GET', '/api/me', { token: gone.token });
      return r.json.organisations.length === 0 ? r.json : undefined;
    }, 'the removal to reach the person');
    expect(me.organisations).toEqual([]);
    const again = await t.call('DELETE', `/api/organisations/${orgB.id}/managers/${gone.pid}`, { token: admin.token });
    expect(again.json.error.reason).toBe('not_a_manager_of_it');
  });

  it('may not register for their own organisation’s lots, and may for another’s', async () => {
    const lotA = await publishedLot(
      t.call,
      await person(t.idp, t.database.db, { roles: ['manager'] }),
      lotBody(clock.now()),
    );
    const staffB = await person(t.idp, t.database.db, { roles: ['manager'], organisation: orgB.id });
    const lotB = await publishedLot(t.call, staffB, lotBody(clock.now()));
    const colleague = await person(t.idp, t.database.db, { roles: ['manager'], organisation: orgB.id });
    const own = await t.call('POST', `/api/lots/${lotB.id}/registrations`, { token: colleague.token, body: {} });
    expect(own.status).toBe(403);
    expect(own.json.error.reason).toBe('manager_cannot_register');
    expect(
      (await t.call('POST', `/api/lots/${lotA.id}/registrations`, { token: colleague.token, body: {} })).status,
    ).toBe(201);
  });
});

describe('payments', () => {
  it('go to the lot’s organisation’s account, or the platform’s when it has none', async () => {
    const staffB = await person(t.idp, t.database.db, { roles: ['manager'], organisation: orgB.id });
    const lotB = await publishedLot(t.call, staffB, lotBody(clock.now()));
    const bidder = await person(t.idp, undefined);
    const reg = await t.call('POST', `/api/lots/${lotB.id}/registrations`, { token: bidder.token, body: {} });
    expect(reg.json.payment.account).toEqual(ACCOUNT);
    expect(reg.json.payment.qr).toContain(ACCOUNT.number);
    const lotA = await publishedLot(
      t.call,
      await person(t.idp, t.database.db, { roles: ['manager'] }),
      lotBody(clock.now()),
    );
    const regA = await t.call('POST', `/api/lots/${lotA.id}/registrations`, { token: bidder.token, body: {} });
    expect(regA.json.payment.account.number).not.toBe(ACCOUNT.number);
  });

  it('are matched from a manager’s bank statement to their own organisation’s lots only', async () => {
    const staffA = await person(t.idp, t.database.db, { roles: ['manager'] });
    const lotA = await publishedLot(t.call, staffA, lotBody(clock.now()));
    const bidder = await person(t.idp, undefined);
    const reg = await t.call('POST', `/api/lots/${lotA.id}/registrations`, { token: bidder.token, body: {} });
    const { reference, amount } = reg.json.payment;
    const statement = (txn: string) =>
      [
        'SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT',
        'Số tài khoản: 0123456789,Chủ tài khoản: CONG TY DAU GIA',
        'Từ ngày: 01/12/2026,Đến ngày: 01/12/2026',
        'STT,Ngày giao dịch,Mã giao dịch,Số tiền ghi nợ,Số tiền ghi có,Số dư,Nội dung,Tài khoản đối ứng,Tên tài khoản đối ứng,Ngân hàng đối ứng',
        `1,01/12/2026 09:01:00,${txn},,${amount.toLocaleString('de-DE')},1.000.000.000,"CK dat truoc ${reference}",0071000123456,NGUYEN VAN AN,Vietcombank`,
        '',
      ].join('\n');
    const upload = (who: Actor, txn: string) =>
      t.call('POST', '/api/payments/statements', {
        token: who.token,
        raw: statement(txn),
        headers: { 'content-type': 'text/csv; charset=utf-8' },
      });
    // Another organisation's statement cannot pay this lot: the reference is not one of its own.
    const staffB = await person(t.idp, t.database.db, { roles: ['manager'], organisation: orgB.id });
    const foreign = await upload(staffB, 'FT-ORG-B-1');
    expect(foreign.json.lines[0]).toMatchObject({ result: 'held', holdReason: 'unknown_reference' });
    expect(
      (await t.call('GET', `/api/lots/${lotA.id}/registrations`, { token: staffA.token })).json.items[0].status,
    ).toBe('pending_deposit');
    const own = await upload(staffA, 'FT-ORG-A-1');
    expect(own.json.lines[0]).toMatchObject({ result: 'accepted', reference });
  });
});

describe('regulator scopes', () => {
  let scoped: Actor;
  let country: Actor;
  let lotA: Json;
  let lotB: Json;
  let draftB: Json;

  beforeAll(async () => {
    scoped = await person(t.idp, t.database.db, { roles: ['regulator'] });
    country = await person(t.idp, t.database.db, { roles: ['regulator'] });
    const set = await t.call('PUT', `/api/admin/regulators/${scoped.pid}/scope`, {
      token: admin.token,
      body: { province: 'da-nang' },
    });
    expect(set.json).toEqual({ pid: scoped.pid, province: 'da-nang' });
    const staffB = await person(t.idp, t.database.db, { roles: ['manager'], organisation: orgB.id });
    const staffA = await person(t.idp, t.database.db, { roles: ['manager'] });
    const now = clock.now().getTime();
    lotA = await publishedLot(t.call, staffA, lotBody(now, { title: 'Lô của Hà Nội' }));
    lotB = await publishedLot(t.call, staffB, lotBody(now, { title: 'Lô của Đà Nẵng' }));
    draftB = (await t.call('POST', '/api/lots', { token: staffB.token, body: lotBody(now + 60 * MIN) })).json;
    // Both end (failed: nobody registered) so that their records exist.
    clock.set(Date.parse(lotB.endsAt) + 5_000);
    for (const id of [lotA.id, lotB.id])
      await eventually(
        async () => ((await t.call('GET', `/api/lots/${id}`)).json.ended ? true : undefined),
        `lot ${id} ended`,
      );
  });

  it('are set by admins and shown to the regulator', async () => {
    expect((await t.call('GET', '/api/me', { token: scoped.token })).json.regulatorScope).toEqual({
      province: 'da-nang',
    });
    expect((await t.call('GET', '/api/me', { token: country.token })).json.regulatorScope).toEqual({ province: null });
    expect(
      (
        await t.call('PUT', `/api/admin/regulators/${scoped.pid}/scope`, {
          token: scoped.token,
          body: { province: null },
        })
      ).status,
    ).toBe(403);
  });

  it('cover the province’s organisations’ lots in reads, and nothing else', async () => {
    for (const [who, id, status] of [
      [scoped, lotB.id, 200],
      [scoped, lotA.id, 403],
      [country, lotA.id, 200],
    ] as const)
      expect((await t.call('GET', `/api/lots/${id}/registrations`, { token: who.token })).status, `${id}`).toBe(status);
    // Drafts: its own province's only.
    expect((await t.call('GET', `/api/lots/${draftB.id}`, { token: scoped.token })).status).toBe(200);
    const catalogue = await t.call('GET', '/api/lots?limit=100&status=draft', { token: scoped.token });
    expect(catalogue.json.items.every((l: Json) => l.organisationId === orgB.id)).toBe(true);
  });

  it('cover records and bulk exports; the whole audit log is for country-wide regulators', async () => {
    expect((await t.call('GET', `/api/records/lots/${lotB.id}?format=json`, { token: scoped.token })).status).toBe(200);
    const outside = await t.call('GET', `/api/records/lots/${lotA.id}?format=json`, { token: scoped.token });
    expect(outside.status).toBe(403);
    expect(outside.json.error).toMatchObject({ reason: 'outside_scope', params: { province: 'da-nang' } });
    const period = `from=${encodeURIComponent('2026-11-01T00:00:00Z')}&to=${encodeURIComponent('2027-01-01T00:00:00Z')}`;
    const lotIds = async (who: Actor) => {
      const res = await fetch(`${t.base}/api/records/lots?${period}&format=ndjson`, {
        headers: { authorization: `Bearer ${who.token}` },
      });
      expect(res.status).toBe(200);
      return (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((l) => l.type === 'auction-record')
        .map((l) => l.lot.id);
    };
    const mine = await lotIds(scoped);
    expect(mine).toContain(lotB.id);
    expect(mine).not.toContain(lotA.id);
    expect(await lotIds(country)).toEqual(expect.arrayContaining([lotA.id, lotB.id]));
    const audit = await t.call('GET', '/api/records/audit?format=ndjson', { token: scoped.token });
    expect(audit.status).toBe(403);
    expect((await t.call('GET', '/api/records/audit?format=ndjson', { token: country.token })).status).toBe(200);
  });

  it('follow the organisation when an admin moves it to another province', async () => {
    await t.call('PATCH', `/api/organisations/${orgB.id}`, { token: admin.token, body: { province: 'hue' } });
    expect((await t.call('GET', `/api/lots/${lotB.id}/registrations`, { token: scoped.token })).status).toBe(403);
    await t.call('PATCH', `/api/organisations/${orgB.id}`, { token: admin.token, body: { province: 'da-nang' } });
    expect((await t.call('GET', `/api/lots/${lotB.id}/registrations`, { token: scoped.token })).status).toBe(200);
  });
});
