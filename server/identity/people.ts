// Queries for people and their role grants.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { resultRows, type Db, type Tx } from '../../db/client.ts';
import { people, regulatorScopes, roleGrants, type Role } from '../../db/schema.ts';
import type { ProvinceId } from '../auctions/provinces.ts';
import { openPersonRow, personKey, sealedIdentityColumns, sealPerson } from '../privacy/personal-data.ts';
import { NO_ACCESS, type Access, type Level } from './person.ts';

/**
 * Records (or refreshes) a person seen with a verified token, and returns what they may do. `who.pid`
 * is the person key; `idNumber` the 12 digits the token gave, sealed into their row.
 */
export async function upsertPersonAndLoadAccess(
  db: Db,
  who: { pid: string; idNumber: string; name: string | null; level: Level },
  at: Date,
): Promise<Access> {
  await upsertPerson(db, { pid: who.idNumber, name: who.name, level: who.level }, at);
  return accessOf(db, who.pid, who.level);
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

/**
 * Records a person signing in: their row under their person key, with their identification number
 * and name sealed under their data key (server/privacy/personal-data.ts). `person.pid` is the 12
 * digits; returns the person key. A name the provider did not give keeps the one sealed before.
 */
export async function upsertPerson(
  db: Db | Tx,
  person: { pid: string; name: string | null; level: Level },
  at: Date,
): Promise<string> {
  const key = personKey(person.pid);
  const [existing] = await db.select({ dataKey: people.dataKey }).from(people).where(eq(people.pid, key));
  const sealed = sealPerson(person, existing?.dataKey ?? null);
  // Two first sign-ins at once each seal under a data key of their own: the row keeps the first
  // key written and what was sealed under it (the other's name is sealed again at the next sign-in).
  const sameKey = sql`(${people.dataKey} is null or ${people.dataKey} = excluded.data_key)`;
  await db
    .insert(people)
    .values({ ...sealed, level: person.level, createdAt: at, lastSeenAt: at, firstSignInAt: at })
    .onConflictDoUpdate({
      target: people.pid,
      set: {
        dataKey: sql`case when ${sameKey} then excluded.data_key else ${people.dataKey} end`,
        sealedPid: sql`case when ${sameKey} then excluded.sealed_pid else ${people.sealedPid} end`,
        sealedName: sql`case when ${sameKey} then coalesce(excluded.sealed_name, ${people.sealedName}) else ${people.sealedName} end`,
        level: person.level,
        lastSeenAt: at,
        // A person granted a role or membership before their first sign-in (issue 19) signs in now.
        firstSignInAt: sql`coalesce(${people.firstSignInAt}, excluded.first_sign_in_at)`,
      },
    });
  return key;
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
 * identification number, first_sign_in_at null, until they sign in; or someone an exclusion names),
 * without changing one that does. `person.pid` is the 12 digits; returns the person key.
 */
export async function ensurePerson(
  db: Db | Tx,
  person: { pid: string; name: string | null; level: Level },
  at: Date,
): Promise<string> {
  const sealed = sealPerson(person);
  await db
    .insert(people)
    .values({ ...sealed, level: person.level, createdAt: at, lastSeenAt: at })
    .onConflictDoUpdate({
      // A row whose data key was destroyed (shredded) gets its number sealed again: someone named now.
      target: people.pid,
      set: { dataKey: sealed.dataKey, sealedPid: sealed.sealedPid, sealedName: sealed.sealedName },
      setWhere: sql`${people.dataKey} is null`,
    });
  return sealed.pid;
}

/** A person by their key, with their identity opened (null fields once shredded). */
export async function findPerson(
  db: Db | Tx,
  key: string,
): Promise<{ pid: string; idNumber: string | null; name: string | null; level: number } | undefined> {
  const [row] = await db
    .select({
      pid: people.pid,
      ...sealedIdentityColumns,
      level: people.level,
    })
    .from(people)
    .where(eq(people.pid, key));
  if (!row) return undefined;
  const open = openPersonRow(row);
  return { pid: row.pid, idNumber: open.pid, name: open.name, level: row.level };
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
  /** The person key. */
  pid: string;
  /** Their identification number and name, opened. */
  idNumber: string | null;
  name: string | null;
  level: number;
  firstSignInAt: Date | null;
  scopeProvince: ProvinceId | null;
  role: Role;
  grantedBy: string | null;
  grantedAt: Date;
}

export async function listGrants(db: Db): Promise<GrantRow[]> {
  const rows = await db
    .select({
      pid: roleGrants.pid,
      ...sealedIdentityColumns,
      level: people.level,
      firstSignInAt: people.firstSignInAt,
      scopeProvince: regulatorScopes.province,
      role: roleGrants.role,
      grantedBy: roleGrants.grantedBy,
      grantedAt: roleGrants.grantedAt,
    })
    .from(roleGrants)
    .innerJoin(people, eq(people.pid, roleGrants.pid))
    .leftJoin(regulatorScopes, eq(regulatorScopes.pid, roleGrants.pid));
  return rows
    .map(({ dataKey, sealedPid, sealedName, ...r }) => {
      const open = openPersonRow({ pid: r.pid, dataKey, sealedPid, sealedName });
      return { ...r, idNumber: open.pid, name: open.name };
    })
    .sort((a, b) => (a.idNumber ?? a.pid).localeCompare(b.idNumber ?? b.pid) || a.role.localeCompare(b.role));
}
