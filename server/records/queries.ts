// Database reads for auction records and exports. Exports page with keyset queries (id > last id,
// a bounded page size) so a year of lots or of audit events is read one page at a time, never whole.
import { shedBidsOf, type ShedRow } from '../bidding/shed-reads.ts';
import { and, asc, eq, gt, gte, inArray, lt, lte, max, min, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import {
  auditEvents,
  bidderOrganisations,
  ledgerEntries,
  lots,
  registrationActors,
  registrations,
  sealedBids,
  type AuthorisationState,
  type AuthoritySource,
  type NoShowState,
  type OrganisationRole,
} from '../../db/schema.ts';
import { ENDED_STATUSES } from '../auctions/rules/index.ts';
import { isPersonSubject } from '../audit/audit-log.ts';
import { isPersonKey, revealPeople, type RevealedPerson } from '../privacy/personal-data.ts';

export type LotRow = typeof lots.$inferSelect;
export type EntryRow = Pick<
  typeof ledgerEntries.$inferSelect,
  | 'lotId'
  | 'seq'
  | 'kind'
  | 'amount'
  | 'bidderCode'
  | 'placedAt'
  | 'withdrawsSeq'
  | 'commitment'
  | 'salt'
  | 'actorNo'
  | 'prevHash'
  | 'hash'
>;
/** A sealed bid as the record lists it: never its JWE (the amount stays sealed in the database). */
export type SealedBidRow = Pick<
  typeof sealedBids.$inferSelect,
  'lotId' | 'round' | 'bidderCode' | 'commitment' | 'submittedAt' | 'replacedAt' | 'revealedSeq'
>;
export type AuditRow = typeof auditEvents.$inferSelect;

export interface RegistrationRow {
  id: number;
  lotId: number;
  /** The registrant's person key (what the database and the chain hold). */
  pid: string;
  bidderCode: string;
  status: string;
  depositState: string;
  rulesVersion: number;
  rulesAcceptedAt: Date;
  createdAt: Date;
  approvedAt: Date | null;
  approvedBy: string | null;
  /** Attendance (issue 18): first and last presence in the bidding window, and the no-show state. */
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
  noShow: NoShowState | null;
  /** An organisation's registration (issue 19): the organisation and the registering person's authority. */
  organisation: {
    identifier: string;
    name: string;
    role: OrganisationRole;
    authority: AuthoritySource;
    authorisation: AuthorisationState;
  } | null;
}

/** A person who acted for an organisation's registration (issue 19). */
export interface ActorRow {
  registrationId: number;
  actorNo: number;
  /** The person key. */
  pid: string;
  role: OrganisationRole;
  authority: AuthoritySource;
  firstActedAt: Date;
}

/** Everything a record needs besides the lot row, for a set of lots (loaded together per page). */
export interface LotDetails {
  registrations: RegistrationRow[];
  entries: EntryRow[];
  events: AuditRow[];
  /** Bids the platform refused for its own reasons (overload, database outage), per minute and reason. */
  shed: ShedRow[];
  /** A sealed lot's sealed bids, replaced ones included, in submission order. */
  sealedBids: SealedBidRow[];
  /** The people who acted for organisations' registrations (issue 19), by registration then number. */
  actors: ActorRow[];
  /**
   * The identities behind the person keys the record shows (registrants, actors, approvers, event
   * actors and person subjects, the lot's manager), revealed in one batch for the page of lots.
   */
  people: Map<string, RevealedPerson>;
}

export async function findLot(db: Db, lotId: number): Promise<LotRow | undefined> {
  const [row] = await db.select().from(lots).where(eq(lots.id, lotId)).limit(1);
  return row;
}

/** Registrations, ledger entries and audit events of these lots, grouped by lot, each in order. */
export async function loadDetails(db: Db, lotIds: number[]): Promise<Map<number, LotDetails>> {
  const out = new Map<number, LotDetails>();
  const people = new Map<string, RevealedPerson>();
  for (const id of lotIds)
    out.set(id, { registrations: [], entries: [], events: [], shed: [], sealedBids: [], actors: [], people });
  if (lotIds.length === 0) return out;
  const regs = await db
    .select({
      id: registrations.id,
      lotId: registrations.lotId,
      pid: registrations.pid,
      bidderCode: registrations.bidderCode,
      status: registrations.status,
      depositState: registrations.depositState,
      rulesVersion: registrations.rulesVersion,
      rulesAcceptedAt: registrations.rulesAcceptedAt,
      createdAt: registrations.createdAt,
      approvedAt: registrations.approvedAt,
      approvedBy: registrations.approvedBy,
      firstSeenAt: registrations.firstSeenAt,
      lastSeenAt: registrations.lastSeenAt,
      noShow: registrations.noShow,
      organisationIdentifier: bidderOrganisations.identifier,
      organisationName: bidderOrganisations.name,
      actingRole: registrations.actingRole,
      authority: registrations.authority,
      authorisation: registrations.authorisation,
    })
    .from(registrations)
    .leftJoin(bidderOrganisations, eq(bidderOrganisations.id, registrations.bidderOrganisationId))
    .where(inArray(registrations.lotId, lotIds))
    .orderBy(asc(registrations.lotId), asc(registrations.id));
  for (const { organisationIdentifier, organisationName, actingRole, authority, authorisation, ...r } of regs)
    out.get(r.lotId)!.registrations.push({
      ...r,
      organisation:
        organisationIdentifier !== null && organisationName !== null && actingRole && authority && authorisation
          ? { identifier: organisationIdentifier, name: organisationName, role: actingRole, authority, authorisation }
          : null,
    });
  const actors = await db
    .select({
      lotId: registrations.lotId,
      registrationId: registrationActors.registrationId,
      actorNo: registrationActors.actorNo,
      pid: registrationActors.pid,
      role: registrationActors.role,
      authority: registrationActors.authority,
      firstActedAt: registrationActors.firstActedAt,
    })
    .from(registrationActors)
    .innerJoin(registrations, eq(registrations.id, registrationActors.registrationId))
    .where(inArray(registrations.lotId, lotIds))
    .orderBy(asc(registrationActors.registrationId), asc(registrationActors.actorNo));
  for (const { lotId, ...a } of actors) out.get(lotId)!.actors.push(a);
  const entries = await db
    .select({
      lotId: ledgerEntries.lotId,
      seq: ledgerEntries.seq,
      kind: ledgerEntries.kind,
      amount: ledgerEntries.amount,
      bidderCode: ledgerEntries.bidderCode,
      placedAt: ledgerEntries.placedAt,
      withdrawsSeq: ledgerEntries.withdrawsSeq,
      commitment: ledgerEntries.commitment,
      salt: ledgerEntries.salt,
      actorNo: ledgerEntries.actorNo,
      prevHash: ledgerEntries.prevHash,
      hash: ledgerEntries.hash,
    })
    .from(ledgerEntries)
    .where(inArray(ledgerEntries.lotId, lotIds))
    .orderBy(asc(ledgerEntries.lotId), asc(ledgerEntries.seq));
  for (const e of entries) out.get(e.lotId)!.entries.push(e);
  const events = await db
    .select()
    .from(auditEvents)
    .where(inArray(auditEvents.lotId, lotIds))
    .orderBy(asc(auditEvents.id));
  for (const e of events) out.get(e.lotId!)?.events.push(e);
  for (const row of await shedBidsOf(db, lotIds)) out.get(row.lotId)?.shed.push(row);
  const sealed = await db
    .select({
      lotId: sealedBids.lotId,
      round: sealedBids.round,
      bidderCode: sealedBids.bidderCode,
      commitment: sealedBids.commitment,
      submittedAt: sealedBids.submittedAt,
      replacedAt: sealedBids.replacedAt,
      revealedSeq: sealedBids.revealedSeq,
    })
    .from(sealedBids)
    .where(inArray(sealedBids.lotId, lotIds))
    .orderBy(asc(sealedBids.lotId), asc(sealedBids.submittedAt), asc(sealedBids.id));
  for (const b of sealed) out.get(b.lotId)?.sealedBids.push(b);
  // Every person key the records show, revealed in one batch (version-1 events hold clear numbers).
  const managers = await db.select({ pid: lots.managerPid }).from(lots).where(inArray(lots.id, lotIds));
  const keys = new Set<string>(managers.map((m) => m.pid));
  for (const d of out.values()) {
    for (const r of d.registrations) {
      keys.add(r.pid);
      if (r.approvedBy) keys.add(r.approvedBy);
    }
    for (const a of d.actors) keys.add(a.pid);
    for (const e of d.events) {
      if (isPersonKey(e.actorPid)) keys.add(e.actorPid);
      if (isPersonSubject(e.subject) && isPersonKey(e.subject)) keys.add(e.subject);
    }
  }
  for (const [k, v] of await revealPeople(db, keys)) people.set(k, v);
  return out;
}

export interface Period {
  from: Date;
  to: Date;
}

/** One page of ended lots whose bidding window ended within the period, by id after `afterId`. */
export async function endedLotsPage(
  db: Db,
  period: Period,
  afterId: number,
  limit: number,
  organisations: number[] | null = null,
): Promise<LotRow[]> {
  return db
    .select()
    .from(lots)
    .where(
      and(
        gt(lots.id, afterId),
        // A regulator's scope (issue 19): only its organisations' lots; null: every lot.
        organisations ? inArray(lots.organisationId, [...organisations, 0]) : undefined,
        inArray(lots.status, [...ENDED_STATUSES]),
        gte(lots.endsAt, period.from),
        lt(lots.endsAt, period.to),
      ),
    )
    .orderBy(asc(lots.id))
    .limit(limit);
}

/** The id range of audit events within a period (contiguous, so the exported chain links up). */
export async function auditIdRange(
  db: Db,
  period: Partial<Period>,
): Promise<{ first: number; last: number } | undefined> {
  const [lo] = await db
    .select({ id: min(auditEvents.id) })
    .from(auditEvents)
    .where(period.from ? gte(auditEvents.at, period.from) : undefined);
  const [hi] = await db
    .select({ id: max(auditEvents.id) })
    .from(auditEvents)
    .where(period.to ? lt(auditEvents.at, period.to) : undefined);
  if (lo?.id == null || hi?.id == null || Number(lo.id) > Number(hi.id)) return undefined;
  return { first: Number(lo.id), last: Number(hi.id) };
}

/** The hash of the event just before `id` (what the first exported event links to), if any. */
export async function auditHashBefore(db: Db, id: number): Promise<string | undefined> {
  const [row] = await db
    .select({ hash: auditEvents.hash })
    .from(auditEvents)
    .where(lt(auditEvents.id, id))
    .orderBy(sql`${auditEvents.id} desc`)
    .limit(1);
  return row?.hash;
}

export async function auditPage(db: Db, afterId: number, lastId: number, limit: number): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(and(gt(auditEvents.id, afterId), lte(auditEvents.id, lastId)))
    .orderBy(asc(auditEvents.id))
    .limit(limit);
}
