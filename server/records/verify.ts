// Verification of a signed auction record: the signature against the published keys, then the
// record's shape, then the ledger's hash chain recomputed entry by entry (gap-free seq, each entry
// linked to the one before, each hash matching its content, the final hash matching the last entry)
// and each history event's own hash, then (version 2) the registrations and the result against the
// chained history (bindings.ts). No database: the server route and the offline CLI share it.
import { auditEventHash, GENESIS_HASH, ledgerEntryHash } from '../shared/hash-chain.ts';
import { bindingProblem } from './bindings.ts';
import { verifyJws, type Jwks } from './jws.ts';
import { AuctionRecordSchema, RECORD_CTY, type AuctionRecord } from './record-format.ts';

export interface Verdict {
  valid: boolean;
  /** Why the document is not valid, in words a reader can act on. */
  reason?: string;
  /** What was verified: 'auction-record', 'lot-export', 'audit-export', 'audit-csv', 'ledger-csv'. */
  kind?: string;
  /** The signing key's id, when the document is signed and the signature holds. */
  kid?: string;
  details?: Record<string, unknown>;
}

const invalid = (reason: string, extra: Partial<Verdict> = {}): Verdict => ({ valid: false, reason, ...extra });

/** Formats zod issues into one line. */
export function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Recomputes the ledger chain of a record; returns the first problem, or undefined when intact. */
export function ledgerProblem(record: AuctionRecord): string | undefined {
  let prev = GENESIS_HASH;
  const kinds = new Map<number, string>();
  for (let i = 0; i < record.ledger.length; i++) {
    const e = record.ledger[i];
    if (e.seq !== i + 1) return `ledger position ${i + 1} holds seq ${e.seq}: the ledger must run 1, 2, 3, … without gaps (an entry was removed, added or reordered)`;
    if (e.prevHash !== prev) return `ledger entry seq ${e.seq} does not link to the entry before it (prevHash mismatch): an entry was removed, added or reordered`;
    const expected = ledgerEntryHash(prev, { lotId: record.lot.id, seq: e.seq, kind: e.kind, amount: e.amount, bidderCode: e.bidderCode, placedAt: e.placedAt, withdrawsSeq: e.withdrawsSeq });
    if (expected !== e.hash) return `ledger entry seq ${e.seq} was changed: its hash does not match its content`;
    if (e.kind === 'withdrawal' && (e.withdrawsSeq === null || kinds.get(e.withdrawsSeq) !== 'bid')) return `ledger entry seq ${e.seq} withdraws seq ${e.withdrawsSeq}, which is not an earlier bid`;
    kinds.set(e.seq, e.kind);
    prev = e.hash;
  }
  if (record.finalHash !== prev) return `the final hash ${record.finalHash} does not match the last ledger entry's hash ${prev}`;
  if (record.result.entryCount !== record.ledger.length) return `the result counts ${record.result.entryCount} ledger entries but the ledger holds ${record.ledger.length}`;
  for (const ev of record.history) {
    const expected = auditEventHash(ev.prevHash, { v: ev.v, at: ev.at, actorPid: ev.actorPid, actorHash: ev.actorHash, action: ev.action, lotId: record.lot.id, subject: ev.subject, subjectHash: ev.subjectHash, data: ev.data });
    if (expected !== ev.hash) return `history event ${ev.id} (${ev.action}) was changed: its hash does not match its content`;
  }
  return undefined;
}

/** Everything wrong with a record's content: its chains, then its agreement with the chained history. */
export function recordProblem(record: AuctionRecord): string | undefined {
  return ledgerProblem(record) ?? bindingProblem(record);
}

/** Parses payload bytes as JSON (UTF-8, strictly). */
export function parseJsonBytes(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

/** Verifies a record exactly as GET /api/records/lots/:id?format=json returned it (any JWS serialization). */
export async function verifySignedRecord(input: unknown, jwks: Jwks): Promise<Verdict> {
  const sig = await verifyJws(input, jwks, RECORD_CTY);
  if (!sig.ok) return invalid(sig.reason, { kind: 'auction-record' });
  const parsed = parseJsonBytes(sig.payload);
  if (!parsed.ok) return invalid('the signed payload is not JSON', { kind: 'auction-record', kid: sig.kid });
  const record = AuctionRecordSchema.safeParse(parsed.value);
  if (!record.success) return invalid(`the signed payload is not an auction record (${describeIssues(record.error.issues)})`, { kind: 'auction-record', kid: sig.kid });
  const problem = recordProblem(record.data);
  const details = { lotId: record.data.lot.id, status: record.data.result.status, entries: record.data.ledger.length, finalHash: record.data.finalHash, finalPrice: record.data.result.finalPrice, issuedAt: record.data.issuedAt };
  if (problem) return invalid(problem, { kind: 'auction-record', kid: sig.kid, details });
  return { valid: true, kind: 'auction-record', kid: sig.kid, details };
}

/** Reads a body or file's text as a JWS: a compact JWS, a JSON string holding one, or a JWS JSON object. */
export function readJwsText(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t)) return { ok: true, value: t };
  try {
    return { ok: true, value: JSON.parse(t) };
  } catch {
    return { ok: false, reason: 'not a record: neither a compact JWS nor JSON' };
  }
}
