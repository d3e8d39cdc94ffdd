// Queries for people and their role grants.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { people, roleGrants, type Role } from '../../db/schema.ts';
import type { Level } from './person.ts';

/** Records (or refreshes) a person seen with a verified token, and returns their roles. */
export async function upsertPersonAndLoadRoles(db: Db, person: { pid: string; name: string | null; level: Level }, at: Date): Promise<Role[]> {
  await db
    .insert(people)
    .values({ pid: person.pid, name: person.name, level: person.level, createdAt: at, lastSeenAt: at })
    .onConflictDoUpdate({ target: people.pid, set: { name: sql`coalesce(excluded.name, ${people.name})`, level: person.level, lastSeenAt: at } });
  return rolesOf(db, person.pid);
}

export async function rolesOf(db: Db, pid: string): Promise<Role[]> {
  const rows = await db.select({ role: roleGrants.role }).from(roleGrants).where(eq(roleGrants.pid, pid));
  return rows.map((r) => r.role).sort();
}
