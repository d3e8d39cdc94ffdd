// The audit log: every state change, with the actor's personal id, appended in the same transaction
// as the change itself. The log is one hash chain across the platform; appends take a transaction-
// scoped advisory lock so that concurrent writers (and several processes) extend it in order.
import { desc, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { auditEvents } from '../../db/schema.ts';
import { auditEventHash, GENESIS_HASH } from '../shared/hash-chain.ts';

/** The lock key that serializes audit appends (arbitrary, fixed). */
const AUDIT_LOCK = 727_001;

export type AuditAction =
  | 'role.granted'
  | 'role.revoked'
  | 'session.created'
  | 'session.revoked'
  | 'lot.created'
  | 'lot.updated'
  | 'lot.published'
  | 'lot.cancelled'
  | 'lot.image_added'
  | 'lot.extended'
  | 'lot.closed'
  | 'lot.failed'
  | 'registration.created'
  | 'registration.approved'
  | 'registration.rejected'
  | 'registration.identity_viewed'
  | 'registrations.viewed'
  | 'deposit.settled'
  | 'bid.withdrawn'
  | 'record.exported'
  | 'record.viewed'
  | 'audit.exported';

export interface AuditInput {
  /** Who did it; null for the platform itself (the closing scheduler). */
  actorPid: string | null;
  action: AuditAction;
  lotId?: number | null;
  /** What it was done to, when not the lot (a person's pid, a registration id). */
  subject?: string | null;
  data?: Record<string, unknown>;
  at: Date;
}

/** Appends one event inside the caller's transaction. Call only within db.transaction. */
export async function appendAudit(tx: Tx | Db, input: AuditInput): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
  const [last] = await tx.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  const prevHash = last?.hash ?? GENESIS_HASH;
  const data = input.data ?? {};
  const fields = { at: input.at.toISOString(), actorPid: input.actorPid, action: input.action, lotId: input.lotId ?? null, subject: input.subject ?? null, data };
  await tx.insert(auditEvents).values({ at: input.at, actorPid: input.actorPid, action: input.action, lotId: input.lotId ?? null, subject: input.subject ?? null, data, prevHash, hash: auditEventHash(prevHash, fields) });
}
