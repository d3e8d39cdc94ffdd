// Verification of bulk exports. An NDJSON export is a header line, one line per lot record or audit
// event, and a seal: a JWS by the record-signing key over the count and SHA-256 of every byte before
// it. Verifying checks the seal, then each lot's ledger chain, or the audit chain line by line from
// the hash the header says it continues. A lot export may hold, in place of a record, the platform's
// refusal to issue it, and an audit export the rows the platform found contradicting the chain: either
// makes the export invalid. CSV files are verify-csv.ts's (re-exported here for the writers).
import { createHash } from 'node:crypto';
import { GENESIS_HASH } from '../shared/hash-chain.ts';
import { parseLine, walkAudit, type AuditLike } from './audit-walk.ts';
import { verifyJws, type Jwks } from './jws.ts';
import {
  AuctionRecordSchema,
  AuditLineSchema,
  ExportHeaderSchema,
  IntegrityLineSchema,
  RefusedRecordLineSchema,
  SEAL_CTY,
  SealPayloadSchema,
  WithheldRecordLineSchema,
  type IntegrityLine,
} from './record-format.ts';
import { problem, type Problem } from './verify-codes.ts';
import { describeIssues, invalidVerdict, parseJsonBytes, recordProblem, type Verdict } from './verify.ts';

export { AUDIT_CSV_COLUMNS, LEDGER_CSV_COLUMNS, verifyCsv } from './verify-csv.ts';
const invalid = (kind: string, p: Problem, extra: Partial<Verdict> = {}): Verdict => invalidVerdict(kind, p, extra);
/** What a sealed export's verdict carries once the seal holds. */
const sealed = (kid: string): Partial<Verdict> => ({ signed: true, kid });

/** Verifies an NDJSON lot or audit export, from its bytes. */
export async function verifyNdjsonExport(bytes: Uint8Array, jwks: Jwks): Promise<Verdict> {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const cut = body.lastIndexOf('\n');
  const firstEnd = body.indexOf('\n');
  const header = ExportHeaderSchema.safeParse(parseLine(firstEnd < 0 ? body : body.slice(0, firstEnd)));
  const kind = header.success ? header.data.type : 'export';
  if (cut < 0) return invalid(kind, problem('EXPORT_NO_SEAL', 'the export has no seal line: it is incomplete'));
  const sealLine = parseLine(body.slice(cut + 1)) as { type?: unknown; jws?: unknown } | undefined;
  if (!sealLine || sealLine.type !== 'export-seal' || typeof sealLine.jws !== 'string')
    return invalid(
      kind,
      problem('EXPORT_SEAL_NOT_LAST', 'the last line is not the export seal: the export is incomplete or was cut'),
    );
  const sig = await verifyJws(sealLine.jws, jwks, SEAL_CTY);
  if (!sig.ok) return invalid(kind, problem(sig.code, `the seal: ${sig.reason}`, { ...sig.params, part: 'seal' }));
  const sealJson = parseJsonBytes(sig.payload);
  const seal = SealPayloadSchema.safeParse(sealJson.ok ? sealJson.value : undefined);
  if (!seal.success)
    return invalid(
      kind,
      problem('EXPORT_SEAL_PAYLOAD_INVALID', 'the seal does not carry an export seal payload'),
      sealed(sig.kid),
    );
  // The sealed bytes are exactly the file's bytes up to and including the newline before the seal.
  const sealedBytes = Buffer.byteLength(body.slice(0, cut + 1), 'utf8');
  const digest = createHash('sha256').update(bytes.subarray(0, sealedBytes)).digest('hex');
  const lines = body.slice(0, cut).split('\n');
  if (digest !== seal.data.sha256 || lines.length !== seal.data.lines) {
    return invalid(
      kind,
      problem(
        'EXPORT_CONTENT_CHANGED',
        `the export's content does not match its seal (${lines.length} lines before the seal, SHA-256 ${digest}; the seal says ${seal.data.lines} lines, ${seal.data.sha256}): lines were changed, removed, added or reordered`,
        { lines: lines.length, sealLines: seal.data.lines },
      ),
      sealed(sig.kid),
    );
  }
  if (!header.success)
    return invalid(
      kind,
      problem(
        'EXPORT_HEADER_INVALID',
        `the first line is not an export header (${describeIssues(header.error.issues)})`,
        { issues: describeIssues(header.error.issues) },
      ),
      sealed(sig.kid),
    );
  if (header.data.type !== seal.data.export)
    return invalid(
      kind,
      problem('EXPORT_KIND_MISMATCH', `the header says ${header.data.type} but the seal says ${seal.data.export}`, {
        header: header.data.type,
        seal: seal.data.export,
      }),
      sealed(sig.kid),
    );
  const named = [header.data.requestedBy, seal.data.requestedBy].map((r) =>
    r ? `${r.role} ${r.name ?? '(no name)'} (${r.personHash})` : 'no one',
  );
  if (named[0] !== named[1] || header.data.exportedAt !== seal.data.exportedAt)
    return invalid(
      kind,
      problem(
        'EXPORT_REQUESTER_MISMATCH',
        `the header says ${named[0]} requested the export at ${header.data.exportedAt} but the seal says ${named[1]} at ${seal.data.exportedAt}`,
        { header: named[0], seal: named[1] },
      ),
      sealed(sig.kid),
    );
  return header.data.type === 'lot-export'
    ? checkLotLines(lines.slice(1), sig.kid)
    : checkAuditLines(lines.slice(1), header.data.previousHash ?? GENESIS_HASH, seal.data.lastHash, sig.kid);
}

function checkLotLines(lines: string[], kid: string): Verdict {
  let withheld = 0;
  for (let i = 0; i < lines.length; i++) {
    const value = parseLine(lines[i]);
    // A lot whose people are past their identity retention (issue 20): named, not a fault.
    if (WithheldRecordLineSchema.safeParse(value).success) {
      withheld++;
      continue;
    }
    const refused = RefusedRecordLineSchema.safeParse(value);
    if (refused.success)
      return invalid(
        'lot-export',
        problem(
          'EXPORT_RECORD_REFUSED',
          `lot ${refused.data.lotId} (line ${i + 2}): the platform refused to issue its record: ${refused.data.reason}`,
          { lotId: refused.data.lotId, line: i + 2, detail: refused.data.reason },
        ),
        sealed(kid),
      );
    const record = AuctionRecordSchema.safeParse(value);
    if (!record.success)
      return invalid(
        'lot-export',
        problem(
          'EXPORT_LINE_NOT_RECORD',
          `line ${i + 2} is not an auction record (${describeIssues(record.error.issues)})`,
          { line: i + 2, issues: describeIssues(record.error.issues) },
        ),
        sealed(kid),
      );
    const found = recordProblem(record.data);
    if (found)
      return invalid(
        'lot-export',
        problem(found.code, `lot ${record.data.lot.id} (line ${i + 2}): ${found.reason}`, {
          ...found.params,
          lotId: record.data.lot.id,
          line: i + 2,
        }),
        sealed(kid),
      );
  }
  return {
    valid: true,
    signed: true,
    kind: 'lot-export',
    kid,
    details: { lots: lines.length, ...(withheld ? { withheld } : {}) },
  };
}

function checkAuditLines(lines: string[], previousHash: string, sealedLast: string | undefined, kid: string): Verdict {
  const events: AuditLike[] = [];
  const lineOf: number[] = [];
  const problems: IntegrityLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const value = parseLine(lines[i]);
    const integrity = IntegrityLineSchema.safeParse(value);
    if (integrity.success) {
      problems.push(integrity.data);
      continue;
    }
    const ev = AuditLineSchema.safeParse(value);
    if (!ev.success)
      return invalid(
        'audit-export',
        problem('EXPORT_LINE_NOT_EVENT', `line ${i + 2} is not an audit event (${describeIssues(ev.error.issues)})`, {
          line: i + 2,
          issues: describeIssues(ev.error.issues),
        }),
        sealed(kid),
      );
    events.push(ev.data);
    lineOf.push(i + 2);
  }
  const walk = walkAudit(events, previousHash, (i) => ({ text: `line ${lineOf[i]}`, params: { line: lineOf[i] } }));
  if (walk.problem) return invalid('audit-export', walk.problem, sealed(kid));
  if (sealedLast !== undefined && sealedLast !== walk.last)
    return invalid(
      'audit-export',
      problem(
        'AUDIT_LAST_HASH_MISMATCH',
        `the last event's hash ${walk.last} is not the one the seal records (${sealedLast})`,
        { lastHash: walk.last, sealedHash: sealedLast },
      ),
      sealed(kid),
    );
  if (problems.length) {
    const shown = problems
      .slice(0, 3)
      .map((p) => p.reason)
      .join('; ');
    return invalid(
      'audit-export',
      problem(
        'AUDIT_INTEGRITY_PROBLEMS',
        `the chain holds, but the platform found ${problems.length} row${problems.length === 1 ? '' : 's'} of its database contradicting it: ${shown}${problems.length > 3 ? '; …' : ''}`,
        { count: problems.length },
      ),
      { ...sealed(kid), details: { events: events.length, integrityProblems: problems } },
    );
  }
  return {
    valid: true,
    signed: true,
    kind: 'audit-export',
    kid,
    details: { events: events.length, previousHash, lastHash: walk.last, fromGenesis: previousHash === GENESIS_HASH },
  };
}
