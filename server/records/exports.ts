// Streamed bulk exports: every ended lot of a period (full records, NDJSON; or one summary row per
// lot, CSV) and the audit log (NDJSON or CSV). Each stream pulls one keyset page from the database
// only when the client has taken the previous one, so memory stays bounded by the page size however
// long the period. NDJSON exports end with a seal: a JWS over the line count and SHA-256 of every
// byte before it (see verify-export.ts), so a cut, edited or reordered export is detected.
import { createHash, type Hash } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { canonicalJson, GENESIS_HASH } from '../shared/hash-chain.ts';
import { toCsv } from './csv.ts';
import { signCompact } from './jws.ts';
import { auditHashBefore, auditIdRange, auditPage, endedLotsPage, loadDetails, summaryExtras, type AuditRow, type LotRow, type Period } from './queries.ts';
import { buildRecord, isEnded } from './record.ts';
import { SEAL_CTY, type AuditLine, type ExportHeader, type SealPayload } from './record-format.ts';
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
function toStream(ctx: AppContext, source: Source, seal: { key: SigningKey; kind: ExportHeader['type']; exportedAt: Date } | undefined): ReadableStream<Uint8Array> {
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
          const payload: SealPayload = { type: 'export-seal', export: seal.kind, exportedAt: seal.exportedAt.toISOString(), lines, sha256: digest.digest('hex'), ...source.sealExtra?.() };
          const jws = await signCompact(encoder.encode(JSON.stringify(payload)), seal.key, SEAL_CTY);
          controller.enqueue(encoder.encode(`${JSON.stringify({ type: 'export-seal', jws })}\n`));
        }
        controller.close();
      } catch (err) {
        ctx.log.error({ err }, 'export stream failed');
        // An NDJSON export without its seal is reported incomplete by every verifier.
        if (seal) controller.enqueue(encoder.encode(`${JSON.stringify({ type: 'error', message: 'The export failed part-way and is incomplete.' })}\n`));
        controller.error(err);
      }
    },
  });
}

const LOT_CSV_COLUMNS = ['lotId', 'title', 'category', 'status', 'startingPrice', 'priceStep', 'deposit', 'registrationOpensAt', 'registrationClosesAt', 'startsAt', 'scheduledEndsAt', 'endsAt', 'closedAt', 'registrations', 'bidCount', 'entryCount', 'finalPrice', 'winnerBidderCode', 'winnerPid', 'winnerName', 'cancelReason', 'finalHash'];

/** Every ended lot whose bidding window ended within the period, by lot id. */
export function lotsExport(ctx: AppContext, key: SigningKey, period: Period, format: ExportFormat, exportedAt: Date): ReadableStream<Uint8Array> {
  let afterId = 0;
  let started = false;
  let done = false;
  const page = async (): Promise<LotRow[]> => {
    const rows = await endedLotsPage(ctx.db, period, afterId, LOT_PAGE);
    if (rows.length === 0) done = true;
    else afterId = rows[rows.length - 1].id;
    return rows;
  };
  const header: ExportHeader = { type: 'lot-export', version: 1, exportedAt: exportedAt.toISOString(), issuer: ctx.config.publicOrigin ?? null, from: period.from.toISOString(), to: period.to.toISOString() };
  const rc = { issuedAt: exportedAt, issuer: ctx.config.publicOrigin ?? null, minBidders: ctx.config.policy.minBidders };
  const ndjson: Source = {
    async next() {
      if (!started) {
        started = true;
        return `${JSON.stringify(header)}\n`;
      }
      const rows = done ? [] : await page();
      if (rows.length === 0) return undefined;
      const details = await loadDetails(ctx.db, rows.map((r) => r.id));
      return rows.map((r) => (isEnded(r.status) ? `${JSON.stringify(buildRecord({ ...r, status: r.status }, details.get(r.id)!, rc))}\n` : '')).join('');
    },
  };
  const csv: Source = {
    async next() {
      if (done) return undefined;
      const rows = await page();
      if (rows.length === 0 && started) return undefined;
      const extras = await summaryExtras(ctx.db, rows);
      const records = rows.map((r) => {
        const x = extras.get(r.id)!;
        const iso = (d: Date | null): string => d?.toISOString() ?? '';
        return [r.id, r.title, r.category, r.status, r.startingPrice, r.priceStep, r.deposit, iso(r.registrationOpensAt), iso(r.registrationClosesAt), iso(r.startsAt), iso(r.scheduledEndsAt), iso(r.endsAt), iso(r.closedAt), x.registrationCount, r.bidCount, x.entryCount, r.finalPrice ?? '', x.winnerBidderCode ?? '', x.winnerPid ?? '', x.winnerName ?? '', r.cancelReason ?? '', x.finalHash ?? GENESIS_HASH];
      });
      const first = !started;
      started = true;
      return toCsv(records, { header: first, columns: LOT_CSV_COLUMNS });
    },
  };
  return toStream(ctx, format === 'ndjson' ? ndjson : csv, format === 'ndjson' ? { key, kind: 'lot-export', exportedAt } : undefined);
}

function auditLine(e: AuditRow): AuditLine {
  return { type: 'audit-event', id: e.id, at: e.at.toISOString(), actorPid: e.actorPid, action: e.action, lotId: e.lotId, subject: e.subject, data: e.data, prevHash: e.prevHash, hash: e.hash };
}

/** The audit log (optionally a period of it, as one contiguous id range so its chain links up). */
export async function auditExport(ctx: AppContext, key: SigningKey, period: Partial<Period>, format: ExportFormat, exportedAt: Date): Promise<ReadableStream<Uint8Array>> {
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
  const header: ExportHeader = { type: 'audit-export', version: 1, exportedAt: exportedAt.toISOString(), issuer: ctx.config.publicOrigin ?? null, from: period.from?.toISOString() ?? null, to: period.to?.toISOString() ?? null, previousHash };
  const ndjson: Source = {
    async next() {
      if (!started) {
        started = true;
        return `${JSON.stringify(header)}\n`;
      }
      const rows = await page();
      return rows.length ? rows.map((e) => `${JSON.stringify(auditLine(e))}\n`).join('') : undefined;
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
        rows.map((e) => [e.id, e.at.toISOString(), e.actorPid ?? '', e.action, e.lotId ?? '', e.subject ?? '', canonicalJson(e.data), e.prevHash, e.hash]),
        { header: first, columns: [...AUDIT_CSV_COLUMNS] },
      );
    },
  };
  return toStream(ctx, format === 'ndjson' ? ndjson : csv, format === 'ndjson' ? { key, kind: 'audit-export', exportedAt } : undefined);
}
