// Streamed bulk exports: every ended lot of a period (full records, NDJSON; or one summary row per
// lot, CSV) and the audit log (NDJSON or CSV). Each stream pulls one keyset page from the database
// only when the client has taken the previous one, so memory stays bounded by the page size however
// long the period. NDJSON exports end with a seal: a JWS over the line count and SHA-256 of every
// byte before it (see verify-export.ts), so a cut, edited or reordered export is detected. Whatever
// the database says is checked against the audit chain first (integrity.ts): a lot whose rows
// contradict it is exported as a refusal, not as a record, and the audit export lists such rows.
// Issue 20: the header and the seal name who requested the export and when (header version 2); an
// export is one identity read (written by the route before the first byte) and the people of each page
// are indexed under it as the page is sent (server/audit/identity-reads.ts); a lot whose people are past
// their identity retention is exported without them (`record-withheld`; a CSV row without the winner).
import { createHash, type Hash } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { canonicalJson, GENESIS_HASH } from '../shared/hash-chain.ts';
import { indexSubjectHashes } from '../audit/identity-reads.ts';
import { isPersonKey, keyOf, revealPeople, type RevealedPerson } from '../privacy/personal-data.ts';
import { recordsFinalAtMany, retentionExpired } from '../audit/identity-retention.ts';
import { isPersonSubject } from '../audit/audit-log.ts';
import { appendLogLeaf } from '../transparency/log-leaves.ts';
import { documentDigest } from './lot-document-digest.ts';
import { toCsv } from './csv.ts';
import { signCompact } from './jws.ts';
import { auditPageProblems, auditRefusal, recordIntegrityProblem } from './integrity.ts';
import {
  auditHashBefore,
  auditIdRange,
  auditPage,
  endedLotsPage,
  loadDetails,
  type AuditRow,
  type LotRow,
  type Period,
} from './queries.ts';
import { buildRecord, recordSubjectKeys, shownPid } from './record.ts';
import { isEnded } from '../auctions/rules/index.ts';
import {
  SEAL_CTY,
  type AuctionRecord,
  type AuditLine,
  type ExportHeader,
  type RefusedRecordLine,
  type Requester,
  type SealPayload,
  type WithheldRecordLine,
} from './record-format.ts';
import type { SigningKey } from './signing-keys.ts';
import { AUDIT_CSV_COLUMNS } from './verify-export.ts';

/** Lots per page: a page's records (with their ledgers) are the most the export holds at once. */
export const LOT_PAGE = 200;
export const AUDIT_PAGE = 1000;

export type ExportFormat = 'ndjson' | 'csv';

/** Who asked for an export and when, and the audit event of that read (issue 20). */
export interface ExportRequest {
  exportedAt: Date;
  requestedBy: Requester;
  /** The identity read's audit event, under which each page's people are indexed. */
  readId: number;
}

/** The requester as an export's header and seal name them (`pid`: their key; `idNumber`: the 12 digits shown). */
export function exportRequester(
  person: { pid: string; idNumber: string; name: string | null },
  role: string,
): Requester {
  return { pid: person.idNumber, personHash: keyOf(person.pid), name: person.name, role };
}

interface Source {
  /** The lines (NDJSON) or rows (CSV text) of the next page, or undefined when done. */
  next(): Promise<string | undefined>;
  /** What the seal adds for this export (NDJSON only). */
  sealExtra?(): Partial<SealPayload>;
}

/** Turns a page source into a pull-driven byte stream, sealing NDJSON at the end. */
function toStream(
  ctx: AppContext,
  source: Source,
  seal: { key: SigningKey; kind: ExportHeader['type']; request: ExportRequest } | undefined,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const digest: Hash = createHash('sha256');
  let lines = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const text = await source.next();
        if (text !== undefined) {
          const bytes = encoder.encode(text);
          digest.update(bytes);
          lines += seal ? text.split('\n').length - 1 : 0;
          controller.enqueue(bytes);
          return;
        }
        if (seal) {
          const payload: SealPayload = {
            type: 'export-seal',
            export: seal.kind,
            exportedAt: seal.request.exportedAt.toISOString(),
            requestedBy: seal.request.requestedBy,
            lines,
            sha256: digest.digest('hex'),
            ...source.sealExtra?.(),
          };
          const jws = await signCompact(encoder.encode(JSON.stringify(payload)), seal.key, SEAL_CTY);
          // The seal (the compact JWS as written) is a leaf of the transparency log (issue 20).
          await ctx.db.transaction((tx) =>
            appendLogLeaf(tx, {
              digest: documentDigest(jws),
              kind: 'export_seal',
              lotId: null,
              at: seal.request.exportedAt,
            }),
          );
          controller.enqueue(encoder.encode(`${JSON.stringify({ type: 'export-seal', jws })}\n`));
        }
        controller.close();
      } catch (err) {
        ctx.log.error({ err }, 'export stream failed');
        // An NDJSON export without its seal is reported incomplete by every verifier.
        if (seal)
          controller.enqueue(
            encoder.encode(
              `${JSON.stringify({ type: 'error', message: 'The export failed part-way and is incomplete.' })}\n`,
            ),
          );
        controller.error(err);
      }
    },
  });
}

const LOT_CSV_COLUMNS = [
  'lotId',
  'title',
  'category',
  'status',
  // The auction method (issue 16): ascending, descending or sealed.
  'method',
  'startingPrice',
  'priceStep',
  'deposit',
  'registrationOpensAt',
  'registrationClosesAt',
  'startsAt',
  'scheduledEndsAt',
  'endsAt',
  'closedAt',
  'registrations',
  'bidCount',
  'entryCount',
  'finalPrice',
  'winnerBidderCode',
  'winnerPid',
  'winnerName',
  'cancelReason',
  'finalHash',
  'integrity',
];

type Built = AuctionRecord | RefusedRecordLine | WithheldRecordLine;

/**
 * One summary row: from the record, or, for a refused lot, the lot row without a winner and the
 * reason; a lot past its identity retention has its result without the winner's pid and name.
 */
function summaryRow(r: LotRow, built: Built): unknown[] {
  const iso = (d: Date | null): string => d?.toISOString() ?? '';
  const head = [
    r.id,
    r.title,
    r.category,
    r.status,
    r.method,
    r.startingPrice,
    r.priceStep,
    r.deposit,
    iso(r.registrationOpensAt),
    iso(r.registrationClosesAt),
    iso(r.startsAt),
    iso(r.scheduledEndsAt),
    iso(r.endsAt),
    iso(r.closedAt),
  ];
  if (built.type === 'record-refused')
    return [...head, '', r.bidCount, '', '', '', '', '', r.cancelReason ?? '', '', `refused: ${built.reason}`];
  if (built.type === 'record-withheld')
    return [
      ...head,
      '',
      r.bidCount,
      '',
      r.finalPrice ?? '',
      '',
      '',
      '',
      r.cancelReason ?? '',
      '',
      `withheld: ${built.reason}`,
    ];
  const x = built.result;
  return [
    ...head,
    built.registrations.length,
    x.bidCount,
    x.entryCount,
    x.finalPrice ?? '',
    x.winnerBidderCode ?? '',
    x.winnerPid ?? '',
    x.winnerName ?? '',
    x.cancelReason ?? '',
    built.finalHash,
    'ok',
  ];
}

/** Every ended lot whose bidding window ended within the period, by lot id. */
export function lotsExport(
  ctx: AppContext,
  key: SigningKey,
  period: Period,
  format: ExportFormat,
  request: ExportRequest,
  /** The organisations a scoped regulator's export covers (issue 19); null: the whole country. */
  organisations: number[] | null = null,
): ReadableStream<Uint8Array> {
  const { exportedAt } = request;
  // The requester's person key (the audit log's actor column).
  const actorPid = request.requestedBy.personHash;
  let afterId = 0;
  let started = false;
  let done = false;
  const header: ExportHeader = {
    type: 'lot-export',
    version: 2,
    exportedAt: exportedAt.toISOString(),
    requestedBy: request.requestedBy,
    issuer: ctx.config.publicOrigin ?? null,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
  };
  const rc = {
    issuedAt: exportedAt,
    requestedBy: request.requestedBy,
    issuer: ctx.config.publicOrigin ?? null,
    minBidders: ctx.config.policy.minBidders,
  };
  /**
   * The next page of lots, each as its record, as the refusal to issue it, or withheld (its people
   * past their retention); the people it shows are indexed under the export's identity read.
   */
  const page = async (): Promise<{ row: LotRow; built: Built }[]> => {
    const rows = (await endedLotsPage(ctx.db, period, afterId, LOT_PAGE, organisations)).filter((r) =>
      isEnded(r.status),
    );
    if (rows.length === 0) {
      done = true;
      return [];
    }
    afterId = rows[rows.length - 1].id;
    const details = await loadDetails(
      ctx.db,
      rows.map((r) => r.id),
    );
    const finalAt = await recordsFinalAtMany(ctx.db, rows, exportedAt);
    const out: { row: LotRow; built: Built }[] = [];
    const shown: string[] = [];
    for (const r of rows) {
      const final = finalAt.get(r.id) ?? null;
      if (retentionExpired(ctx, final, exportedAt)) {
        const withheld: WithheldRecordLine = {
          type: 'record-withheld',
          lotId: r.id,
          reason: 'identity_retention_expired',
          finalAt: final!.toISOString(),
        };
        out.push({ row: r, built: withheld });
        continue;
      }
      const d = details.get(r.id)!;
      const record = buildRecord({ ...r, status: r.status as AuctionRecord['result']['status'] }, d, rc);
      const reason = recordIntegrityProblem(record, d.events);
      if (reason) await auditRefusal(ctx, { actorPid, lotId: r.id, reason, scope: 'period' });
      out.push({ row: r, built: reason ? { type: 'record-refused', lotId: r.id, reason } : record });
      // NDJSON: everyone the record names; CSV: the winner named in the summary row (by their keys).
      if (!reason) {
        const winner = record.registrations.find((x) => x.bidderCode === record.result.winnerBidderCode);
        shown.push(
          ...(format === 'ndjson'
            ? recordSubjectKeys(record)
            : winner?.personHash && record.result.winnerPid
              ? [winner.personHash]
              : []),
        );
      }
    }
    await indexSubjectHashes(ctx.db, request.readId, shown);
    return out;
  };
  const ndjson: Source = {
    async next() {
      if (!started) {
        started = true;
        return `${JSON.stringify(header)}\n`;
      }
      const lots = done ? [] : await page();
      if (lots.length === 0) return undefined;
      return lots.map((l) => `${JSON.stringify(l.built)}\n`).join('');
    },
  };
  const csv: Source = {
    async next() {
      if (done) return undefined;
      const lots = await page();
      if (lots.length === 0 && started) return undefined;
      const first = !started;
      started = true;
      return toCsv(
        lots.map((l) => summaryRow(l.row, l.built)),
        { header: first, columns: LOT_CSV_COLUMNS },
      );
    },
  };
  return toStream(
    ctx,
    format === 'ndjson' ? ndjson : csv,
    format === 'ndjson' ? { key, kind: 'lot-export', request } : undefined,
  );
}

/**
 * An exported event with its clear actor and person subject: a version-2 event's columns hold person
 * keys (outside its chain), revealed for the regulator; a version-1 event's hold the clear numbers its
 * chain covers, exported as they are.
 */
function auditLine(e: AuditRow, people: Map<string, RevealedPerson>): AuditLine {
  const line: AuditLine = {
    type: 'audit-event',
    id: e.id,
    at: e.at.toISOString(),
    actorPid: shownPid(people, e.actorPid),
    action: e.action,
    lotId: e.lotId,
    subject: shownPid(people, e.subject),
    data: e.data,
    prevHash: e.prevHash,
    hash: e.hash,
  };
  // Version-2 events carry the keyed hashes their chain covers (version-1 lines stay as they were).
  return e.chainVersion === 2 ? { ...line, v: 2, actorHash: e.actorHash, subjectHash: e.subjectHash } : line;
}

/** The audit log (optionally a period of it, as one contiguous id range so its chain links up). */
export async function auditExport(
  ctx: AppContext,
  key: SigningKey,
  period: Partial<Period>,
  format: ExportFormat,
  request: ExportRequest,
): Promise<ReadableStream<Uint8Array>> {
  const { exportedAt } = request;
  const range = await auditIdRange(ctx.db, period);
  const previousHash = range ? ((await auditHashBefore(ctx.db, range.first)) ?? GENESIS_HASH) : GENESIS_HASH;
  let afterId = range ? range.first - 1 : 0;
  let lastHash = previousHash;
  let started = false;
  let done = !range;
  /** The identities behind the person keys of a page's events, in one batch. */
  const reveal = (rows: AuditRow[]): Promise<Map<string, RevealedPerson>> =>
    revealPeople(
      ctx.db,
      rows.flatMap((e) => [e.actorPid, e.subject].filter(isPersonKey)),
    );
  const page = async (): Promise<AuditRow[]> => {
    if (done || !range) return [];
    const rows = await auditPage(ctx.db, afterId, range.last, AUDIT_PAGE);
    if (rows.length < AUDIT_PAGE) done = true;
    if (rows.length) {
      afterId = rows[rows.length - 1].id;
      lastHash = rows[rows.length - 1].hash;
    }
    // The people whose personal ids the page shows in clear (actors, and subjects that are people).
    const named = rows.flatMap((e) => [
      ...(e.actorPid ? [e.actorHash ?? keyOf(e.actorPid)] : []),
      ...(isPersonSubject(e.subject) ? [e.subjectHash ?? keyOf(e.subject)] : []),
    ]);
    await indexSubjectHashes(ctx.db, request.readId, named);
    return rows;
  };
  const header: ExportHeader = {
    type: 'audit-export',
    version: 2,
    exportedAt: exportedAt.toISOString(),
    requestedBy: request.requestedBy,
    issuer: ctx.config.publicOrigin ?? null,
    from: period.from?.toISOString() ?? null,
    to: period.to?.toISOString() ?? null,
    previousHash,
  };
  const ndjson: Source = {
    async next() {
      if (!started) {
        started = true;
        return `${JSON.stringify(header)}\n`;
      }
      const rows = await page();
      if (!rows.length) return undefined;
      // After the page's events, the rows of mutable tables that contradict them, if any.
      const problems = await auditPageProblems(ctx.db, rows);
      const people = await reveal(rows);
      return [...rows.map((e) => auditLine(e, people)), ...problems].map((l) => `${JSON.stringify(l)}\n`).join('');
    },
    sealExtra: () => ({ lastHash }),
  };
  const csv: Source = {
    async next() {
      if (started && done) return undefined;
      const rows = await page();
      const first = !started;
      started = true;
      if (!first && rows.length === 0) return undefined;
      const people = await reveal(rows);
      return toCsv(
        rows.map((e) => [
          e.id,
          e.chainVersion,
          e.at.toISOString(),
          shownPid(people, e.actorPid) ?? '',
          e.actorHash ?? '',
          e.action,
          e.lotId ?? '',
          shownPid(people, e.subject) ?? '',
          e.subjectHash ?? '',
          canonicalJson(e.data),
          e.prevHash,
          e.hash,
        ]),
        { header: first, columns: [...AUDIT_CSV_COLUMNS] },
      );
    },
  };
  return toStream(
    ctx,
    format === 'ndjson' ? ndjson : csv,
    format === 'ndjson' ? { key, kind: 'audit-export', request } : undefined,
  );
}
