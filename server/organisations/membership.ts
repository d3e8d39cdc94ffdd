// An organisation's managers as rows (issue 19): adding one (on conflict, nothing) and the default
// organisation that existing data migrated into (db/migrations/0013_organisations.sql). Below the
// identity domain's start-up grants and the organisations' service, which both add managers.
import { and, asc, eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { organisationManagers, organisations } from '../../db/schema.ts';
import type { ProvinceId } from '../auctions/provinces.ts';
import { appendAudit } from '../audit/audit-log.ts';

/** The organisation that existing lots and managers migrated into: the first one. */
export async function defaultOrganisationId(q: Db | Tx): Promise<number | undefined> {
  const [row] = await q.select({ id: organisations.id }).from(organisations).orderBy(asc(organisations.id)).limit(1);
  return row?.id;
}

/** The organisation with this tax code, created if there is none (a start-up grant's organisation). */
export async function ensureOrganisation(
  tx: Tx,
  org: { name: string; licenceNumber: string; taxCode: string; province: ProvinceId },
): Promise<number> {
  await tx.insert(organisations).values(org).onConflictDoNothing();
  const [row] = await tx
    .select({ id: organisations.id })
    .from(organisations)
    .where(eq(organisations.taxCode, org.taxCode));
  return row.id;
}

/** Whether `pid` (a person key) is a manager of any organisation. */
export async function managesAnyOrganisation(q: Db | Tx, pid: string): Promise<boolean> {
  const [row] = await q
    .select({ id: organisationManagers.organisationId })
    .from(organisationManagers)
    .where(eq(organisationManagers.pid, pid))
    .limit(1);
  return row !== undefined;
}

/**
 * Makes `pid` (a person key) a manager of the organisation, audited (`organisation.manager_added`, with what led to
 * it when not an admin's own act); true when they were not one before (nothing is written otherwise).
 */
export async function insertManager(
  tx: Tx,
  m: { organisationId: number; pid: string; grantedBy: string | null; at: Date; source?: string },
): Promise<boolean> {
  const rows = await tx
    .insert(organisationManagers)
    .values({ organisationId: m.organisationId, pid: m.pid, grantedBy: m.grantedBy, grantedAt: m.at })
    .onConflictDoNothing()
    .returning({ pid: organisationManagers.pid });
  if (rows.length === 0) return false;
  await appendAudit(tx, {
    actorPid: m.grantedBy,
    action: 'organisation.manager_added',
    subject: m.pid,
    data: { organisationId: m.organisationId, ...(m.source ? { source: m.source } : {}) },
    at: m.at,
  });
  return true;
}

/** Removes `pid` (a person key) from the organisation's managers; true when they were one. */
export async function deleteManager(q: Db | Tx, organisationId: number, pid: string): Promise<boolean> {
  const rows = await q
    .delete(organisationManagers)
    .where(and(eq(organisationManagers.organisationId, organisationId), eq(organisationManagers.pid, pid)))
    .returning({ pid: organisationManagers.pid });
  return rows.length > 0;
}
