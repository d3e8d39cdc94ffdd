// Roles: ADMIN_PIDS granted at start (audited once), admins set a person's roles with PUT
// /api/admin/roles/:pid, every grant and revocation is audited, and the change applies at once.
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, roleGrants } from '../../db/schema.ts';
import { loadConfig } from '../../server/config.ts';
import { createPlatform } from '../../server/platform.ts';
import { createLogger } from '../../server/shared/log.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import type { Json } from '../support/json.ts';
import { personKey } from '../../server/privacy/personal-data.ts';

const ADMIN = '001082009901';
let t: TestPlatform;
let adminToken: string;

const tokenFor = (sub: string, loa = 2): Promise<string> => t.idp.token({ sub, loa });
const audits = (action: string, subject: string) =>
  t.database.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), eq(auditEvents.subject, personKey(subject))))
    .orderBy(asc(auditEvents.id));

/** A person who has signed in once (so that roles may be granted to them). */
async function seenPerson(loa = 2): Promise<{ pid: string; token: string }> {
  const pid = newPid();
  const token = await tokenFor(pid, loa);
  expect((await t.call('GET', '/api/me', { token })).status).toBe(200);
  return { pid, token };
}

beforeAll(async () => {
  t = await startTestPlatform({ env: { ADMIN_PIDS: ADMIN } });
  adminToken = await tokenFor(ADMIN);
});
afterAll(async () => {
  await t?.stop();
});

describe('roles', () => {
  it('grants admin to ADMIN_PIDS at start, audited once however often the platform starts', async () => {
    const me = await t.call('GET', '/api/me', { token: adminToken });
    expect(me.json.roles).toEqual(['admin']);
    const again = await createPlatform(
      loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DATA: 'false', ADMIN_PIDS: ADMIN, ...t.idp.env() }),
      { database: t.database, pages: false, log: createLogger({ level: 'silent' }) },
    );
    await again.stop();
    const granted = await audits('role.granted', ADMIN);
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({ actorPid: null, data: { role: 'admin', source: 'ADMIN_PIDS' } });
  });

  it('lets an admin grant and revoke roles, auditing each change, effective at once', async () => {
    const staff = await seenPerson();
    expect((await t.call('GET', '/api/me', { token: staff.token })).json.roles).toEqual([]);
    const put = await t.call('PUT', `/api/admin/roles/${staff.pid}`, {
      token: adminToken,
      body: { roles: ['manager', 'regulator'] },
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      pid: staff.pid,
      roles: ['manager', 'regulator'],
      granted: ['manager', 'regulator'],
      revoked: [],
    });
    expect((await t.call('GET', '/api/me', { token: staff.token })).json.roles).toEqual(['manager', 'regulator']);
    const grants = await audits('role.granted', staff.pid);
    expect(grants.map((g) => g.data.role).sort()).toEqual(['manager', 'regulator']);
    expect(grants.every((g) => g.actorPid === personKey(ADMIN))).toBe(true);
    // The manager role on its own makes a manager of the default organisation (issue 19), audited.
    expect((await t.call('GET', '/api/me', { token: staff.token })).json.organisations).toEqual([
      expect.objectContaining({ id: 1 }),
    ]);
    expect((await audits('organisation.manager_added', staff.pid))[0]).toMatchObject({
      actorPid: personKey(ADMIN),
      data: { organisationId: 1, source: 'role grant' },
    });

    const revoke = await t.call('PUT', `/api/admin/roles/${staff.pid}`, {
      token: adminToken,
      body: { roles: ['regulator'] },
    });
    expect(revoke.json).toMatchObject({ roles: ['regulator'], granted: [], revoked: ['manager'] });
    expect((await t.call('GET', '/api/me', { token: staff.token })).json.roles).toEqual(['regulator']);
    const revoked = await audits('role.revoked', staff.pid);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ actorPid: personKey(ADMIN), data: { role: 'manager' } });

    const same = await t.call('PUT', `/api/admin/roles/${staff.pid}`, {
      token: adminToken,
      body: { roles: ['regulator', 'regulator'] },
    });
    expect(same.json).toMatchObject({ roles: ['regulator'], granted: [], revoked: [] });
    expect(await audits('role.granted', staff.pid)).toHaveLength(2);
  });

  it('lets an admin make another admin, who can then administer roles', async () => {
    const second = await seenPerson();
    expect(
      (await t.call('PUT', `/api/admin/roles/${second.pid}`, { token: adminToken, body: { roles: ['admin'] } })).status,
    ).toBe(200);
    const other = await seenPerson();
    expect(
      (await t.call('PUT', `/api/admin/roles/${other.pid}`, { token: second.token, body: { roles: ['manager'] } }))
        .status,
    ).toBe(200);
    const list = await t.call('GET', '/api/admin/roles', { token: second.token });
    expect(list.status).toBe(200);
    const byPid = new Map(list.json.items.map((i: { pid: string; roles: string[] }) => [i.pid, i.roles]));
    expect(byPid.get(ADMIN)).toEqual(['admin']);
    expect(byPid.get(second.pid)).toEqual(['admin']);
    expect(byPid.get(other.pid)).toEqual(['manager']);
    const otherItem = list.json.items.find((i: { pid: string }) => i.pid === other.pid);
    expect(otherItem.grants[0]).toMatchObject({ role: 'manager', grantedBy: second.pid });
  });

  it('refuses to let an admin revoke their own admin role or an ADMIN_PIDS admin', async () => {
    const second = await seenPerson();
    await t.call('PUT', `/api/admin/roles/${second.pid}`, { token: adminToken, body: { roles: ['admin'] } });
    const self = await t.call('PUT', `/api/admin/roles/${second.pid}`, {
      token: second.token,
      body: { roles: ['manager'] },
    });
    expect(self.status).toBe(409);
    expect(self.json.error).toMatchObject({ code: 'INVALID_STATE', reason: 'own_admin_role' });
    const configured = await t.call('PUT', `/api/admin/roles/${ADMIN}`, { token: second.token, body: { roles: [] } });
    expect(configured.status).toBe(409);
    expect(configured.json.error).toMatchObject({ code: 'INVALID_STATE', reason: 'configured_admin' });
    expect(
      (
        await t.database.db
          .select()
          .from(roleGrants)
          .where(eq(roleGrants.pid, personKey(ADMIN)))
      ).map((r) => r.role),
    ).toEqual(['admin']);
  });

  it('grants a role before the person’s first sign-in; it holds from that sign-in, with e-ID level 2 only', async () => {
    const pid = newPid();
    const put = await t.call('PUT', `/api/admin/roles/${pid}`, { token: adminToken, body: { roles: ['regulator'] } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ pid, name: null, roles: ['regulator'], granted: ['regulator'] });
    expect(await audits('role.granted', pid)).toHaveLength(1);
    const holder = async () =>
      ((await t.call('GET', '/api/admin/roles', { token: adminToken })).json.items as Json[]).find(
        (h) => h.pid === pid,
      );
    expect(await holder()).toMatchObject({ signedIn: false, regulatorScope: { province: null } });
    // Staff sign in with e-ID level 2 (issue 19): below it the grant waits.
    expect((await t.call('GET', '/api/me', { token: await tokenFor(pid, 1) })).json.roles).toEqual([]);
    expect((await t.call('GET', '/api/me', { token: await tokenFor(pid) })).json).toMatchObject({
      roles: ['regulator'],
      regulatorScope: { province: null },
    });
    expect(await holder()).toMatchObject({ signedIn: true });
  });

  it('answers bad requests with clear errors and changes nothing', async () => {
    const target = await seenPerson();
    // Each with the code a page translates: the refusal's reason, or each field's code.
    const cases: [string, unknown, number, string, Record<string, unknown>][] = [
      [
        target.pid,
        { roles: ['king'] },
        422,
        'VALIDATION_FAILED',
        { fieldErrors: { 'roles.0': { code: 'NOT_ONE_OF', options: ['manager', 'regulator', 'admin'] } } },
      ],
      [
        target.pid,
        { roles: 'manager' },
        422,
        'VALIDATION_FAILED',
        { fieldErrors: { roles: { code: 'INVALID_TYPE', expected: 'array' } } },
      ],
      [target.pid, {}, 422, 'VALIDATION_FAILED', { fieldErrors: { roles: { code: 'REQUIRED' } } }],
      [
        target.pid,
        { roles: [], extra: 1 },
        422,
        'VALIDATION_FAILED',
        { fieldErrors: { _: { code: 'UNKNOWN_FIELDS', keys: ['extra'] } } },
      ],
      ['12345', { roles: [] }, 422, 'VALIDATION_FAILED', { fieldErrors: { pid: { code: 'NOT_PID' } } }],
    ];
    for (const [pid, body, status, code, more] of cases) {
      const res = await t.call('PUT', `/api/admin/roles/${pid}`, { token: adminToken, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.json.error, JSON.stringify(body)).toMatchObject({ code, ...more });
    }
    const malformed = await t.call('PUT', `/api/admin/roles/${target.pid}`, { token: adminToken, raw: '{"roles": [' });
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);
    expect(
      await t.database.db
        .select()
        .from(roleGrants)
        .where(eq(roleGrants.pid, personKey(target.pid))),
    ).toEqual([]);
  });

  it('keeps role administration to admins', async () => {
    const target = await seenPerson();
    const manager = await seenPerson();
    await t.call('PUT', `/api/admin/roles/${manager.pid}`, {
      token: adminToken,
      body: { roles: ['manager', 'regulator'] },
    });
    const level1 = await seenPerson(1);
    for (const [token, status] of [
      [undefined, 401],
      [level1.token, 403],
      [manager.token, 403],
    ] as const) {
      expect(
        (await t.call('PUT', `/api/admin/roles/${target.pid}`, { token, body: { roles: ['admin'] } })).status,
      ).toBe(status);
      expect((await t.call('GET', '/api/admin/roles', { token })).status).toBe(status);
      // The role check comes before the body check: outsiders learn nothing about the input rules.
      expect((await t.call('PUT', `/api/admin/roles/${target.pid}`, { token, body: { roles: ['king'] } })).status).toBe(
        status,
      );
    }
    expect(
      await t.database.db
        .select()
        .from(roleGrants)
        .where(eq(roleGrants.pid, personKey(target.pid))),
    ).toEqual([]);
  });
});
