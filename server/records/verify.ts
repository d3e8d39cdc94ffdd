// Verification of a signed auction record: the signature against the published keys, then the
// record's shape, then the ledger's hash chain recomputed entry by entry (gap-free seq, each entry
// linked to the one before, each hash matching its content, the final hash matching the last entry)
// and each history event's own hash, then (version 2) the registrations and the result against the
// chained history (bindings.ts), with (version 3) the lot's own method's rule between them
// (verify-method.ts). No database: the server route and the offline CLI share it.
import { auditEventHash, GENESIS_HASH, ledgerEntryHash } from '../shared/hash-chain.ts';
import { bindingProblem } from './bindings.ts';
import { attendanceProblem } from './attendance-format.ts';
import { verifyJws, type Jwks } from './jws.ts';
import { AuctionRecordSchema, RECORD_CTY, type AuctionRecord } from './record-format.ts';
import type { ZodType } from 'zod';
import { problem, type Problem, type VerifyCode } from './verify-codes.ts';
import type { Verdict } from './verdict-schema.ts';

/** A verdict on a document; its one definition is VerdictSchema (verdict-schema.ts), the API's `Verdict`. */
export type { Verdict };

/** A verdict for a document that is not valid. */
export function invalidVerdict(kind: string, p: Problem, extra: Partial<Verdict> = {}): Verdict {
  return {
    valid: false,
    signed: false,
    code: p.code,
    reason: p.reason,
    ...(p.params ? { params: p.params } : {}),
    kind,
    ...extra,
  };
}

/** Formats zod issues into one line. */
export function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Recomputes the ledger chain of a record; returns the first problem, or undefined when intact. */
export function ledgerProblem(record: AuctionRecord): Problem | undefined {
  let prev = GENESIS_HASH;
  const kinds = new Map<number, string>();
  for (let i = 0; i < record.ledger.length; i++) {
    const e = record.ledger[i];
    if (e.seq !== i + 1)
      return problem(
        'LEDGER_SEQ_GAP',
        `ledger position ${i + 1} holds seq ${e.seq}: the ledger must run 1, 2, 3, … without gaps (an entry was removed, added or reordered)`,
        { position: i + 1, seq: e.seq },
      );
    if (e.prevHash !== prev)
      return problem(
        'LEDGER_LINK_BROKEN',
        `ledger entry seq ${e.seq} does not link to the entry before it (prevHash mismatch): an entry was removed, added or reordered`,
        { seq: e.seq },
      );
    const expected = ledgerEntryHash(prev, {
      lotId: record.lot.id,
      seq: e.seq,
      kind: e.kind,
      amount: e.amount,
      bidderCode: e.bidderCode,
      placedAt: e.placedAt,
      withdrawsSeq: e.withdrawsSeq,
      commitment: e.commitment,
      salt: e.salt,
      actorNo: e.actorNo,
    });
    if (expected !== e.hash)
      return problem(
        'LEDGER_ENTRY_CHANGED',
        `ledger entry seq ${e.seq} was changed: its hash does not match its content`,
        { seq: e.seq },
      );
    if (e.kind === 'withdrawal' && (e.withdrawsSeq === null || kinds.get(e.withdrawsSeq) !== 'bid'))
      return problem(
        'LEDGER_WITHDRAWAL_INVALID',
        `ledger entry seq ${e.seq} withdraws seq ${e.withdrawsSeq}, which is not an earlier bid`,
        { seq: e.seq, withdrawsSeq: e.withdrawsSeq },
      );
    kinds.set(e.seq, e.kind);
    prev = e.hash;
  }
  if (record.finalHash !== prev)
    return problem(
      'FINAL_HASH_MISMATCH',
      `the final hash ${record.finalHash} does not match the last ledger entry's hash ${prev}`,
      { finalHash: record.finalHash, lastHash: prev },
    );
  if (record.result.entryCount !== record.ledger.length)
    return problem(
      'ENTRY_COUNT_MISMATCH',
      `the result counts ${record.result.entryCount} ledger entries but the ledger holds ${record.ledger.length}`,
      { counted: record.result.entryCount, held: record.ledger.length },
    );
  for (const ev of record.history) {
    const expected = auditEventHash(ev.prevHash, {
      v: ev.v,
      at: ev.at,
      actorPid: ev.actorPid,
      actorHash: ev.actorHash,
      action: ev.action,
      lotId: record.lot.id,
      subject: ev.subject,
      subjectHash: ev.subjectHash,
      data: ev.data,
    });
    if (expected !== ev.hash)
      return problem(
        'HISTORY_EVENT_CHANGED',
        `history event ${ev.id} (${ev.action}) was changed: its hash does not match its content`,
        { eventId: ev.id, action: ev.action },
      );
  }
  return undefined;
}

/**
 * Everything wrong with a record's content: its chains, then its agreement with the chained history,
 * then its attendance (when it has that part).
 */
export function recordProblem(record: AuctionRecord): Problem | undefined {
  return ledgerProblem(record) ?? bindingProblem(record) ?? attendanceProblem(record);
}

/** Parses payload bytes as JSON (UTF-8, strictly). */
export function parseJsonBytes(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

/**
 * Verifies a record exactly as GET /api/records/lots/:id?format=json returned it (any JWS serialization).
 * A valid record's details name what the signature vouches for: the lot, its entries, the final hash,
 * the key and when the platform signed it (the record's `issuedAt`, inside the signed payload).
 */
export async function verifySignedRecord(input: unknown, jwks: Jwks): Promise<Verdict> {
  const kind = 'auction-record';
  const read = await readSigned(input, jwks, {
    kind,
    cty: RECORD_CTY,
    schema: AuctionRecordSchema,
    notCode: 'NOT_AN_AUCTION_RECORD',
    what: 'an auction record',
  });
  if (!read.ok) return read.verdict;
  const { value: r, signed, kid } = read;
  const details = {
    lotId: r.lot.id,
    title: r.lot.title,
    method: r.policy.method,
    status: r.result.status,
    entries: r.ledger.length,
    finalHash: r.finalHash,
    finalPrice: r.result.finalPrice,
    kid,
    signedAt: r.issuedAt,
    issuedAt: r.issuedAt,
    // Version 5: who requested it (their role and name; null: the platform itself).
    ...(r.requestedBy !== undefined
      ? { requestedBy: r.requestedBy && { role: r.requestedBy.role, name: r.requestedBy.name } }
      : {}),
  };
  const found = recordProblem(r);
  if (found) return invalidVerdict(kind, found, { ...signed, details });
  return { valid: true, ...signed, kind, details };
}

/**
 * The signed payload of a document of one kind: the signature against the published keys (with the
 * kind's `cty`), JSON, then the kind's schema. Or the verdict saying which of those failed.
 */
export async function readSigned<T>(
  input: unknown,
  jwks: Jwks,
  spec: { kind: string; cty: string; schema: ZodType<T>; notCode: VerifyCode; what: string },
): Promise<
  { ok: true; value: T; kid: string; signed: { signed: true; kid: string } } | { ok: false; verdict: Verdict }
> {
  const sig = await verifyJws(input, jwks, spec.cty);
  if (!sig.ok) return { ok: false, verdict: invalidVerdict(spec.kind, sig) };
  const signed = { signed: true as const, kid: sig.kid };
  const parsed = parseJsonBytes(sig.payload);
  if (!parsed.ok)
    return {
      ok: false,
      verdict: invalidVerdict(spec.kind, problem('PAYLOAD_NOT_JSON', 'the signed payload is not JSON'), signed),
    };
  const doc = spec.schema.safeParse(parsed.value);
  if (!doc.success) {
    const issues = describeIssues(doc.error.issues);
    return {
      ok: false,
      verdict: invalidVerdict(
        spec.kind,
        problem(spec.notCode, `the signed payload is not ${spec.what} (${issues})`, { issues }),
        signed,
      ),
    };
  }
  return { ok: true, value: doc.data, kid: sig.kid, signed };
}

/** Reads a body or file's text as a JWS: a compact JWS, a JSON string holding one, or a JWS JSON object. */
export function readJwsText(text: string): { ok: true; value: unknown } | ({ ok: false } & Problem) {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t)) return { ok: true, value: t };
  try {
    return { ok: true, value: JSON.parse(t) };
  } catch {
    return { ok: false, ...problem('NOT_A_JWS', 'not a record: neither a compact JWS nor JSON') };
  }
}
