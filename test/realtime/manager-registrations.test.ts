// Registrations reach the lot's manager live (issue 14, item 6): a `lotRegistration` event to the
// sockets of the lot's own manager when someone registers and when a deposit is confirmed, carrying
// what the manager may see before the lot has ended (bidder code, status, deposit state, times) and
// never who registered. Every manager of the lot's organisation hears it (issue 19); nobody else does:
// not the registrant, not other bidders, not anonymous watchers of the lot, not another organisation's manager.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LotRegistrationEvent } from '../../server/realtime/events.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { connect, request, until, type ClientSocket } from './support.ts';
import { call, setUpLot, sleep, type LotScenario } from './scenario.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';

const adminPid = newPid();
let t: TestPlatform;
let lot: LotScenario;
const sockets: ClientSocket[] = [];
const track = async (s: Promise<ClientSocket>): Promise<ClientSocket> => {
  const socket = await s;
  sockets.push(socket);
  return socket;
};

/** Every event of any name a socket receives, with its payload. */
function record(socket: ClientSocket): { name: string; payload: unknown }[] {
  const seen: { name: string; payload: unknown }[] = [];
  socket.onAny((name: string, payload: unknown) => seen.push({ name, payload }));
  return seen;
}

/** A manager of another organisation (issue 19), or with `organisationId`, of that one. */
async function otherManager(organisationId?: number): Promise<string> {
  const pid = newPid();
  const token = await t.idp.token({ sub: pid });
  const admin = await t.idp.token({ sub: adminPid });
  expect((await call(t.base, 'GET', '/api/me', { token })).status).toBe(200);
  let id = organisationId;
  if (id === undefined) {
    const n = String(Math.floor(Math.random() * 1e10)).padStart(10, '0');
    const created = await call(t.base, 'POST', '/api/organisations', {
      token: admin,
      body: { name: `Tổ chức khác ${n}`, licenceNumber: `K-${n}`, taxCode: n, province: 'hue' },
    });
    expect(created.status).toBe(201);
    id = created.json.id as number;
  }
  expect(
    (await call(t.base, 'POST', `/api/organisations/${id}/managers`, { token: admin, body: { pid } })).status,
  ).toBe(200);
  return t.idp.token({ sub: pid });
}

beforeAll(async () => {
  t = await startTestPlatform({ env: { ADMIN_PIDS: adminPid } });
  // Registration open for a day; nobody registered yet.
  lot = await setUpLot(t.base, t.idp, { adminPid, bidders: 0, registrationMs: 24 * 3_600_000, biddingMs: 30 * 60_000 });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.stop();
});

describe('live registrations for the lot’s manager', () => {
  it('tells the lot’s manager of a new registration and of its confirmed deposit, without the person', async () => {
    const manager = await track(connect(t.base, { token: lot.managerToken }));
    const events: LotRegistrationEvent[] = [];
    manager.on('lotRegistration', (e) => events.push(e));
    const pid = newPid();
    const token = await t.idp.token({ sub: pid, loa: 2, name: 'Trần Thị Bình' });
    const reg = await call(t.base, 'POST', `/api/lots/${lot.lotId}/registrations`, {
      token,
      body: { acceptRules: true },
    });
    expect(reg.status).toBe(201);
    await until(() => events.length === 1, 'the new registration');
    expect(events[0]).toMatchObject({
      lotId: lot.lotId,
      registration: {
        id: reg.json.id,
        bidderCode: reg.json.bidderCode,
        status: 'pending_deposit',
        depositState: 'pending',
        approvedAt: null,
      },
    });
    expect(typeof events[0].registration.createdAt).toBe('string');

    expect(
      (
        await call(t.base, 'POST', `/api/lots/${lot.lotId}/registrations/${reg.json.id}/approve`, {
          token: lot.managerToken,
        })
      ).status,
    ).toBe(200);
    await until(() => events.length === 2, 'the confirmed deposit');
    expect(events[1]).toMatchObject({
      lotId: lot.lotId,
      registration: { id: reg.json.id, bidderCode: reg.json.bidderCode, status: 'approved', depositState: 'received' },
    });
    expect(typeof events[1].registration.approvedAt).toBe('string');

    // The same fields as the manager's list shows before the end, and nothing that names the person.
    const list = await call(t.base, 'GET', `/api/lots/${lot.lotId}/registrations`, { token: lot.managerToken });
    expect(list.json.identities).toBe('hidden');
    expect(Object.keys(events[1].registration).sort()).toEqual(Object.keys(list.json.items[0]).sort());
    for (const e of events) {
      expect(e.registration).not.toHaveProperty('pid');
      expect(e.registration).not.toHaveProperty('name');
      expect(JSON.stringify(e)).not.toContain(pid);
      expect(JSON.stringify(e)).not.toContain('Bình');
    }
  });

  it('tells every manager of the lot’s organisation (issue 19)', async () => {
    const colleague = await track(connect(t.base, { token: await otherManager(DEFAULT_ORGANISATION_ID) }));
    const heard: LotRegistrationEvent[] = [];
    colleague.on('lotRegistration', (e) => heard.push(e));
    const reg = await call(t.base, 'POST', `/api/lots/${lot.lotId}/registrations`, {
      token: await t.idp.token({ sub: newPid(), loa: 2 }),
      body: { acceptRules: true },
    });
    expect(reg.status).toBe(201);
    await until(() => heard.length === 1, 'the registration at a colleague of the lot’s manager');
    expect(heard[0].registration.id).toBe(reg.json.id);
  });

  it('never sends it to the registrant, other bidders, anonymous watchers of the lot or another organisation’s manager', async () => {
    const manager = await track(connect(t.base, { token: lot.managerToken }));
    const managerSaw = record(manager);
    const pid = newPid();
    const token = await t.idp.token({ sub: pid, loa: 2 });
    const registrant = await track(connect(t.base, { token }));
    const bidder = await track(connect(t.base, { token: await t.idp.token({ sub: newPid(), loa: 2 }) }));
    const anonymous = await track(connect(t.base));
    const colleague = await track(connect(t.base, { token: await otherManager() }));
    // Watching the lot, as the public lot page does.
    for (const s of [registrant, bidder, anonymous, colleague])
      expect((await request(s, 'watch', { lotId: lot.lotId })).ok).toBe(true);
    const seen = new Map([registrant, bidder, anonymous, colleague].map((s) => [s, record(s)]));

    const reg = await call(t.base, 'POST', `/api/lots/${lot.lotId}/registrations`, {
      token,
      body: { acceptRules: true },
    });
    expect(reg.status).toBe(201);
    expect(
      (
        await call(t.base, 'POST', `/api/lots/${lot.lotId}/registrations/${reg.json.id}/approve`, {
          token: lot.managerToken,
        })
      ).status,
    ).toBe(200);
    await until(
      () => managerSaw.filter((e) => e.name === 'lotRegistration').length === 2,
      'both events at the manager',
    );
    // Give any stray delivery the time the manager's took, and more.
    await sleep(300);
    for (const events of seen.values()) expect(events.filter((e) => e.name === 'lotRegistration')).toEqual([]);
    // The registrant still hears of their own registration, as before (its personal event).
    expect(seen.get(registrant)!.filter((e) => e.name === 'registration').length).toBe(2);
  });
});
