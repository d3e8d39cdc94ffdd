// Hash chains for the bid ledger and the audit log. Each link's hash is SHA-256 over the previous
// hash and the canonical JSON of the entry's fields, so any later change, removal, insertion or
// reordering of entries is detectable by recomputing the chain (records/ and tests do exactly that).
import { createHash } from 'node:crypto';

/** The previous hash of the first link of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number in canonical JSON');
    return JSON.stringify(value ?? null);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function chainHash(prevHash: string, fields: unknown): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(fields)).digest('hex');
}

/** The fields of a ledger entry that its hash covers. */
export interface LedgerHashFields {
  lotId: number;
  seq: number;
  kind: 'bid' | 'withdrawal';
  amount: number;
  bidderCode: string;
  placedAt: string;
  withdrawsSeq: number | null;
  /** A sealed lot's revealed bid only: its commitment and salt (absent from every other entry's hash). */
  commitment?: string | null;
  salt?: string | null;
  /** An organisation's entry only (issue 19): which of its representatives acted (absent from every other entry's hash). */
  actorNo?: number | null;
}

export function ledgerEntryHash(prevHash: string, e: LedgerHashFields): string {
  return chainHash(prevHash, {
    lotId: e.lotId,
    seq: e.seq,
    kind: e.kind,
    amount: e.amount,
    bidderCode: e.bidderCode,
    placedAt: e.placedAt,
    withdrawsSeq: e.withdrawsSeq,
    commitment: e.commitment ?? undefined,
    salt: e.salt ?? undefined,
    actorNo: e.actorNo ?? undefined,
  });
}

/**
 * The fields of an audit event that its hash covers. Version 1 events (before issue 13) chain the
 * actor's personal id in clear. Version 2 events chain keyed hashes instead (server/audit/person-hash.ts):
 * `actorHash` for the actor, and `subjectHash` instead of a subject that is a person, so the chain
 * names no one and encrypting the clear columns later changes no chained byte.
 */
export interface AuditHashFields {
  /** The chain version; absent means 1. */
  v?: number;
  at: string;
  actorPid: string | null;
  actorHash?: string | null;
  action: string;
  lotId: number | null;
  subject: string | null;
  subjectHash?: string | null;
  data: Record<string, unknown>;
}

export const AUDIT_CHAIN_VERSION = 2;

export function auditEventHash(prevHash: string, e: AuditHashFields): string {
  if ((e.v ?? 1) === 1)
    return chainHash(prevHash, {
      at: e.at,
      actorPid: e.actorPid,
      action: e.action,
      lotId: e.lotId,
      subject: e.subject,
      data: e.data,
    });
  // A person subject is chained as its hash only; the clear subject column is then outside the chain.
  const subjectHash = e.subjectHash ?? null;
  return chainHash(prevHash, {
    v: e.v,
    at: e.at,
    actorHash: e.actorHash ?? null,
    action: e.action,
    lotId: e.lotId,
    subject: subjectHash === null ? e.subject : null,
    subjectHash,
    data: e.data,
  });
}

/** Verifies a chain in order; returns the index of the first broken link, or -1 when intact. */
export function firstBrokenLink<T extends { prevHash: string; hash: string }>(
  entries: T[],
  hashOf: (prevHash: string, entry: T) => string,
): number {
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.prevHash !== prev || hashOf(prev, e) !== e.hash) return i;
    prev = e.hash;
  }
  return -1;
}
