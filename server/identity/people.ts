// Queries for people and their role grants.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { resultRows, type Db, type Tx } from '../../db/client.ts';
import { people, regulatorScopes, roleGrants, type Role } from '../../db/schema.ts';
import type { ProvinceId } from '../auctions/provinces.ts';
import { NO_ACCESS, type Access, type Level } from './person.ts';

/** Records (or refreshes) a person seen with a verified token, and returns what they may do. */
export async function upsertPersonAndLoadAccess(
  db: Db,
  person: { pid: string; name: string | null; level: Level },
  at: Date,
): Promise<Access> {
  await upsertPerson(db, person, at);
  return accessOf(db, person.pid, person.level);
}

/**
 * A person's roles, the organisations they manage and, for a regulator, their scope, in one query.
 * Staff sign in with e-ID level 2 (issue 19): below it, a person holds none of it (their grants wait).
 */
export async function accessOf(db: Db | Tx, pid: string, level: Level): Promise<Access> {
  if (level < 2) return NO_ACCESS;
  const [row] = resultRows<{
    roles: Role[] | null;
    organisations: number[] | null;
    province: ProvinceId | null;
    scoped: number[] | null;
  }>(
    await db.execute(sql`
      select
        (select json_agg(g.role order by g.role) from role_grants g where g.pid = ${pid}) as roles,
        (select json_agg(m.organisation_id order by m.organisation_id)
           from organisation_managers m where m.pid = ${pid}) as organisations,
        s.province,
        (select json_agg(o.id order by o.id) from organisations o where o.province = s.province) as scoped
      from (select 1) as one
      left join regulator_scopes s on s.pid = ${pid}`),
  );
  const roles = row?.roles ?? [];
  return {
    roles,
    organisations: row?.organisations ?? [],
    scope:
      roles.includes('regulator') && row?.province ? { province: row.province, organisations: row.scoped ?? [] } : null,
  };
}

export async function upsertPerson(
  db: Db | Tx,
  person: { pid: string; name: string | null; level: Level },
  at: Date,
): Promise<void> {
  await db
    .insert(people)
    .values({
      pid: person.pid,
      name: person.name,
      level: person.level,
      createdAt: at,
      lastSeenAt: at,
      firstSignInAt: at,
    })
    .onConflictDoUpdate({
      target: people.pid,
      set: {
        name: sql`coalesce(excluded.name, ${people.name})`,
        level: person.level,
        lastSeenAt: at,
        // A person granted a role or membership before their first sign-in (issue 19) signs in now.
        firstSignInAt: sql`coalesce(${people.firstSignInAt}, excluded.first_sign_in_at)`,
      },
    });
}

/** Records the address notices are e-mailed to, when the person has none yet (an e-ID token's email claim). */
export async function adoptEmail(db: Db | Tx, pid: string, email: string): Promise<void> {
  await db
    .update(people)
    .set({ email })
    .where(and(eq(people.pid, pid), isNull(people.email)));
}

/**
 * Makes sure a person row exists (for a grant to someone not yet seen: the grant waits against their
 * identification number, first_sign_in_at null, until they sign in), without changing one that does.
 */
export async function ensurePerson(
  db: Db | Tx,
  person: { pid: string; name: string | null; level: Level },
  at: Date,
): Promise<void> {
  await db
    .insert(people)
    .values({ pid: person.pid, name: person.name, level: person.level, createdAt: at, lastSeenAt: at })
    .onConflictDoNothing();
}

export async function findPerson(
  db: Db | Tx,
  pid: string,
): Promise<{ pid: string; name: string | null; level: number } | undefined> {
  const [row] = await db
    .select({ pid: people.pid, name: people.name, level: people.level })
    .from(people)
    .where(eq(people.pid, pid));
  return row;
}

export async function rolesOf(db: Db | Tx, pid: string): Promise<Role[]> {
  const rows = await db.select({ role: roleGrants.role }).from(roleGrants).where(eq(roleGrants.pid, pid));
  return rows.map((r) => r.role).sort();
}

/** Grants a role; true when it was not held before. */
export async function insertGrant(
  db: Db | Tx,
  grant: { pid: string; role: Role; grantedBy: string | null; at: Date },
): Promise<boolean> {
  const rows = await db
    .insert(roleGrants)
    .values({ pid: grant.pid, role: grant.role, grantedBy: grant.grantedBy, grantedAt: grant.at })
    .onConflictDoNothing()
    .returning({ pid: roleGrants.pid });
  return rows.length > 0;
}

/** Revokes roles; returns the roles that were actually held. */
export async function deleteGrants(db: Db | Tx, pid: string, roles: Role[]): Promise<Role[]> {
  if (!roles.length) return [];
  const rows = await db
    .delete(roleGrants)
    .where(and(eq(roleGrants.pid, pid), inArray(roleGrants.role, roles)))
    .returning({ role: roleGrants.role });
  return rows.map((r) => r.role);
}

export interface GrantRow {
  pid: string;
  name: string | null;
  level: number;
  firstSignInAt: Date | null;
  scopeProvince: ProvinceId | null;
  role: Role;
  grantedBy: string | null;
  grantedAt: Date;
}

export async function listGrants(db: Db): Promise<GrantRow[]> {
  return db
    .select({
      pid: roleGrants.pid,
      name: people.name,
      level: people.level,
      firstSignInAt: people.firstSignInAt,
      scopeProvince: regulatorScopes.province,
      role: roleGrants.role,
      grantedBy: roleGrants.grantedBy,
      grantedAt: roleGrants.grantedAt,
    })
    .from(roleGrants)
    .innerJoin(people, eq(people.pid, roleGrants.pid))
    .leftJoin(regulatorScopes, eq(regulatorScopes.pid, roleGrants.pid))
    .orderBy(asc(roleGrants.pid), asc(roleGrants.role));
}
