// The audit log: every state change, with the actor's personal id, appended in the same transaction
// as the change itself. The log is one hash chain across the platform; appends take a transaction-
// scoped advisory lock so that concurrent writers (and several processes) extend it in order.
// The chain covers keyed hashes of the people involved (person-hash.ts), never their ids in clear:
// the clear columns serve regulators and may later be encrypted without touching the chain.
import { desc, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { auditEvents } from '../../db/schema.ts';
import { AUDIT_CHAIN_VERSION, auditEventHash, GENESIS_HASH, type AuditHashFields } from '../shared/hash-chain.ts';
import { CLEAR_PID, isPersonKey, keyOf } from '../privacy/personal-data.ts';

/** The lock key that serializes audit appends (arbitrary, fixed). */
const AUDIT_LOCK = 727_001;

export type AuditAction =
  | 'role.granted'
  // Organisations (issue 19).
  | 'organisation.created'
  | 'organisation.updated'
  | 'organisation.manager_added'
  | 'organisation.manager_removed'
  | 'regulator.scope_set'
  // Eligibility (issue 19, Art. 38): the exclusion list, and the people an asset's owner bars from one lot.
  | 'exclusion.added'
  | 'exclusion.lifted'
  | 'lot_exclusion.added'
  | 'lot_exclusion.removed'
  | 'role.revoked'
  | 'session.created'
  | 'session.revoked'
  | 'lot.created'
  | 'lot.updated'
  | 'lot.published'
  | 'lot.cancelled'
  | 'lot.image_added'
  | 'lot.extended'
  | 'lot.accepted'
  | 'lot.round_opened'
  | 'lot.round_started'
  | 'lot.round_ended'
  | 'lot.closed'
  | 'lot.failed'
  | 'registration.created'
  | 'registration.actor_added'
  | 'authorisation.document_uploaded'
  | 'authorisation.document_viewed'
  | 'authorisation.approved'
  | 'authorisation.rejected'
  | 'registration.flag_decided'
  | 'registration.approved'
  | 'registration.rejected'
  | 'registration.identity_viewed'
  | 'registrations.viewed'
  | 'deposit.settled'
  | 'bid.withdrawn'
  // Sealed bids (server/sealed): a submission (commitment only, never the amount), the reveal, a tie round.
  | 'sealed_bid.submitted'
  | 'sealed.revealed'
  | 'sealed.tie_round'
  | 'record.exported'
  | 'record.viewed'
  | 'record.refused'
  | 'audit.exported'
  // The working-day calendar (server/calendar): an admin's day off or make-up working day, added or removed.
  | 'calendar.day_added'
  | 'calendar.day_removed'
  // Money (server/payments): each credit and what matching did, a manager's decision on a held credit,
  // a manual entry reversed (and the registration it had approved), a bank statement imported.
  | 'payment.credited'
  | 'payment.decided'
  | 'payment.reversed'
  | 'registration.deposit_reversed'
  | 'statement.imported'
  // After the close (server/payments/settlement.ts): a refund sent, the winner's default and the bar it brings.
  | 'refund.sent'
  | 'award.defaulted'
  | 'bar.recorded'
  // After the hammer (issue 18): the winner's signature and the manager's countersignature, a refusal and
  // Art. 51's offer to the next bidder, missed deadlines, no-shows and the manager's decision on them,
  // a technical suspension and its re-run, a result notice published.
  | 'award.confirmed'
  | 'award.countersigned'
  | 'award.refused'
  | 'award.offered'
  | 'award.offer_accepted'
  | 'award.offer_refused'
  | 'award.offer_missed'
  | 'award.confirmation_missed'
  | 'attendance.no_show'
  | 'attendance.no_show_decided'
  | 'lot.suspended'
  | 'lot.rerun_scheduled'
  | 'result.published'
  // Live supervision (issue 20: server/supervision): a regulator's view of a live lot with identities,
  // and their decisions on its anomaly signals (which never change the lot).
  | 'supervision.lot_viewed'
  | 'supervision.signal_dismissed'
  | 'supervision.signal_escalated'
  // Webhooks to external systems (server/webhooks): an admin sent a failed delivery again.
  | 'webhook.retried'
  // Personal data at rest (server/privacy): the data keys of people past retention destroyed (a count).
  | 'personal_data.shredded';

export interface AuditInput {
  /** Who did it; null for the platform itself (the closing scheduler). */
  actorPid: string | null;
  action: AuditAction;
  lotId?: number | null;
  /** What it was done to, when not the lot (a person's pid, a registration id). A pid is chained as its hash. */
  subject?: string | null;
  data?: Record<string, unknown>;
  at: Date;
}

/**
 * A subject that is a person: their person key (64 hex digits), or, in a version-1 event, their
 * 12-digit number. Every other subject is a row id (an integer column, at most 10 digits), so they
 * cannot be confused.
 */
export function isPersonSubject(subject: string | null | undefined): subject is string {
  return typeof subject === 'string' && (isPersonKey(subject) || CLEAR_PID.test(subject));
}

/** An audit row (or exported event) as its hash sees it. */
export function auditHashFields(e: {
  chainVersion?: number;
  v?: number;
  at: Date | string;
  actorPid: string | null;
  actorHash?: string | null;
  action: string;
  lotId: number | null;
  subject: string | null;
  subjectHash?: string | null;
  data: Record<string, unknown>;
}): AuditHashFields {
  return {
    v: e.chainVersion ?? e.v ?? 1,
    at: typeof e.at === 'string' ? e.at : e.at.toISOString(),
    actorPid: e.actorPid,
    actorHash: e.actorHash ?? null,
    action: e.action,
    lotId: e.lotId,
    subject: e.subject,
    subjectHash: e.subjectHash ?? null,
    data: e.data,
  };
}

/**
 * Takes the chains' lock for the rest of the caller's transaction: the audit chain's, which the
 * transparency log shares, so a transaction that writes both takes one lock and none can deadlock.
 */
export async function lockChains(tx: Tx | Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
}

/** Appends one event inside the caller's transaction (call only within db.transaction); its id and hash. */
export async function appendAudit(tx: Tx | Db, input: AuditInput): Promise<{ id: number; hash: string }> {
  await lockChains(tx);
  const [last] = await tx.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  const prevHash = last?.hash ?? GENESIS_HASH;
  const subject = input.subject ?? null;
  const row = {
    chainVersion: AUDIT_CHAIN_VERSION,
    at: input.at,
    actorPid: input.actorPid,
    actorHash: input.actorPid === null ? null : keyOf(input.actorPid),
    action: input.action,
    lotId: input.lotId ?? null,
    subject,
    subjectHash: isPersonSubject(subject) ? keyOf(subject) : null,
    data: input.data ?? {},
  };
  const [entry] = await tx
    .insert(auditEvents)
    .values({ ...row, prevHash, hash: auditEventHash(prevHash, auditHashFields(row)) })
    .returning({ id: auditEvents.id, hash: auditEvents.hash });
  return entry;
}
