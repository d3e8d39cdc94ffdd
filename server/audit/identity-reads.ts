// Every look at a person's identity is accounted for (issue 20): a staff read of people's personal ids,
// names or birth dates is one audit event (reader, purpose, lot, what was read) appended in the
// reader's transaction, and each person read is indexed by the keyed hash of their pid in
// `identity_reads`, so that "who viewed my data" (server/identity/data-views.ts) is one indexed query
// per person. The index holds no pid in clear: the hash is the one the chains already carry
// (person-hash.ts). The audit event itself names the subjects by count only (a bulk export may read
// thousands of people); the index says who they are. A streamed export writes its event before the
// first byte and indexes the people of each page as it is sent (indexIdentityRead), so the index
// names exactly those the export reached.
import type { Db, Tx } from '../../db/client.ts';
import { identityReads } from '../../db/schema.ts';
import { appendAudit, type AuditAction } from './audit-log.ts';
import { keyOf } from '../privacy/personal-data.ts';

/** Rows per insert statement when a read names many people (a bulk export). */
const INSERT_BATCH = 1000;

export interface IdentityRead {
  /** The staff member who read. */
  actorPid: string;
  action: AuditAction;
  /** The lot whose people were read; null for a read across lots (a bulk export). */
  lotId: number | null;
  /** The purpose the reader stated; null when they stated none ("not stated"). */
  purpose: string | null;
  /** Every person whose identity the read showed (duplicates are ignored). */
  subjectPids: string[];
  at: Date;
  /** What else the event records (a bidder code, the lot's status, an export's range…). */
  data?: Record<string, unknown>;
  /** The audit event's subject, when the read is of one thing (a registration id). */
  subject?: string | null;
  /** The role the reader read in (regulator, manager, admin), shown to the people read. */
  role?: string;
  /**
   * A streamed export: `subjectPids` is empty and the people are indexed page by page as they are
   * sent (indexIdentityRead); the event then records no count.
   */
  streamed?: boolean;
}

/**
 * Appends the audit event of an identity read and indexes each person read, in the caller's
 * transaction (a read that cannot be accounted for must show nothing: call it before returning the
 * identities, inside the transaction that read them).
 */
export async function noteIdentityRead(tx: Tx, read: IdentityRead): Promise<void> {
  await appendIdentityRead(tx, read);
}

/** noteIdentityRead, returning the audit event's id and hash (for a document that names its own read). */
export async function appendIdentityRead(tx: Tx, read: IdentityRead): Promise<{ id: number; hash: string }> {
  const hashes = [...new Set(read.subjectPids.map((p) => keyOf(p)))];
  const event = await appendAudit(tx, {
    actorPid: read.actorPid,
    action: read.action,
    lotId: read.lotId,
    subject: read.subject ?? null,
    at: read.at,
    data: {
      ...read.data,
      ...(read.role ? { role: read.role } : {}),
      purpose: read.purpose,
      subjects: read.streamed ? null : hashes.length,
    },
  });
  await indexSubjectHashes(tx, event.id, hashes);
  return event;
}

/** Indexes more people under an identity read's event (a streamed export's page). */
export async function indexIdentityRead(db: Db | Tx, auditId: number, subjectPids: Iterable<string>): Promise<void> {
  await indexSubjectHashes(db, auditId, [...new Set([...subjectPids].map((p) => keyOf(p)))]);
}

/** Indexes keyed hashes (already computed, e.g. those an audit row chains) under an identity read's event. */
export async function indexSubjectHashes(db: Db | Tx, auditId: number, hashes: Iterable<string>): Promise<void> {
  const unique = [...new Set(hashes)];
  for (let i = 0; i < unique.length; i += INSERT_BATCH) {
    await db
      .insert(identityReads)
      .values(unique.slice(i, i + INSERT_BATCH).map((subjectHash) => ({ auditId, subjectHash })))
      .onConflictDoNothing();
  }
}
