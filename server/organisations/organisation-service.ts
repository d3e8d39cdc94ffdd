// Auction organisations as tenants (issue 19): admins create and edit them and add and remove their
// managers; a manager added before their first sign-in is recorded against their identification
// number and holds the membership from that sign-in on. Adding a manager also grants the platform's
// `manager` role (the capability), and the membership says whose lots they manage. A regulator's
// scope (a province's organisations, or the whole country) is set by admins. Every change is one
// transaction with its audit entry; the person's cached access is dropped and their open sockets are
// told (access-changed), as role changes do.
import { asc, eq, inArray } from 'drizzle-orm';
import { organisationManagers, organisations, people, regulatorScopes } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import type { PersonCache } from '../identity/authenticate.ts';
import { ensurePerson, insertGrant, rolesOf } from '../identity/people.ts';
import { openPersonRow, personKey, revealPeople } from '../privacy/personal-data.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { errorCodes } from '../shared/unavailable.ts';
import { isRowId } from '../shared/validation.ts';
import { deleteManager, insertManager } from './membership.ts';
import type {
  CreateOrganisationInput,
  Organisation,
  OrganisationManager,
  RegulatorScopeInput,
  UpdateOrganisationInput,
} from './organisation-schemas.ts';

type OrganisationRow = typeof organisations.$inferSelect;

const view = (r: OrganisationRow): Organisation => ({
  id: r.id,
  name: r.name,
  licenceNumber: r.licenceNumber,
  taxCode: r.taxCode,
  province: r.province,
  bankAccount: r.bankAccount ?? null,
  createdAt: r.createdAt.toISOString(),
});

/** Which unique field a violation names (the constraint's name), for a clear 409. */
const duplicateOf = (err: unknown): Result<never> | undefined => {
  if (!errorCodes(err).includes('23505')) return undefined;
  return refuse('organisation_exists', { field: String(err).includes('tax_code') ? 'taxCode' : 'licenceNumber' });
};

export async function listOrganisations(ctx: AppContext, ids?: number[]): Promise<Organisation[]> {
  const rows = await ctx.db
    .select()
    .from(organisations)
    .where(ids ? inArray(organisations.id, ids.length ? ids : [0]) : undefined)
    .orderBy(asc(organisations.id));
  return rows.map(view);
}

export async function getOrganisation(ctx: AppContext, id: number): Promise<Result<Organisation>> {
  const [row] = isRowId(id) ? await ctx.db.select().from(organisations).where(eq(organisations.id, id)) : [];
  return row ? ok(view(row)) : refuse('organisation_not_found');
}

export async function createOrganisation(
  ctx: AppContext,
  admin: Person,
  input: CreateOrganisationInput,
): Promise<Result<Organisation>> {
  const at = ctx.clock.now();
  try {
    return await ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(organisations)
        .values({ ...input, bankAccount: input.bankAccount ?? null, createdBy: admin.pid, createdAt: at })
        .returning();
      await appendAudit(tx, {
        actorPid: admin.pid,
        action: 'organisation.created',
        subject: String(row.id),
        data: { name: row.name, licenceNumber: row.licenceNumber, taxCode: row.taxCode, province: row.province },
        at,
      });
      return ok(view(row));
    });
  } catch (err) {
    const duplicate = duplicateOf(err);
    if (duplicate) return duplicate;
    throw err;
  }
}

export async function updateOrganisation(
  ctx: AppContext,
  cache: PersonCache,
  admin: Person,
  id: number,
  input: UpdateOrganisationInput,
): Promise<Result<Organisation>> {
  const at = ctx.clock.now();
  let provinceChanged = false;
  try {
    const result = await ctx.db.transaction(async (tx): Promise<Result<Organisation>> => {
      const [before] = isRowId(id)
        ? await tx.select().from(organisations).where(eq(organisations.id, id)).for('update')
        : [];
      if (!before) return refuse('organisation_not_found');
      if (Object.keys(input).length === 0) return ok(view(before));
      const [row] = await tx.update(organisations).set(input).where(eq(organisations.id, id)).returning();
      provinceChanged = before.province !== row.province;
      await appendAudit(tx, {
        actorPid: admin.pid,
        action: 'organisation.updated',
        subject: String(id),
        data: { changed: Object.keys(input).sort() },
        at,
      });
      return ok(view(row));
    });
    // Regulators scoped by province see the organisation move with the next read of their access.
    if (result.ok && provinceChanged) cache.clear();
    return result;
  } catch (err) {
    const duplicate = duplicateOf(err);
    if (duplicate) return duplicate;
    throw err;
  }
}

/** Whether `person` may read an organisation's managers: admins, and the organisation's own managers. */
function mayReadManagers(person: Person, organisationId: number): Result<Person> {
  if (person.roles.includes('admin')) return ok(person);
  if (person.roles.includes('manager') && person.organisations.includes(organisationId)) return ok(person);
  return refuse('not_organisation_manager', { organisationId });
}

export async function listManagers(
  ctx: AppContext,
  person: Person,
  organisationId: number,
): Promise<Result<{ organisationId: number; items: OrganisationManager[] }>> {
  const org = await getOrganisation(ctx, organisationId);
  if (!org.ok) return org;
  const allowed = mayReadManagers(person, organisationId);
  if (!allowed.ok) return allowed;
  const rows = await ctx.db
    .select({
      pid: organisationManagers.pid,
      dataKey: people.dataKey,
      sealedPid: people.sealedPid,
      sealedName: people.sealedName,
      grantedBy: organisationManagers.grantedBy,
      grantedAt: organisationManagers.grantedAt,
      firstSignInAt: people.firstSignInAt,
    })
    .from(organisationManagers)
    .innerJoin(people, eq(people.pid, organisationManagers.pid))
    .where(eq(organisationManagers.organisationId, organisationId))
    .orderBy(asc(organisationManagers.grantedAt));
  const granters = await revealPeople(
    ctx.db,
    rows.map((r) => r.grantedBy),
  );
  // The managers' numbers and names opened from their rows ('' and null once shredded), oldest
  // grant first, then by number (the keys' order would tell nothing).
  const items = rows
    .map((r) => {
      const who = openPersonRow(r);
      return {
        pid: who.pid ?? '',
        name: who.name,
        grantedBy: r.grantedBy === null ? null : (granters.get(r.grantedBy)?.pid ?? null),
        grantedAt: r.grantedAt.toISOString(),
        signedIn: r.firstSignInAt !== null,
      };
    })
    .sort((a, b) => a.grantedAt.localeCompare(b.grantedAt) || a.pid.localeCompare(b.pid));
  return ok({ organisationId, items });
}

function accessChanged(ctx: AppContext, cache: PersonCache, pid: string): void {
  cache.invalidate(pid);
  ctx.events.publish('access-changed', { kind: 'person', pid });
}

/**
 * Makes `pid` a manager of the organisation (admin), granting the `manager` role if they lack it. The
 * person need not have signed in yet: the membership waits against their identification number.
 */
export async function addManager(
  ctx: AppContext,
  cache: PersonCache,
  admin: Person,
  organisationId: number,
  idNumber: string,
): Promise<Result<{ organisationId: number; items: OrganisationManager[] }>> {
  const org = await getOrganisation(ctx, organisationId);
  if (!org.ok) return org;
  const at = ctx.clock.now();
  const pid = personKey(idNumber);
  const changed = await ctx.db.transaction(async (tx) => {
    await ensurePerson(tx, { pid: idNumber, name: null, level: 1 }, at);
    let any = false;
    if (
      !(await rolesOf(tx, pid)).includes('manager') &&
      (await insertGrant(tx, { pid, role: 'manager', grantedBy: admin.pid, at }))
    ) {
      any = true;
      await appendAudit(tx, {
        actorPid: admin.pid,
        action: 'role.granted',
        subject: pid,
        data: { role: 'manager' },
        at,
      });
    }
    return (await insertManager(tx, { organisationId, pid, grantedBy: admin.pid, at })) || any;
  });
  if (changed) accessChanged(ctx, cache, pid);
  return listManagers(ctx, admin, organisationId);
}

/** Removes `pid` from the organisation's managers (admin); their `manager` role stays for their other organisations. */
export async function removeManager(
  ctx: AppContext,
  cache: PersonCache,
  admin: Person,
  organisationId: number,
  idNumber: string,
): Promise<Result<{ organisationId: number; items: OrganisationManager[] }>> {
  const org = await getOrganisation(ctx, organisationId);
  if (!org.ok) return org;
  const at = ctx.clock.now();
  const pid = personKey(idNumber);
  const removed = await ctx.db.transaction(async (tx) => {
    if (!(await deleteManager(tx, organisationId, pid))) return false;
    await appendAudit(tx, {
      actorPid: admin.pid,
      action: 'organisation.manager_removed',
      subject: pid,
      data: { organisationId },
      at,
    });
    return true;
  });
  if (!removed) return refuse('not_a_manager_of_it');
  accessChanged(ctx, cache, pid);
  return listManagers(ctx, admin, organisationId);
}

/**
 * Sets a regulator's scope (admin): a province's organisations, or the whole country (null). May be
 * set before the person is a regulator or has signed in; it applies while they hold the role.
 */
export async function setRegulatorScope(
  ctx: AppContext,
  cache: PersonCache,
  admin: Person,
  idNumber: string,
  input: RegulatorScopeInput,
): Promise<Result<{ pid: string; province: RegulatorScopeInput['province'] }>> {
  const at = ctx.clock.now();
  const pid = personKey(idNumber);
  await ctx.db.transaction(async (tx) => {
    await ensurePerson(tx, { pid: idNumber, name: null, level: 1 }, at);
    const [before] = await tx.select().from(regulatorScopes).where(eq(regulatorScopes.pid, pid)).for('update');
    if ((before?.province ?? null) === input.province) return;
    if (input.province === null) await tx.delete(regulatorScopes).where(eq(regulatorScopes.pid, pid));
    else
      await tx
        .insert(regulatorScopes)
        .values({ pid, province: input.province, setBy: admin.pid, setAt: at })
        .onConflictDoUpdate({
          target: regulatorScopes.pid,
          set: { province: input.province, setBy: admin.pid, setAt: at },
        });
    await appendAudit(tx, {
      actorPid: admin.pid,
      action: 'regulator.scope_set',
      subject: pid,
      data: { province: input.province, before: before?.province ?? null },
      at,
    });
  });
  accessChanged(ctx, cache, pid);
  return ok({ pid: idNumber, province: input.province });
}
