// The authorization matrix: every /api route against anonymous, level 1, level 2, manager (of the
// organisation whose lots are used), a manager of a second organisation, regulator (the whole
// country), a regulator whose scope is the second organisation's province, and admin, each answering
// exactly the expected status (issue 19: a manager acts on their own organisation's lots only, a
// regulator within their scope). Requests that are refused run before the one that is allowed, so a
// refusal is seen against the same state. Every route in the OpenAPI description must be listed here:
// a new route fails this test until it is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { asc, eq } from 'drizzle-orm';
import { auditEvents, lots as lotRows } from '../../db/schema.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import {
  eventually,
  lotBody,
  person,
  publishedLot,
  createLot,
  registerAndApprove,
  type Actor,
} from '../auctions/factories.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';
import { personKey } from '../../server/privacy/personal-data.ts';

type Who = 'anonymous' | 'level1' | 'level2' | 'otherManager' | 'scopedRegulator' | 'manager' | 'regulator' | 'admin';
const REFUSED_FIRST: Who[] = [
  'anonymous',
  'level1',
  'level2',
  'otherManager',
  'scopedRegulator',
  'regulator',
  'admin',
  'manager',
];
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let t: TestPlatform;
const actors = {} as Record<Exclude<Who, 'anonymous'>, Actor>;
const covered = new Set<string>();
const lots = {} as Record<'open' | 'draft' | 'publishable' | 'cancellable' | 'pictured', { id: number }>;
let registrationId = 0;
let secondOrganisationId = 0;
let imageId = 0;

interface Req {
  body?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

/** Calls one route as each person in turn and checks every status. */
async function matrix(
  method: string,
  template: string,
  path: string,
  expected: Record<Who, number>,
  request: (who: Who) => Req = () => ({}),
  order: Who[] = REFUSED_FIRST,
): Promise<void> {
  covered.add(`${method} ${template}`);
  const got: Partial<Record<Who, number>> = {};
  for (const who of order) {
    const r = request(who);
    const headers: Record<string, string> = { ...r.headers };
    if (who !== 'anonymous') headers.authorization = `Bearer ${actors[who].token}`;
    if (r.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(t.base + path, {
      method,
      headers,
      body: r.raw ? new Uint8Array(r.raw) : r.body === undefined ? undefined : JSON.stringify(r.body),
    });
    await res.arrayBuffer();
    got[who] = res.status;
  }
  expect(got, `${method} ${path}`).toEqual(expected);
}

const all = (status: number): Record<Who, number> => ({
  anonymous: status,
  level1: status,
  level2: status,
  otherManager: status,
  scopedRegulator: status,
  manager: status,
  regulator: status,
  admin: status,
});
const only = (allowed: Partial<Record<Who, number>>, refused = 403): Record<Who, number> => ({
  anonymous: 401,
  level1: refused,
  level2: refused,
  otherManager: refused,
  scopedRegulator: refused,
  manager: refused,
  regulator: refused,
  admin: refused,
  ...allowed,
});
const MIN = 60_000;

beforeAll(async () => {
  const adminPid = newPid();
  t = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid } });
  const token = (pid: string, loa = 2) => t.idp.token({ sub: pid, loa, iat: Math.floor(Date.now() / 1000) });
  actors.admin = { pid: adminPid, token: await token(adminPid) };
  for (const who of ['level1', 'level2', 'otherManager', 'scopedRegulator', 'manager', 'regulator'] as const) {
    const pid = newPid();
    actors[who] = { pid, token: await token(pid, who === 'level1' ? 1 : 2) };
    expect((await t.call('GET', '/api/me', { token: actors[who].token })).status).toBe(200);
  }
  // The lots used belong to the default organisation (Hà Nội); a second one is in Đà Nẵng.
  const second = await t.call('POST', '/api/organisations', {
    token: actors.admin.token,
    body: { name: 'Tổ chức thứ hai', licenceNumber: 'TH-2', taxCode: '0400000002', province: 'da-nang' },
  });
  expect(second.status).toBe(201);
  secondOrganisationId = second.json.id;
  for (const [who, organisationId] of [
    ['manager', DEFAULT_ORGANISATION_ID],
    ['otherManager', second.json.id],
  ] as const)
    expect(
      (
        await t.call('POST', `/api/organisations/${organisationId}/managers`, {
          token: actors.admin.token,
          body: { pid: actors[who].pid },
        })
      ).status,
    ).toBe(200);
  for (const who of ['regulator', 'scopedRegulator'] as const)
    expect(
      (
        await t.call('PUT', `/api/admin/roles/${actors[who].pid}`, {
          token: actors.admin.token,
          body: { roles: ['regulator'] },
        })
      ).status,
    ).toBe(200);
  expect(
    (
      await t.call('PUT', `/api/admin/regulators/${actors.scopedRegulator.pid}/scope`, {
        token: actors.admin.token,
        body: { province: 'da-nang' },
      })
    ).status,
  ).toBe(200);
  const now = clock.now();
  lots.open = await publishedLot(t.call, actors.manager, lotBody(now));
  lots.draft = await createLot(t.call, actors.manager, lotBody(now.getTime() + 60 * MIN));
  lots.publishable = await createLot(t.call, actors.manager, lotBody(now.getTime() + 60 * MIN));
  lots.cancellable = await publishedLot(t.call, actors.manager, lotBody(now.getTime() + 60 * MIN));
  // Photos change only while the lot is a draft (they lock at publication); the draft is published below.
  lots.pictured = await createLot(t.call, actors.manager, lotBody(now.getTime() + 60 * MIN));
});
afterAll(async () => {
  await t?.stop();
});

describe('authorization matrix', () => {
  it('identity routes', async () => {
    await matrix('GET', '/me', '/api/me', { ...all(200), anonymous: 401 });
    await matrix('GET', '/admin/roles', '/api/admin/roles', only({ admin: 200 }));
    const target = actors.level2.pid;
    await matrix('PUT', '/admin/roles/{pid}', `/api/admin/roles/${target}`, only({ admin: 200 }), () => ({
      body: { roles: [] },
    }));
  });

  it('organisation routes (issue 19): the register is public; admins run it; an organisation’s managers see each other', async () => {
    await matrix('GET', '/organisations', '/api/organisations', all(200));
    await matrix('GET', '/organisations/{id}', `/api/organisations/${DEFAULT_ORGANISATION_ID}`, all(200));
    await matrix('POST', '/organisations', '/api/organisations', only({ admin: 201 }), () => ({
      body: { name: 'Tổ chức thứ ba', licenceNumber: 'TH-3', taxCode: '0400000003', province: 'hue' },
    }));
    await matrix(
      'PATCH',
      '/organisations/{id}',
      `/api/organisations/${secondOrganisationId}`,
      only({ admin: 200 }),
      () => ({
        body: { name: 'Tổ chức thứ hai (đổi tên)' },
      }),
    );
    // The managers of the default organisation: its own manager and admins, not the second one's.
    await matrix(
      'GET',
      '/organisations/{id}/managers',
      `/api/organisations/${DEFAULT_ORGANISATION_ID}/managers`,
      only({ manager: 200, admin: 200 }),
    );
    const newcomer = newPid();
    await matrix(
      'POST',
      '/organisations/{id}/managers',
      `/api/organisations/${secondOrganisationId}/managers`,
      only({ admin: 200 }),
      () => ({ body: { pid: newcomer } }),
    );
    await matrix(
      'DELETE',
      '/organisations/{id}/managers/{pid}',
      `/api/organisations/${secondOrganisationId}/managers/${newcomer}`,
      only({ admin: 200 }),
    );
    await matrix(
      'PUT',
      '/admin/regulators/{pid}/scope',
      `/api/admin/regulators/${actors.level2.pid}/scope`,
      only({ admin: 200 }),
      () => ({ body: { province: null } }),
    );
  });

  it('eligibility routes (issue 19): staff keep the exclusion list within their reach; a lot’s owner exclusions, its managers', async () => {
    await matrix(
      'GET',
      '/exclusions',
      '/api/exclusions',
      only({ manager: 200, otherManager: 200, scopedRegulator: 200, regulator: 200, admin: 200 }),
    );
    // Without an organisation: a manager's entry covers their own; a platform-wide one needs a regulator
    // for the whole country or an admin (the scoped regulator: 403).
    await matrix(
      'POST',
      '/exclusions',
      '/api/exclusions',
      only({ manager: 201, otherManager: 201, regulator: 201, admin: 201 }),
      () => ({ body: { pid: newPid(), reason: 'Lý do', source: 'Quyết định số 1' } }),
    );
    const entry = await t.call('POST', '/api/exclusions', {
      token: actors.admin.token,
      body: { pid: newPid(), reason: 'Lý do', source: 'Quyết định số 2' },
    });
    // A platform-wide entry: the regulator lifts it, the admin's lift then finds it lifted (409).
    await matrix(
      'POST',
      '/exclusions/{id}/lift',
      `/api/exclusions/${entry.json.id}/lift`,
      only({ regulator: 200, admin: 409 }),
    );
    const path = `/api/lots/${lots.open.id}/exclusions`;
    await matrix('GET', '/lots/{id}/exclusions', path, only({ manager: 200, regulator: 200, admin: 200 }));
    const named: Partial<Record<Who, string>> = {};
    await matrix('POST', '/lots/{id}/exclusions', path, only({ manager: 201, admin: 201 }), (who) => ({
      body: { pid: (named[who] = newPid()), reason: 'Người có tài sản đề nghị' },
    }));
    // The admin removes the admin's entry first; the lot's manager then finds none (404).
    await matrix('DELETE', '/lots/{id}/exclusions/{pid}', `${path}/${named.admin}`, only({ admin: 200, manager: 404 }));
  });

  it('calendar and job routes (admin)', async () => {
    await matrix('GET', '/calendar', '/api/calendar?from=2027-02-01&to=2027-02-28', all(200));
    await matrix('GET', '/admin/calendar/days', '/api/admin/calendar/days?year=2027', only({ admin: 200 }));
    await matrix('POST', '/admin/calendar/days', '/api/admin/calendar/days', only({ admin: 201 }), () => ({
      body: { day: '2027-02-12', kind: 'day_off', name: 'Nghỉ Tết' },
    }));
    await matrix('DELETE', '/admin/calendar/days/{day}', '/api/admin/calendar/days/2027-02-12', only({ admin: 200 }));
    await matrix('GET', '/admin/jobs', '/api/admin/jobs?state=failed', only({ admin: 200 }));
    await matrix('GET', '/admin/personal-data', '/api/admin/personal-data', only({ admin: 200 }));
    await matrix('GET', '/admin/webhooks', '/api/admin/webhooks?state=failed', only({ admin: 200 }));
    // No delivery by that id: the admin passes the role check and finds none.
    await matrix('POST', '/admin/webhooks/{id}/retry', '/api/admin/webhooks/2147483647/retry', only({ admin: 404 }));
  });

  it('lot routes', async () => {
    await matrix('GET', '/lots', '/api/lots', all(200));
    await matrix('GET', '/lots/{id}', `/api/lots/${lots.open.id}`, all(200));
    await matrix('GET', '/lots/{id}/result', `/api/lots/${lots.open.id}/result`, all(200));
    // A manager of the second organisation creates lots in their own.
    await matrix('POST', '/lots', '/api/lots', only({ manager: 201, otherManager: 201 }), () => ({
      body: lotBody(clock.now().getTime() + 60 * MIN),
    }));
    // Another organisation's draft does not exist for a manager of the second one (404).
    await matrix(
      'PATCH',
      '/lots/{id}',
      `/api/lots/${lots.draft.id}`,
      only({ manager: 200, otherManager: 404 }),
      () => ({
        body: { title: 'Biển số 30K-999.99' },
      }),
    );
    await matrix(
      'POST',
      '/lots/{id}/publish',
      `/api/lots/${lots.publishable.id}/publish`,
      only({ manager: 200, otherManager: 404 }),
    );
    await matrix(
      'POST',
      '/lots/{id}/cancel',
      `/api/lots/${lots.cancellable.id}/cancel`,
      only({ manager: 200 }),
      () => ({ body: { reason: 'Tài sản bị rút khỏi đấu giá' } }),
    );
  });

  it('image routes', async () => {
    // Photos are added and removed while the lot is a draft; once published, its images are public.
    const lot = lots.pictured;
    const png = (): Req => ({ raw: PNG, headers: { 'content-type': 'image/png' } });
    const draftOnly = only({ manager: 201, otherManager: 404 });
    await matrix('POST', '/lots/{id}/images', `/api/lots/${lot.id}/images`, draftOnly, png);
    await matrix('POST', '/lots/{id}/images', `/api/lots/${lot.id}/images`, draftOnly, png);
    const images = await t.call('GET', `/api/lots/${lot.id}/images`, { token: actors.manager.token });
    imageId = images.json.items[0].id;
    await matrix(
      'DELETE',
      '/lots/{id}/images/{imageId}',
      `/api/lots/${lot.id}/images/${images.json.items[1].id}`,
      only({ manager: 204, otherManager: 404 }),
    );
    expect((await t.call('POST', `/api/lots/${lot.id}/publish`, { token: actors.manager.token })).status).toBe(200);
    await matrix('GET', '/lots/{id}/images', `/api/lots/${lot.id}/images`, all(200));
    await matrix('GET', '/images/{imageId}', `/api/images/${imageId}`, all(200));
    await matrix('GET', '/lots/{id}/cover', `/api/lots/${lot.id}/cover`, all(200));
    // Published: locked for its manager too (409), refused as before for everyone else.
    await matrix(
      'DELETE',
      '/lots/{id}/images/{imageId}',
      `/api/lots/${lot.id}/images/${imageId}`,
      only({ manager: 409 }),
    );
    await matrix('POST', '/lots/{id}/images', `/api/lots/${lot.id}/images`, only({ manager: 409 }), png);
  });

  it('registration routes (level 1 gets LEVEL_TOO_LOW; a manager may not register on a lot they manage)', async () => {
    await matrix(
      'POST',
      '/lots/{id}/registrations',
      `/api/lots/${lots.open.id}/registrations`,
      // Staff of another organisation may bid on this one's lots.
      {
        anonymous: 401,
        level1: 403,
        level2: 201,
        otherManager: 201,
        scopedRegulator: 201,
        manager: 403,
        regulator: 201,
        admin: 201,
      },
      () => ({ body: { acceptRules: true } }),
    );
    const level1 = await t.call('POST', `/api/lots/${lots.open.id}/registrations`, {
      token: actors.level1.token,
      body: { acceptRules: true },
    });
    expect(level1.json.error.code).toBe('LEVEL_TOO_LOW');
    // Who is behind each code: the regulator's view (the manager sees codes only before the close).
    const list = await t.call('GET', `/api/lots/${lots.open.id}/registrations`, { token: actors.regulator.token });
    registrationId = list.json.items.find((r: { pid: string }) => r.pid === actors.level2.pid).id;
    await matrix(
      'GET',
      '/lots/{id}/registrations',
      `/api/lots/${lots.open.id}/registrations`,
      only({ manager: 200, regulator: 200 }),
    );
    await matrix(
      'POST',
      '/lots/{id}/registrations/{rid}/approve',
      `/api/lots/${lots.open.id}/registrations/${registrationId}/approve`,
      only({ manager: 200 }),
    );
    // Before the close no deposit is refundable: the manager passes the role check and meets the state rule.
    const regulatorReg = list.json.items.find((r: { pid: string }) => r.pid === actors.regulator.pid).id;
    await matrix(
      'POST',
      '/lots/{id}/registrations/{rid}/refund',
      `/api/lots/${lots.open.id}/registrations/${regulatorReg}/refund`,
      only({ manager: 409 }),
    );
    await matrix('GET', '/me/registrations', '/api/me/registrations', { ...all(200), anonymous: 401 });
  });

  it('organisations as bidders (issue 19): the registrant uploads, the lot’s manager reads and decides; flags; rejection', async () => {
    const lot = await publishedLot(t.call, actors.manager, lotBody(clock.now()));
    const register = (body: Record<string, unknown>) =>
      t.call('POST', `/api/lots/${lot.id}/registrations`, { token: actors.level2.token, body });
    const forOrganisation = await register({
      acceptRules: true,
      onBehalfOf: { identifier: '0109999001', name: 'Công ty TNHH Ma Trận', role: 'authorised_person' },
    });
    expect(forOrganisation.status, forOrganisation.text).toBe(201);
    const own = await register({ acceptRules: true });
    expect(own.status, own.text).toBe(201);
    const path = `/api/lots/${lot.id}/registrations/${forOrganisation.json.id}/authorisation`;
    // Only the person who registered uploads (level 2 first; everyone else: 403, the lot's manager too).
    await matrix('PUT', '/lots/{id}/registrations/{rid}/authorisation', path, only({ level2: 200 }), () => ({
      raw: Buffer.from('%PDF-1.4\n%%EOF\n'),
      headers: { 'content-type': 'application/pdf' },
    }));
    const purpose = `?purpose=${encodeURIComponent('Xem giấy ủy quyền của người đăng ký')}`;
    await matrix(
      'GET',
      '/lots/{id}/registrations/{rid}/authorisation',
      path + purpose,
      only({ level2: 200, manager: 200 }),
    );
    await matrix(
      'POST',
      '/lots/{id}/registrations/{rid}/authorisation/decision',
      `${path}/decision`,
      only({ manager: 200 }),
      () => ({ body: { decision: 'approved' } }),
    );
    // One person for an organisation and for themselves: a flag, for the manager and regulators.
    const flags = `/api/lots/${lot.id}/registration-flags`;
    await matrix('GET', '/lots/{id}/registration-flags', flags, only({ manager: 200, regulator: 200 }));
    const listed = await t.call('GET', flags, { token: actors.manager.token });
    expect(listed.json.items.map((f: { kind: string }) => f.kind)).toEqual(['representative_personal']);
    await matrix(
      'POST',
      '/lots/{id}/registration-flags/{key}/decision',
      `${flags}/${encodeURIComponent(listed.json.items[0].key)}/decision`,
      only({ manager: 200 }),
      () => ({ body: { decision: 'cleared', reason: 'Đã kiểm tra: người đại diện tự tham gia hợp lệ' } }),
    );
    await matrix(
      'POST',
      '/lots/{id}/registrations/{rid}/reject',
      `/api/lots/${lot.id}/registrations/${own.json.id}/reject`,
      only({ manager: 200 }),
      () => ({ body: { reason: 'Người đăng ký không đủ điều kiện tham gia' } }),
    );
  });

  it('who viewed my data (everyone signed in, each their own: issue 20)', async () => {
    await matrix('GET', '/me/data-views', '/api/me/data-views', { ...all(200), anonymous: 401 });
  });

  it('notification routes (everyone signed in, each their own)', async () => {
    await matrix('GET', '/me/notifications', '/api/me/notifications', { ...all(200), anonymous: 401 });
    await matrix('POST', '/me/notifications/read-all', '/api/me/notifications/read-all', {
      ...all(200),
      anonymous: 401,
    });
    // A notice nobody has: 404 for all (another's notice is never found either: test/notifications).
    await matrix('POST', '/me/notifications/{id}/read', '/api/me/notifications/2147483647/read', {
      ...all(404),
      anonymous: 401,
    });
    await matrix('GET', '/me/email', '/api/me/email', { ...all(200), anonymous: 401 });
    await matrix('PUT', '/me/email', '/api/me/email', { ...all(200), anonymous: 401 }, () => ({
      body: { email: null },
    }));
  });

  it('payment routes (the webhook is signed, not signed in: off here, 503 for all)', async () => {
    await matrix('POST', '/payments/notifications', '/api/payments/notifications', all(503), () => ({
      body: { transactionId: 'T', reference: 'DG', amount: 1, paidAt: '2026-12-01T02:00:00Z' },
    }));
    // A statement with its header only: nothing to import, so importing it twice changes nothing.
    await matrix(
      'POST',
      '/payments/statements',
      '/api/payments/statements',
      // Any organisation's manager imports their own account's statement (matched to its lots only).
      only({ manager: 200, otherManager: 200, admin: 200 }),
      () => ({
        raw: Buffer.from('Ngày giao dịch,Mã giao dịch,Số tiền ghi có,Nội dung\n'),
        headers: { 'content-type': 'text/csv' },
      }),
    );
    // Each sees the held credits of their own organisations' lots (or scope's), and their own uploads.
    await matrix(
      'GET',
      '/payments/held',
      '/api/payments/held',
      only({ manager: 200, otherManager: 200, scopedRegulator: 200, regulator: 200, admin: 200 }),
    );
    await matrix(
      'POST',
      '/payments/credits/{id}/decision',
      '/api/payments/credits/2147483647/decision',
      only({ manager: 404, otherManager: 404, admin: 404 }),
      () => ({ body: { decision: 'returned' } }),
    );
    await matrix(
      'POST',
      '/payments/credits/{id}/reversal',
      '/api/payments/credits/2147483647/reversal',
      only({ manager: 404, otherManager: 404 }),
    );
    // A lot's money: its manager, regulators (read-only) and admins; the refund file and a refund's
    // confirmation: its manager or an admin.
    await matrix(
      'GET',
      '/lots/{id}/money',
      `/api/lots/${lots.open.id}/money`,
      only({ manager: 200, regulator: 200, admin: 200 }),
    );
    await matrix(
      'GET',
      '/lots/{id}/refunds.csv',
      `/api/lots/${lots.open.id}/refunds.csv`,
      only({ manager: 200, admin: 200 }),
    );
    // The demo bank exists only in the demo (this platform has no demo data).
    await matrix('GET', '/demo/bank', '/api/demo/bank', { ...all(404), anonymous: 401 });
    await matrix('POST', '/demo/bank/transfers', '/api/demo/bank/transfers', { ...all(404), anonymous: 401 }, () => ({
      body: { reference: 'DG7K3M9QX2D', amount: 1 },
    }));
    await matrix(
      'POST',
      '/payments/refunds/{id}/sent',
      '/api/payments/refunds/2147483647/sent',
      only({ manager: 404, otherManager: 404, admin: 404 }),
      () => ({ body: { bankReference: 'FT-OUT-1' } }),
    );
  });

  it('bidding routes (level 1 gets LEVEL_TOO_LOW; only approved bidders bid)', async () => {
    clock.advance(10 * MIN);
    let key = 0;
    await matrix('POST', '/lots/{id}/bids', `/api/lots/${lots.open.id}/bids`, { ...only({ level2: 201 }) }, () => ({
      body: { amount: 40_000_000 },
      headers: { 'idempotency-key': `k-${++key}` },
    }));
    const level1 = await t.call('POST', `/api/lots/${lots.open.id}/bids`, {
      token: actors.level1.token,
      body: { amount: 45_000_000 },
      headers: { 'idempotency-key': 'l1' },
    });
    expect(level1.json.error.code).toBe('LEVEL_TOO_LOW');
    await matrix('GET', '/lots/{id}/bids', `/api/lots/${lots.open.id}/bids?after=0`, all(200));
    await matrix(
      'POST',
      '/lots/{id}/bids/{seq}/withdraw',
      `/api/lots/${lots.open.id}/bids/1/withdraw`,
      only({ level2: 201 }),
    );
    await matrix(
      'GET',
      '/lots/{id}/shed-bids',
      `/api/lots/${lots.open.id}/shed-bids`,
      only({ manager: 200, regulator: 200 }),
    );
  });

  it('live supervision routes (issue 20): regulators within their scope and admins; the scoped regulator lists none of these lots', async () => {
    // lots.open is live (the bidding routes above moved the clock into its bidding window).
    const path = `/api/supervision/lots/${lots.open.id}`;
    const purpose = encodeURIComponent('Giám sát trực tiếp theo kế hoạch kiểm tra');
    await matrix(
      'GET',
      '/supervision/lots',
      '/api/supervision/lots',
      only({ regulator: 200, scopedRegulator: 200, admin: 200 }),
    );
    await matrix('GET', '/supervision/lots/{id}', `${path}?purpose=${purpose}`, only({ regulator: 200, admin: 200 }));
    await matrix(
      'GET',
      '/supervision/lots/{id}/updates',
      `${path}/updates?afterSeq=0`,
      only({ regulator: 200, admin: 200 }),
    );
    // Past the access checks, the lot has no such signal (404).
    await matrix(
      'POST',
      '/supervision/lots/{id}/signals/{key}/decision',
      `${path}/signals/closing_shed/decision`,
      only({ regulator: 404, admin: 404 }),
      () => ({ body: { decision: 'dismissed', note: 'Không có dấu hiệu bất thường' } }),
    );
  });

  it('sealed-bid routes (only approved bidders submit; each reads their own)', async () => {
    // A sealed lot taking bids now: its method and window set in its row (test/sealed/factory.ts).
    const sealed = await publishedLot(t.call, actors.manager, lotBody(clock.now()));
    await registerAndApprove(t.call, actors.manager, sealed.id, [actors.level2]);
    const started = new Date(clock.now().getTime() - MIN);
    await t.database.db
      .update(lotRows)
      .set({
        method: 'sealed',
        tieBreak: 'earliest',
        sealedReplaceable: false,
        status: 'live',
        registrationOpensAt: new Date(started.getTime() - MIN),
        registrationClosesAt: started,
        startsAt: started,
      })
      .where(eq(lotRows.id, sealed.id));
    await matrix(
      'POST',
      '/lots/{id}/sealed-bids',
      `/api/lots/${sealed.id}/sealed-bids`,
      { ...only({ level2: 201 }) },
      () => ({ body: { amount: 40_000_000 } }),
    );
    await matrix('GET', '/lots/{id}/sealed-bids/mine', `/api/lots/${sealed.id}/sealed-bids/mine`, {
      ...all(200),
      anonymous: 401,
    });
  });

  it('health routes answer everyone', async () => {
    await matrix('GET', '/health', '/api/health', all(200));
    await matrix('GET', '/health/live', '/api/health/live', all(200));
  });

  it('record routes', async () => {
    await matrix(
      'GET',
      '/records/lots/{id}',
      `/api/records/lots/${lots.cancellable.id}?format=json`,
      only({ regulator: 200 }),
    );
    // The signed money trail beside the record: the lot's manager, regulators and admins.
    await matrix(
      'GET',
      '/records/lots/{id}/money-trail',
      `/api/records/lots/${lots.cancellable.id}/money-trail`,
      only({ manager: 200, regulator: 200, admin: 200 }),
    );
    const period = 'from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&format=csv';
    // A scoped regulator's export holds their scope's lots; the one audit chain is the whole country's.
    await matrix('GET', '/records/lots', `/api/records/lots?${period}`, only({ regulator: 200, scopedRegulator: 200 }));
    await matrix('GET', '/records/audit', `/api/records/audit?${period}`, only({ regulator: 200 }));
    await matrix('GET', '/.well-known/jwks.json', '/api/.well-known/jwks.json', all(200));
    await matrix('POST', '/records/verify', '/api/records/verify', all(200), () => ({
      body: { payload: 'e30', signatures: [{ protected: 'e30', signature: 'AAAA' }] },
    }));
  });

  it('attendance routes (issue 18): the lot’s manager, regulators and admins read; its manager or an admin decides', async () => {
    await matrix(
      'GET',
      '/lots/{id}/attendance',
      `/api/lots/${lots.open.id}/attendance`,
      only({ manager: 200, regulator: 200, admin: 200 }),
    );
    // The registration is not a held no-show: those who may decide are told so (409), the rest refused first.
    await matrix(
      'POST',
      '/lots/{id}/no-shows/{rid}',
      `/api/lots/${lots.open.id}/no-shows/${registrationId}`,
      only({ manager: 409, admin: 409 }),
      () => ({ body: { decision: 'forfeit' } }),
    );
  });

  it('registration reads by role × lot status: identities to regulators always, to the manager only after the end', async () => {
    const now = clock.now().getTime();
    const at = (m: number) => new Date(now + m * MIN).toISOString();
    const window = (opens: number, starts: number, ends: number) => ({
      registrationClosesAt: at(opens),
      startsAt: at(starts),
      endsAt: at(ends),
    });
    const lotsBy = {
      scheduled: await publishedLot(t.call, actors.manager, lotBody(now, window(30, 30, 90))),
      live: await publishedLot(t.call, actors.manager, lotBody(now, window(5, 5, 65))),
      closed: await publishedLot(t.call, actors.manager, lotBody(now, window(5, 5, 6))),
      failed: await publishedLot(t.call, actors.manager, lotBody(now, window(5, 5, 6))),
      cancelled: await publishedLot(t.call, actors.manager, lotBody(now, window(5, 5, 65))),
    };
    type Status = keyof typeof lotsBy;
    const STATUSES = Object.keys(lotsBy) as Status[];
    const bidders = {} as Record<Status, { pid: string; token: string; registrationId: number }[]>;
    for (const s of STATUSES) {
      const people = [
        await person(t.idp, undefined, { name: `Người ${s} A` }),
        await person(t.idp, undefined, { name: `Người ${s} B` }),
      ];
      bidders[s] = [
        ...(await registerAndApprove(t.call, actors.manager, lotsBy[s].id, people.slice(0, 1))),
        ...(await registerAndApprove(t.call, actors.manager, lotsBy[s].id, people.slice(1), {
          approve: s !== 'scheduled',
        })),
      ];
    }
    // The cancelled lot's manager reads one identity before the cancellation: it shows in the record.
    const purpose = 'Kiểm tra giấy ủy quyền của người đăng ký';
    const early = await t.call(
      'GET',
      `/api/lots/${lotsBy.cancelled.id}/registrations/${bidders.cancelled[0].registrationId}/identity?purpose=${encodeURIComponent(purpose)}`,
      { token: actors.manager.token },
    );
    expect(early.status).toBe(200);
    expect(
      (
        await t.call('POST', `/api/lots/${lotsBy.cancelled.id}/cancel`, {
          token: actors.manager.token,
          body: { reason: 'Tài sản bị rút khỏi đấu giá' },
        })
      ).status,
    ).toBe(200);
    clock.set(now + 5 * MIN);
    let key = 0;
    for (const [i, amount] of [
      [0, 40_000_000],
      [1, 45_000_000],
    ] as const) {
      const res = await t.call('POST', `/api/lots/${lotsBy.closed.id}/bids`, {
        token: bidders.closed[i].token,
        body: { amount },
        headers: { 'idempotency-key': `m-${++key}` },
      });
      expect(res.status).toBe(201);
    }
    clock.set(now + 6 * MIN + CLOSE_GRACE_MS);
    for (const s of ['closed', 'failed'] as const) {
      await eventually(
        async () => ((await t.call('GET', `/api/lots/${lotsBy[s].id}/result`)).json.status === s ? true : undefined),
        `the ${s} lot to end`,
      );
    }

    const another = await person(t.idp, t.database.db, { roles: ['manager'] });
    for (const s of STATUSES) {
      const lot = lotsBy[s];
      expect((await t.call('GET', `/api/lots/${lot.id}`)).json.status).toBe(s);
      const path = `/api/lots/${lot.id}/registrations`;
      await matrix('GET', '/lots/{id}/registrations', path, only({ manager: 200, regulator: 200 }));
      expect((await t.call('GET', path, { token: another.token })).status, `another manager, ${s}`).toBe(403);
      const ended = s === 'closed' || s === 'failed' || s === 'cancelled';
      const pids = bidders[s].map((b) => b.pid);
      const byManager = await t.call('GET', path, { token: actors.manager.token });
      expect(byManager.json.identities, `manager, ${s}`).toBe(ended ? 'shown' : 'hidden');
      expect(byManager.json.items.map((r: { bidderCode: string }) => typeof r.bidderCode)).toEqual([
        'string',
        'string',
      ]);
      expect(
        byManager.json.items.map((r: { status: string; depositState: string }) => [r.status, r.depositState]),
      ).toHaveLength(2);
      if (ended) {
        expect(
          byManager.json.items.map((r: { pid: string }) => r.pid),
          `manager, ${s}`,
        ).toEqual(pids);
        expect(byManager.json.items.map((r: { name: string }) => r.name)).toEqual([`Người ${s} A`, `Người ${s} B`]);
      } else {
        for (const r of byManager.json.items) expect(r, `manager, ${s}`).not.toHaveProperty('pid');
        for (const r of byManager.json.items) expect(r, `manager, ${s}`).not.toHaveProperty('name');
        for (const pid of pids) expect(byManager.text).not.toContain(pid);
        expect(byManager.text).not.toContain(`Người ${s}`);
      }
      const byRegulator = await t.call('GET', path, { token: actors.regulator.token });
      expect(byRegulator.json.identities, `regulator, ${s}`).toBe('shown');
      expect(byRegulator.json.items.map((r: { pid: string }) => r.pid)).toEqual(pids);
      expect(byRegulator.json.items.map((r: { name: string }) => r.name)).toEqual([`Người ${s} A`, `Người ${s} B`]);
      // Every read that showed identities is in the audit log; the manager's hidden reads are not.
      const views = (
        await t.database.db.select().from(auditEvents).where(eq(auditEvents.lotId, lot.id)).orderBy(asc(auditEvents.id))
      ).filter((e) => e.action === 'registrations.viewed');
      const by = (pid: string) => views.filter((e) => e.actorPid === personKey(pid));
      expect(by(actors.regulator.pid).length, `regulator reads audited, ${s}`).toBe(2);
      expect(by(actors.manager.pid).length, `manager reads audited, ${s}`).toBe(ended ? 2 : 0);
      // No purpose was stated (issue 20: an optional ?purpose=; null is "not stated").
      expect(views.every((e) => e.data.purpose === null)).toBe(true);
      expect(views.length).toBe(by(actors.regulator.pid).length + by(actors.manager.pid).length);
    }

    // The explicit read of one identity: the lot's manager only, with a stated purpose, audited.
    const lot = lotsBy.scheduled;
    const target = bidders.scheduled[1];
    const identity = `/api/lots/${lot.id}/registrations/${target.registrationId}/identity`;
    await matrix('GET', '/lots/{id}/registrations/{rid}/identity', identity, only({ manager: 422 }));
    expect((await t.call('GET', identity, { token: actors.manager.token })).json.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: { purpose: expect.any(String) },
    });
    expect(
      (await t.call('GET', `${identity}?purpose=${encodeURIComponent('   xem  ')}`, { token: actors.manager.token }))
        .status,
    ).toBe(422);
    expect(
      (
        await t.call('GET', `${identity}?purpose=${encodeURIComponent('a\u0000'.repeat(10))}`, {
          token: actors.manager.token,
        })
      ).status,
    ).toBe(422);
    expect(
      (await t.call('GET', `${identity}?purpose=${'x'.repeat(501)}`, { token: actors.manager.token })).status,
    ).toBe(422);
    const query = `?purpose=${encodeURIComponent(purpose)}`;
    await matrix('GET', '/lots/{id}/registrations/{rid}/identity', identity + query, only({ manager: 200 }));
    expect((await t.call('GET', identity + query, { token: another.token })).json.error.code).toBe('FORBIDDEN');
    expect(
      (
        await t.call('GET', identity + query, {
          token: actors.manager.token,
          headers: { 'sec-fetch-site': 'cross-site' },
        })
      ).json.error.code,
    ).toBe('FORBIDDEN');
    expect(
      (
        await t.call('GET', `/api/lots/${lotsBy.live.id}/registrations/${target.registrationId}/identity${query}`, {
          token: actors.manager.token,
        })
      ).json.error.code,
    ).toBe('NOT_FOUND');
    const read = await t.call('GET', identity + query, { token: actors.manager.token });
    expect(read.json).toEqual({
      registrationId: target.registrationId,
      lotId: lot.id,
      bidderCode: expect.any(String),
      pid: target.pid,
      name: 'Người scheduled B',
      purpose,
      viewedAt: clock.now().toISOString(),
    });
    const reads = (
      await t.database.db.select().from(auditEvents).where(eq(auditEvents.lotId, lot.id)).orderBy(asc(auditEvents.id))
    ).filter((e) => e.action === 'registration.identity_viewed');
    // The matrix's allowed call and the one above; refusals and invalid purposes wrote nothing.
    expect(reads.map((e) => [e.actorPid, e.subject, e.data.purpose, e.at.toISOString()])).toEqual([
      [personKey(actors.manager.pid), String(target.registrationId), purpose, clock.now().toISOString()],
      [personKey(actors.manager.pid), String(target.registrationId), purpose, clock.now().toISOString()],
    ]);
    // Regulators see it with the registration, while the lot runs, and in the ended lot's record.
    const seen = await t.call('GET', `/api/lots/${lot.id}/registrations`, { token: actors.regulator.token });
    const row = seen.json.items.find((r: { id: number }) => r.id === target.registrationId);
    expect(row.identityReads).toEqual([
      { at: clock.now().toISOString(), actorPid: actors.manager.pid, purpose },
      { at: clock.now().toISOString(), actorPid: actors.manager.pid, purpose },
    ]);
    const record = await t.call('GET', `/api/records/lots/${lotsBy.cancelled.id}?format=json`, {
      token: actors.regulator.token,
    });
    const payload = JSON.parse(Buffer.from(record.json.payload, 'base64url').toString('utf8'));
    expect(
      payload.history.filter((h: { action: string }) => h.action === 'registration.identity_viewed'),
    ).toMatchObject([
      { actorPid: actors.manager.pid, subject: String(bidders.cancelled[0].registrationId), data: { purpose } },
    ]);
    const verdict = await t.call('POST', '/api/records/verify', { body: record.json });
    expect(verdict.json, 'a record holding identity reads still verifies').toMatchObject({ valid: true });
  });

  it('award routes (issue 18): only the bidder the award names, only the lot’s manager, with a fresh sign-in', async () => {
    // The open lot has no award: nobody holds it, nobody is offered it, nothing is signed; the
    // manager's countersignature needs a fresh sign-in first (403 FRESH_SIGNIN_REQUIRED).
    const id = lots.open.id;
    for (const path of ['confirmation', 'refusal', 'offer/accept', 'offer/refuse', 'countersignature'])
      await matrix('POST', `/lots/{id}/${path}`, `/api/lots/${id}/${path}`, only({}));
    // The signed documents: to the lot's registrants (level 2, the regulator and the admin registered
    // above) and staff; 404 until issued.
    for (const path of ['confirmation', 'countersignature'])
      await matrix('GET', `/lots/{id}/${path}`, `/api/lots/${id}/${path}`, {
        ...all(404),
        anonymous: 401,
        level1: 403,
      });
    // What the record states: to the same parties, once the lot has ended (409 RECORD_NOT_READY before).
    await matrix('GET', '/lots/{id}/record/extract', `/api/lots/${id}/record/extract`, {
      ...all(409),
      anonymous: 401,
      level1: 403,
    });
  });

  it('suspension and re-run routes (issue 18): staff of the lot; the document to its participants', async () => {
    // The open lot is live by now: the regulator (first of the staff to call) suspends it, and the
    // others find it suspended already (409); regulators may suspend but not re-run: the admin
    // re-runs it, and the manager finds it re-run already (409). Its suspension document is then
    // served to the lot's registrants (level 2, the regulator and the admin registered above) and staff.
    const id = lots.open.id;
    expect((await t.call('GET', `/api/lots/${id}`)).json.status).toBe('live');
    await matrix(
      'POST',
      '/lots/{id}/suspend',
      `/api/lots/${id}/suspend`,
      only({ manager: 409, regulator: 200, admin: 409 }),
      () => ({ body: { reason: 'Sự cố kỹ thuật' } }),
    );
    const at = (m: number) => new Date(clock.now().getTime() + m * MIN).toISOString();
    await matrix('POST', '/lots/{id}/rerun', `/api/lots/${id}/rerun`, only({ manager: 409, admin: 201 }), () => ({
      body: { startsAt: at(120), endsAt: at(180) },
    }));
    await matrix('GET', '/lots/{id}/documents/suspension', `/api/lots/${id}/documents/suspension`, {
      ...all(200),
      anonymous: 401,
      level1: 403,
    });
  });

  it('published results answer everyone', async () => {
    const ended = lots.cancellable.id;
    await eventually(
      async () => ((await t.call('GET', `/api/results/${ended}`)).status === 200 ? true : undefined),
      'the cancelled lot’s result notice',
    );
    await matrix('GET', '/results', '/api/results', all(200));
    await matrix('GET', '/results/{lotId}', `/api/results/${ended}`, all(200));
    await matrix('GET', '/results/{lotId}/notices/{sequence}', `/api/results/${ended}/notices/1`, all(200));
    await matrix('GET', '/results.atom', '/api/results.atom', all(200));
  });

  it('the transparency log answers everyone', async () => {
    const ended = lots.cancellable.id;
    const digest = await eventually(async () => {
      const res = await t.call('GET', `/api/results/${ended}`);
      return res.status === 200 ? (res.json.notices[0].digest as string) : undefined;
    }, 'the cancelled lot’s result notice');
    await matrix('GET', '/log/sth', '/api/log/sth', all(200));
    await matrix('GET', '/log/proof/inclusion', `/api/log/proof/inclusion?hash=${digest}`, all(200));
    await matrix('GET', '/log/proof/consistency', '/api/log/proof/consistency?first=0&second=1', all(200));
    await matrix('GET', '/log/leaves', '/api/log/leaves?start=0&end=1', all(200));
  });

  it('covers every route in the OpenAPI description', async () => {
    const doc = (await t.call('GET', '/api/openapi.json')).json as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.filter((r) => !covered.has(r))).toEqual([]);
  });
});
