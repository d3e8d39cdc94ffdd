// Organisations that bid (issue 19): an organisation registers for a lot through a person who acts
// for it, by the claims of that person's e-ID token (authority `eid`) or by an authorisation document
// the lot's manager approves (authority `document`). This module keeps the organisations by their
// e-ID identifier, who is known to act for which (what relatedness flags are computed from), and who
// may act for an organisation's registration now.
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import {
  bidderOrganisations,
  organisationRepresentatives,
  registrationActors,
  registrations,
  type AuthoritySource,
  type OrganisationRole,
} from '../../db/schema.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { actorFacts } from '../audit/chained-facts.ts';
import { keyOf } from '../privacy/personal-data.ts';

export type BidderOrganisationRow = typeof bidderOrganisations.$inferSelect;

/**
 * The organisation with this identifier, created if new. A name from e-ID claims (`source: 'eid'`)
 * replaces the stored one, the issuer being authoritative; a name typed beside a document does not.
 */
export async function ensureBidderOrganisation(
  tx: Tx,
  org: { identifier: string; name: string },
  source: AuthoritySource,
  now: Date,
): Promise<BidderOrganisationRow> {
  const inserted = await tx
    .insert(bidderOrganisations)
    .values({ identifier: org.identifier, name: org.name, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (inserted[0]) return inserted[0];
  const where = eq(bidderOrganisations.identifier, org.identifier);
  if (source === 'eid') {
    const [renamed] = await tx
      .update(bidderOrganisations)
      .set({ name: org.name, updatedAt: now })
      .where(and(where, sql`${bidderOrganisations.name} <> ${org.name}`))
      .returning();
    if (renamed) return renamed;
  }
  const [row] = await tx.select().from(bidderOrganisations).where(where);
  return row;
}

/** Records that the person acts for the organisation in the role (first seen, or seen again). */
export async function noteRepresentative(
  tx: Tx,
  link: { organisationId: number; pid: string; role: OrganisationRole; source: AuthoritySource },
  now: Date,
): Promise<void> {
  await tx
    .insert(organisationRepresentatives)
    .values({
      bidderOrganisationId: link.organisationId,
      pid: link.pid,
      role: link.role,
      source: link.source,
      firstSeenAt: now,
      lastSeenAt: now,
    })
    .onConflictDoUpdate({
      target: [organisationRepresentatives.bidderOrganisationId, organisationRepresentatives.pid],
      set: { role: link.role, source: link.source, lastSeenAt: now },
    });
}

/** Records the organisation the person's e-ID says they act for, if it says one (at any registration). */
export async function noteClaimedOrganisation(
  tx: Tx,
  person: Person,
  now: Date,
): Promise<BidderOrganisationRow | undefined> {
  const claim = person.level === 2 ? person.representing : undefined;
  if (!claim) return undefined;
  const org = await ensureBidderOrganisation(tx, claim, 'eid', now);
  await noteRepresentative(tx, { organisationId: org.id, pid: person.pid, role: claim.role, source: 'eid' }, now);
  return org;
}

/** An organisation's registration, as far as who may act for it. */
export interface OrganisationSeat {
  pid: string;
  /** The organisation's e-ID identifier. */
  organisation: string;
  actingRole: OrganisationRole;
  authority: AuthoritySource;
}

/**
 * How the person may act for an organisation's registration now, if they may: the person who
 * registered (by either authority), or another person whose e-ID token says they act for that
 * organisation (a registration by e-ID authority only: a document authorises the one person it names).
 */
export function actingAuthority(
  person: Person,
  seat: OrganisationSeat,
): { role: OrganisationRole; authority: AuthoritySource } | undefined {
  const claim =
    person.level === 2 && person.representing?.identifier === seat.organisation ? person.representing : undefined;
  if (seat.pid === person.pid) {
    if (seat.authority === 'document') return { role: seat.actingRole, authority: 'document' };
    return claim ? { role: claim.role, authority: 'eid' } : undefined;
  }
  if (seat.authority === 'eid' && claim) return { role: claim.role, authority: 'eid' };
  return undefined;
}

/**
 * The acting person's number within an organisation's registration, numbered at their first act and
 * chained then (registration.actor_added): the sealed bids' counterpart of the bid batch's numbering.
 * Under the lot's lock.
 */
export async function recordActor(
  tx: Tx,
  registration: { id: number; lotId: number; bidderCode: string; pid: string; seat: Omit<OrganisationSeat, 'pid'> },
  person: Person,
  at: Date,
): Promise<number> {
  const actors = await tx
    .select({ actorNo: registrationActors.actorNo, pid: registrationActors.pid })
    .from(registrationActors)
    .where(eq(registrationActors.registrationId, registration.id));
  const known = actors.find((a) => a.pid === person.pid);
  if (known) return known.actorNo;
  const authority = actingAuthority(person, { pid: registration.pid, ...registration.seat });
  if (!authority) throw new Error(`registration ${registration.id}: an actor without authority`);
  const actorNo = Math.max(0, ...actors.map((a) => a.actorNo)) + 1;
  await tx
    .insert(registrationActors)
    .values({ registrationId: registration.id, actorNo, pid: person.pid, ...authority, firstActedAt: at });
  await appendAudit(tx, {
    actorPid: person.pid,
    action: 'registration.actor_added',
    lotId: registration.lotId,
    subject: String(registration.id),
    at,
    data: actorFacts({
      bidderCode: registration.bidderCode,
      actorNo,
      personHash: keyOf(person.pid),
      ...authority,
    }),
  });
  return actorNo;
}

/** The chained facts of an organisation's registration (issue 19): undefined for a person's own. */
export async function registrantOrganisationFacts(
  tx: Tx,
  r: Pick<typeof registrations.$inferSelect, 'bidderOrganisationId' | 'actingRole' | 'authority'>,
): Promise<{ identifier: string; role: OrganisationRole; authority: AuthoritySource } | undefined> {
  if (r.bidderOrganisationId === null || !r.actingRole || !r.authority) return undefined;
  const [org] = await tx
    .select({ identifier: bidderOrganisations.identifier })
    .from(bidderOrganisations)
    .where(eq(bidderOrganisations.id, r.bidderOrganisationId));
  return { identifier: org.identifier, role: r.actingRole, authority: r.authority };
}
