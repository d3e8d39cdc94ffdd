// Verification of CSV files: a lot's ledger or the audit log. CSV carries no signature: its chain is
// recomputed (and a revealed sealed bid's commitment checked against its amount and salt) and the
// reader is told to compare the last hash with a signed record or export. Files written before the
// ledger had its method columns (issue 16) or the audit log its keyed hashes (issue 13) still verify.
import { parse } from 'csv-parse/sync';
import { commitmentHolds } from '../auctions/rules/sealed.ts';
import { GENESIS_HASH, ledgerEntryHash } from '../shared/hash-chain.ts';
import { parseLine, walkAudit, type AuditLike } from './audit-walk.ts';
import { unescapeFormula } from './csv.ts';
import { problem } from './verify-codes.ts';
import { invalidVerdict as invalid, type Verdict } from './verify.ts';

/**
 * Ledger CSV columns. `method` is the lot's auction method; `round` the period a bid fell in (extension
 * rounds: 0 for the official time) or the sealed round it was submitted in, empty otherwise;
 * `commitment` and `salt` a revealed sealed bid's, covered by its hash; `actorNo` (issue 19) which of an
 * organisation's representatives acted, covered by its hash, empty for a person's own entries.
 */
export const LEDGER_CSV_COLUMNS = [
  'lotId',
  'seq',
  'placedAt',
  'kind',
  'amount',
  'bidderCode',
  'withdrawsSeq',
  'status',
  'method',
  'round',
  'commitment',
  'salt',
  'actorNo',
  'prevHash',
  'hash',
] as const;
/** The ledger CSV columns from issue 16 to issue 19 (no organisations bid); such files still verify. */
const LEDGER_CSV_COLUMNS_V3 = LEDGER_CSV_COLUMNS.filter((c) => c !== 'actorNo');
/** The ledger CSV columns before issue 16 (ascending lots only); such files still verify. */
const LEDGER_CSV_COLUMNS_V2 = [
  'lotId',
  'seq',
  'placedAt',
  'kind',
  'amount',
  'bidderCode',
  'withdrawsSeq',
  'status',
  'prevHash',
  'hash',
] as const;
/** Audit CSV columns: `v` is the event's chain version; version 2 chains the keyed hashes, not the clear ids. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'v',
  'at',
  'actorPid',
  'actorHash',
  'action',
  'lotId',
  'subject',
  'subjectHash',
  'data',
  'prevHash',
  'hash',
] as const;
/** The audit CSV columns before issue 13 (every event chain version 1); such files still verify. */
const AUDIT_CSV_COLUMNS_V1 = [
  'id',
  'at',
  'actorPid',
  'action',
  'lotId',
  'subject',
  'data',
  'prevHash',
  'hash',
] as const;

const nullable = (s: string): string | null => (s === '' ? null : s);

const UNSIGNED_NOTE = 'CSV carries no signature: compare the last hash with a signed record or NDJSON export';
/**
 * A CSV whose chain holds: valid, never signed. Anyone can edit a CSV and recompute its chain, so the
 * verdict says what to compare (the last hash) rather than vouching for the content.
 */
function unsigned(lastHash: string): Verdict {
  return { valid: true, signed: false, code: 'NOT_SIGNED', params: { lastHash } };
}

/** Verifies a ledger CSV (one lot) or an audit-log CSV: the hash chain only (CSV carries no signature). */
export function verifyCsv(text: string): Verdict {
  let rows: Record<string, string>[];
  try {
    // Cells were formula-escaped on export (csv.ts); the chain hashes the values before escaping.
    rows = parse(text.replace(/^\uFEFF/, ''), {
      columns: true,
      skip_empty_lines: true,
      cast: (value) => unescapeFormula(value),
    }) as Record<string, string>[];
  } catch (err) {
    return invalid(
      'csv',
      problem('CSV_UNREADABLE', `not a readable CSV file: ${(err as Error).message}`, {
        detail: (err as Error).message,
      }),
    );
  }
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0];
  if ([LEDGER_CSV_COLUMNS, LEDGER_CSV_COLUMNS_V3, LEDGER_CSV_COLUMNS_V2].some((cols) => first === cols.join(','))) {
    let prev = GENESIS_HASH;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const e = {
        lotId: Number(r.lotId),
        seq: Number(r.seq),
        kind: r.kind as 'bid' | 'withdrawal',
        amount: Number(r.amount),
        bidderCode: r.bidderCode,
        placedAt: r.placedAt,
        withdrawsSeq: r.withdrawsSeq === '' ? null : Number(r.withdrawsSeq),
        commitment: nullable(r.commitment ?? ''),
        salt: nullable(r.salt ?? ''),
        actorNo: r.actorNo ? Number(r.actorNo) : null,
      };
      if (e.seq !== i + 1)
        return invalid(
          'ledger-csv',
          problem(
            'CSV_SEQ_GAP',
            `row ${i + 2} holds seq ${r.seq}: the ledger must run 1, 2, 3, … without gaps (an entry was removed, added or reordered)`,
            { row: i + 2, seq: r.seq },
          ),
        );
      if (r.prevHash !== prev || ledgerEntryHash(prev, e) !== r.hash)
        return invalid(
          'ledger-csv',
          problem(
            'CSV_CHAIN_BROKEN',
            `row ${i + 2} (seq ${r.seq}) breaks the hash chain: the entry was changed, or one before it was removed, added or reordered`,
            { row: i + 2, seq: r.seq },
          ),
        );
      if (e.commitment !== null && (e.salt === null || !commitmentHolds(e.commitment, e.salt, e.amount)))
        return invalid(
          'ledger-csv',
          problem(
            'SEALED_COMMITMENT_MISMATCH',
            `row ${i + 2} (seq ${r.seq}, ${r.bidderCode}): the amount ${r.amount} and its salt do not open its commitment`,
            { row: i + 2, seq: e.seq, bidderCode: e.bidderCode, price: e.amount },
          ),
        );
      prev = r.hash;
    }
    return {
      ...unsigned(prev),
      kind: 'ledger-csv',
      details: { entries: rows.length, finalHash: prev, signed: false, note: UNSIGNED_NOTE },
    };
  }
  if (first === AUDIT_CSV_COLUMNS.join(',') || first === AUDIT_CSV_COLUMNS_V1.join(',')) {
    const events: AuditLike[] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const data = parseLine(r.data);
      if (!data || typeof data !== 'object' || Array.isArray(data))
        return invalid(
          'audit-csv',
          problem('CSV_DATA_NOT_JSON', `row ${i + 2}: the data column is not a JSON object`, { row: i + 2 }),
        );
      const v = r.v === undefined || r.v === '' ? 1 : Number(r.v);
      events.push({
        id: Number(r.id),
        v,
        at: r.at,
        actorPid: nullable(r.actorPid),
        actorHash: nullable(r.actorHash ?? ''),
        action: r.action,
        lotId: r.lotId === '' ? null : Number(r.lotId),
        subject: nullable(r.subject),
        subjectHash: nullable(r.subjectHash ?? ''),
        data: data as Record<string, unknown>,
        prevHash: r.prevHash,
        hash: r.hash,
      });
    }
    const start = events[0]?.prevHash ?? GENESIS_HASH;
    const walk = walkAudit(events, start, (i) => ({ text: `row ${i + 2}`, params: { row: i + 2 } }));
    if (walk.problem) return invalid('audit-csv', walk.problem);
    return {
      ...unsigned(walk.last),
      kind: 'audit-csv',
      details: {
        events: events.length,
        previousHash: start,
        lastHash: walk.last,
        fromGenesis: start === GENESIS_HASH,
        signed: false,
        note: UNSIGNED_NOTE,
      },
    };
  }
  return invalid(
    'csv',
    problem(
      'CSV_UNKNOWN_COLUMNS',
      `unknown CSV columns: expected a ledger CSV (${LEDGER_CSV_COLUMNS.join(',')}) or an audit CSV (${AUDIT_CSV_COLUMNS.join(',')})`,
    ),
  );
}
