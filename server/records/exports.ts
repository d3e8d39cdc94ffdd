// Streamed bulk exports: every ended lot of a period (full records, NDJSON; or one summary row per
// lot, CSV) and the audit log (NDJSON or CSV). Each stream pulls one keyset page from the database
// only when the client has taken the previous one, so memory stays bounded by the page size however
// long the period. NDJSON exports end with a seal: a JWS over the line count and SHA-256 of every
// byte before it (see verify-export.ts), so a cut, edited or reordered export is detected. Whatever
// the database says is checked against the audit chain first (integrity.ts): a lot whose rows
// contradict it is exported as a refusal, not as a record, and the audit export lists such rows.
import { createHash, type Hash } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { canonicalJson, GENESIS_HASH } from '../shared/hash-chain.ts';
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
import { buildRecord } from './record.ts';
import { isEnded } from '../auctions/rules/index.ts';
import {
  SEAL_CTY,
  type AuctionRecord,
  type AuditLine,
  type ExportHeader,
  type RefusedRecordLine,
  type SealPayload,
} from './record-format.ts';
import type { SigningKey } from './signing-keys.ts';
import { AUDIT_CSV_COLUMNS } from './verify-export.ts';

/** Lots per page: a page's records (with their ledgers) are the most the export holds at once. */
export const LOT_PAGE = 200;
export const AUDIT_PAGE = 1000;

export type ExportFormat = 'ndjson' | 'csv';

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
  seal: { key: SigningKey; kind: ExportHeader['type']; exportedAt: Date } | undefined,
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
            exportedAt: seal.exportedAt.toISOString(),
            lines,
            sha256: digest.digest('hex'),
            ...source.sealExtra?.(),
          };
          const jws = await signCompact(encoder.encode(JSON.stringify(payload)), seal.key, SEAL_CTY);
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

/** One summary row: from the record, or, for a refused lot, the lot row without a winner and the reason. */
function summaryRow(r: LotRow, built: AuctionRecord | RefusedRecordLine): unknown[] {
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
  exportedAt: Date,
  actorPid: string,
  /** The organisations a scoped regulator's export covers (issue 19); null: the whole country. */
  organisations: number[] | null = null,
): ReadableStream<Uint8Array> {
  let afterId = 0;
  let started = false;
  let done = false;
  const header: ExportHeader = {
    type: 'lot-export',
    version: 1,
    exportedAt: exportedAt.toISOString(),
    issuer: ctx.config.publicOrigin ?? null,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
  };
  const rc = {
    issuedAt: exportedAt,
    issuer: ctx.config.publicOrigin ?? null,
    minBidders: ctx.config.policy.minBidders,
  };
  /** The next page of lots, each as its record or as the refusal to issue it. */
  const page = async (): Promise<{ row: LotRow; built: AuctionRecord | RefusedRecordLine }[]> => {
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
    const out: { row: LotRow; built: AuctionRecord | RefusedRecordLine }[] = [];
    for (const r of rows) {
      const d = details.get(r.id)!;
      const record = buildRecord({ ...r, status: r.status as AuctionRecord['result']['status'] }, d, rc);
      const reason = recordIntegrityProblem(record, d.events);
      if (reason) await auditRefusal(ctx, { actorPid, lotId: r.id, reason, scope: 'period' });
      out.push({ row: r, built: reason ? { type: 'record-refused', lotId: r.id, reason } : record });
    }
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
    format === 'ndjson' ? { key, kind: 'lot-export', exportedAt } : undefined,
  );
}

function auditLine(e: AuditRow): AuditLine {
  const line: AuditLine = {
    type: 'audit-event',
    id: e.id,
    at: e.at.toISOString(),
    actorPid: e.actorPid,
    action: e.action,
    lotId: e.lotId,
    subject: e.subject,
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
  exportedAt: Date,
): Promise<ReadableStream<Uint8Array>> {
  const range = await auditIdRange(ctx.db, period);
  const previousHash = range ? ((await auditHashBefore(ctx.db, range.first)) ?? GENESIS_HASH) : GENESIS_HASH;
  let afterId = range ? range.first - 1 : 0;
  let lastHash = previousHash;
  let started = false;
  let done = !range;
  const page = async (): Promise<AuditRow[]> => {
    if (done || !range) return [];
    const rows = await auditPage(ctx.db, afterId, range.last, AUDIT_PAGE);
    if (rows.length < AUDIT_PAGE) done = true;
    if (rows.length) {
      afterId = rows[rows.length - 1].id;
      lastHash = rows[rows.length - 1].hash;
    }
    return rows;
  };
  const header: ExportHeader = {
    type: 'audit-export',
    version: 1,
    exportedAt: exportedAt.toISOString(),
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
      return [...rows.map(auditLine), ...problems].map((l) => `${JSON.stringify(l)}\n`).join('');
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
      return toCsv(
        rows.map((e) => [
          e.id,
          e.chainVersion,
          e.at.toISOString(),
          e.actorPid ?? '',
          e.actorHash ?? '',
          e.action,
          e.lotId ?? '',
          e.subject ?? '',
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
    format === 'ndjson' ? { key, kind: 'audit-export', exportedAt } : undefined,
  );
}
