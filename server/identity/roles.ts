// Role administration: admins set a person's roles; ADMIN_PIDS (and, in demo mode, the demo staff
// personas) are granted at start. Every grant and revocation is written to the audit log in the
// same transaction as the change, and the person's cached roles are dropped after the commit (other
// processes see the change within the PersonCache TTL). A change is published after the commit
// ('access-changed'), so that the person's open sockets are disconnected on every process.
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { people, ROLES, type Role } from '../../db/schema.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import type { PersonCache } from './authenticate.ts';
import type { Level, Person } from './person.ts';
import { deleteGrants, ensurePerson, findPerson, insertGrant, listGrants, rolesOf } from './people.ts';
import { personKey, revealPeople } from '../privacy/personal-data.ts';
import {
  defaultOrganisationId,
  ensureOrganisation,
  insertManager,
  managesAnyOrganisation,
} from '../organisations/membership.ts';
import type { DemoOrganisation } from './demo/personas.ts';
import type { RoleChange, RoleHolder } from './identity-schemas.ts';

export interface StartupGrant {
  pid: string;
  name: string | null;
  /** The level recorded if the person has never been seen (refreshed at their first sign-in). */
  level: Level;
  role: Role;
  source: 'ADMIN_PIDS' | 'demo persona';
  /** A manager's auction organisation, created if new (the demo's second house); absent: the default organisation. */
  organisation?: DemoOrganisation;
}

/** Grants roles at start; idempotent (a role already held is left alone and not audited again). */
export async function grantAtStart(ctx: AppContext, grants: StartupGrant[]): Promise<number> {
  let granted = 0;
  for (const g of grants) {
    const at = ctx.clock.now();
    const inserted = await ctx.db.transaction(async (tx) => {
      const key = await ensurePerson(tx, { pid: g.pid, name: g.name, level: g.level }, at);
      // A demo manager manages the default organisation's lots (issue 19), the demo's auction house, or
      // the organisation their persona names.
      const organisationId =
        g.role !== 'manager'
          ? undefined
          : g.organisation
            ? await ensureOrganisation(tx, g.organisation)
            : await defaultOrganisationId(tx);
      if (organisationId !== undefined)
        await insertManager(tx, { organisationId, pid: key, grantedBy: null, at, source: g.source });
      if (!(await insertGrant(tx, { pid: key, role: g.role, grantedBy: null, at }))) return false;
      await appendAudit(tx, {
        actorPid: null,
        action: 'role.granted',
        subject: key,
        data: { role: g.role, source: g.source },
        at,
      });
      return true;
    });
    if (inserted) granted++;
  }
  return granted;
}

export type { RoleChange };

/**
 * Sets a person's complete role set (admin included): roles not listed are revoked. An admin cannot
 * revoke their own admin role (no lock-out by mistake), nor the admin role of an ADMIN_PIDS person
 * (it would come back at the next start).
 */
export async function setRoles(
  ctx: AppContext,
  cache: PersonCache,
  actor: Person,
  idNumber: string,
  wanted: Role[],
): Promise<Result<RoleChange>> {
  const target = [...new Set(wanted)].sort();
  const pid = personKey(idNumber);
  if (!target.includes('admin') && actor.pid === pid) return refuse('own_admin_role');
  if (!target.includes('admin') && ctx.config.adminPids.includes(idNumber)) return refuse('configured_admin');
  const at = ctx.clock.now();
  const result = await ctx.db.transaction(async (tx): Promise<Result<RoleChange>> => {
    // A person not yet seen is recorded against their identification number (issue 19): the grant
    // waits for their first sign-in. Locks the person's row so concurrent changes apply one at a time.
    await ensurePerson(tx, { pid: idNumber, name: null, level: 1 }, at);
    const [locked] = await tx.select({ pid: people.pid }).from(people).where(eq(people.pid, pid)).for('update');
    const person = locked && (await findPerson(tx, pid));
    if (!person) return refuse('person_unknown');
    const current = await rolesOf(tx, pid);
    const granted: Role[] = [];
    for (const role of target.filter((r) => !current.includes(r))) {
      if (await insertGrant(tx, { pid, role, grantedBy: actor.pid, at })) granted.push(role);
    }
    const revoked = await deleteGrants(
      tx,
      pid,
      current.filter((r) => !target.includes(r)),
    );
    for (const role of granted)
      await appendAudit(tx, { actorPid: actor.pid, action: 'role.granted', subject: pid, data: { role }, at });
    // The manager role granted on its own (the v1 contract: a manager so made creates lots at once)
    // makes a person of no organisation a manager of the default one (issue 19); another organisation
    // is joined through /api/organisations/:id/managers.
    if (granted.includes('manager') && !(await managesAnyOrganisation(tx, pid))) {
      const organisationId = await defaultOrganisationId(tx);
      if (organisationId !== undefined)
        await insertManager(tx, { organisationId, pid, grantedBy: actor.pid, at, source: 'role grant' });
    }
    for (const role of revoked)
      await appendAudit(tx, { actorPid: actor.pid, action: 'role.revoked', subject: pid, data: { role }, at });
    return ok({ pid: idNumber, name: person.name, roles: ROLES.filter((r) => target.includes(r)), granted, revoked });
  });
  if (result.ok) {
    cache.invalidate(pid);
    if (result.value.granted.length || result.value.revoked.length)
      ctx.events.publish('access-changed', { kind: 'person', pid });
  }
  return result;
}

export type { RoleHolder };

/** Everyone holding at least one role, with who granted each role and when. */
export async function listRoleHolders(ctx: AppContext): Promise<RoleHolder[]> {
  const holders = new Map<string, RoleHolder>();
  const grants = await listGrants(ctx.db);
  const granters = await revealPeople(
    ctx.db,
    grants.map((g) => g.grantedBy),
  );
  for (const row of grants) {
    let h = holders.get(row.pid);
    if (!h)
      holders.set(
        row.pid,
        (h = {
          pid: row.idNumber ?? '',
          name: row.name,
          level: row.level,
          roles: [],
          signedIn: row.firstSignInAt !== null,
          regulatorScope: null,
          grants: [],
        }),
      );
    h.roles.push(row.role);
    if (row.role === 'regulator') h.regulatorScope = { province: row.scopeProvince };
    h.grants.push({
      role: row.role,
      grantedBy: row.grantedBy && (granters.get(row.grantedBy)?.pid ?? null),
      grantedAt: row.grantedAt.toISOString(),
    });
  }
  return [...holders.values()];
}
