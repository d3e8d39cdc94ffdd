// What the verify page makes of a file and of the API's verdict: the media type to send the file as,
// and the verdict in the reader's language, from its code and params (never the English reason,
// whose amounts and times are raw): amounts as money, times in Vietnam time, statuses in words.
import type { Translate } from '#lib/i18n/index.ts';
import type { Locale } from '#lib/i18n/index.ts';
import { date, money, time } from '#lib/format.ts';
import type { VerifyCode, VerifyParams } from '../../../../server/records/verify-codes.ts';
import type { Verdict } from '#lib/api/types.ts';
import { LOT_STATUSES } from '#lib/lots.ts';

/** POST /api/records/verify → 200 (the API's Verdict). */
export type { Verdict };

/**
 * The media type that makes the API read the file as what it is: by its name first (.csv, .ndjson),
 * then by its content (an export's header line, JSON, else a compact JWS).
 */
export function mediaTypeFor(name: string, text: string): string {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  const firstLine = t.split('\n', 1)[0];
  if (/\.csv$/i.test(name)) return 'text/csv';
  if (/\.ndjson$/i.test(name) || (t.startsWith('{') && /"type"\s*:\s*"(lot|audit)-export"/.test(firstLine)))
    return 'application/x-ndjson';
  if (t.startsWith('{') || t.startsWith('"')) return 'application/json';
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\s*$/.test(t)) return 'application/jose';
  // Neither JSON nor a JWS: a CSV file saved under another name (its header has commas).
  return firstLine.includes(',') ? 'text/csv' : 'application/jose';
}

const MONEY = new Set(['price', 'chainedPrice', 'topPrice', 'askedPrice', 'stated', 'computed']);
const TIMES = new Set(['at', 'chainedAt']);
const PEOPLE = new Set(['winner', 'chainedWinner', 'topBidder']);
const STATUSES = new Set<string>(LOT_STATUSES);
/** Codes whose text already says the line or row. */
const PLACED = new Set<VerifyCode>([
  'EXPORT_LINE_NOT_RECORD',
  'EXPORT_LINE_NOT_EVENT',
  'EXPORT_RECORD_REFUSED',
  'CSV_SEQ_GAP',
  'CSV_CHAIN_BROKEN',
  'CSV_DATA_NOT_JSON',
]);

/** A Vietnam-time instant with seconds: "22/11/2026 16:20:31". */
export function instant(iso: string, locale: Locale): string {
  return `${date(iso, locale)} ${time(iso, locale)}`;
}

function formatParams(params: VerifyParams, t: Translate, locale: Locale): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === null) out[k] = PEOPLE.has(k) ? t('recordCheck.nobody') : t('recordCheck.none');
    else if (MONEY.has(k) && typeof v === 'number') out[k] = money(v);
    else if (TIMES.has(k) && typeof v === 'string' && !Number.isNaN(Date.parse(v))) out[k] = instant(v, locale);
    else if (k === 'status' && typeof v === 'string' && STATUSES.has(v)) out[k] = t(`status.${v as 'closed'}`);
    else out[k] = v;
  }
  return out;
}

/** Why a verdict is not valid, in the reader's language (the English reason for a code this page does not know). */
export function reasonText(v: Verdict, t: Translate, locale: Locale): string {
  if (!v.code) return v.reason ?? '';
  const params = v.params ?? {};
  const known = t(`recordCheck.code.${v.code}`, formatParams(params, t, locale));
  if (known === `recordCheck.code.${v.code}`) return v.reason ?? v.code;
  const where = [
    params.lotId !== undefined && v.code !== 'EXPORT_RECORD_REFUSED'
      ? t('recordCheck.whereLot', { lotId: String(params.lotId) })
      : '',
    params.line !== undefined && !PLACED.has(v.code) ? t('recordCheck.whereLine', { line: String(params.line) }) : '',
    params.row !== undefined && !PLACED.has(v.code) ? t('recordCheck.whereRow', { row: String(params.row) }) : '',
  ].filter(Boolean);
  const text = where.length ? `${known} ${t('recordCheck.where', { where: where.join(', ') })}` : known;
  return params.part === 'seal' ? t('recordCheck.seal', { reason: text }) : text;
}

type KindKey =
  'auction-record' | 'money-trail' | 'lot-export' | 'audit-export' | 'ledger-csv' | 'audit-csv' | 'csv' | 'document';
const KINDS = new Set<string>([
  'auction-record',
  'money-trail',
  'lot-export',
  'audit-export',
  'ledger-csv',
  'audit-csv',
  'csv',
]);

/** "Hồ sơ phiên đấu giá", "Sổ trả giá (CSV)", … */
export function kindText(kind: string | undefined, t: Translate): string {
  return t(`recordCheck.kind.${(kind && KINDS.has(kind) ? kind : 'document') as KindKey}`);
}
