// The bank statement file that organisations without a webhook upload (POST /api/payments/statements):
// a CSV as Vietnamese banks export an account's transaction history, read into credit lines. Pure: no
// I/O. The format (README "Payments", docs/samples/bank-statement.csv):
// - UTF-8, with or without a byte-order mark; comma-separated, fields quoted with " where needed.
// - Lines before the header (the bank's title, the account, the period) are ignored; the header is
//   the first line naming the columns below (case and surrounding spaces ignored, in any order, other
//   columns such as STT, Số tiền ghi nợ or Số dư ignored).
//     Ngày giao dịch            dd/mm/yyyy, dd/mm/yyyy HH:mm or dd/mm/yyyy HH:mm:ss, Vietnam time
//     Mã giao dịch              the bank's transaction id (or a column Số tham chiếu): import is idempotent by it
//     Số tiền ghi có            the credit in VND: 4.000.000 or 4000000 ('.' separates thousands; a ",00" is allowed)
//     Nội dung                  the transfer's memo, where the payment reference is looked for
//   and, where the bank exports them, the payer (kept with the credit: where its refund goes):
//     Tài khoản đối ứng         the payer's account number (or Số tài khoản đối ứng)
//     Tên tài khoản đối ứng     the payer's name (or Tên đơn vị đối ứng)
//     Ngân hàng đối ứng         the payer's bank
// - A line whose credit is empty or 0 is a debit or a fee: skipped. Blank lines are skipped.
// Any other departure refuses the whole file, naming the line (1-based, as an editor numbers it).
import { parse } from 'csv-parse/sync';

export interface StatementCredit {
  /** The file's line number (1-based) of this row. */
  line: number;
  transactionId: string;
  amount: number;
  paidAt: Date;
  memo: string;
  /** The payer, where the statement has the optional columns and they are filled. */
  payer: Payer;
}

/** Who paid, as a bank reports it (each part may be missing). */
export interface Payer {
  account?: string;
  name?: string;
  bank?: string;
}

export interface StatementRow {
  line: number;
  /** A credit, or why the row is not one. */
  credit?: StatementCredit;
  skipped?: 'not_a_credit';
}

export type StatementParse = { ok: true; rows: StatementRow[] } | { ok: false; line: number; detail: string };

/** The most rows a file may have (a month of a busy account fits; larger: split it). */
export const MAX_STATEMENT_ROWS = 5000;

const COLUMNS = {
  date: ['ngày giao dịch'],
  transactionId: ['mã giao dịch', 'số tham chiếu'],
  credit: ['số tiền ghi có'],
  memo: ['nội dung'],
} as const;
type Column = keyof typeof COLUMNS;
const PAYER_COLUMNS = {
  account: ['tài khoản đối ứng', 'số tài khoản đối ứng'],
  name: ['tên tài khoản đối ứng', 'tên đơn vị đối ứng'],
  bank: ['ngân hàng đối ứng'],
} as const;
type PayerColumn = keyof typeof PAYER_COLUMNS;
/** The longest payer detail kept (a bank's name or a person's is far shorter). */
const PAYER_DETAIL_MAX = 100;

const normaliseHeader = (s: string): string => s.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');

function columnsOf(cells: string[]): Record<Column, number> | undefined {
  const names = cells.map(normaliseHeader);
  const found: Partial<Record<Column, number>> = {};
  for (const [column, aliases] of Object.entries(COLUMNS) as [Column, readonly string[]][]) {
    const i = names.findIndex((n) => aliases.includes(n));
    if (i < 0) return undefined;
    found[column] = i;
  }
  return found as Record<Column, number>;
}

function payerColumnsOf(cells: string[]): Partial<Record<PayerColumn, number>> {
  const names = cells.map(normaliseHeader);
  const found: Partial<Record<PayerColumn, number>> = {};
  for (const [column, aliases] of Object.entries(PAYER_COLUMNS) as [PayerColumn, readonly string[]][]) {
    const i = names.findIndex((n) => aliases.includes(n));
    if (i >= 0) found[column] = i;
  }
  return found;
}

/** Vietnam's offset from UTC (no daylight saving time). */
const VIETNAM_OFFSET_MS = 7 * 3600_000;

/** A date (and time) as the statement writes it, in Vietnam time; undefined when it is not one. */
export function parseStatementDate(s: string): Date | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s.trim());
  if (!m) return undefined;
  const [d, mo, y, h = '0', mi = '0', se = '0'] = m.slice(1).map((x) => x ?? '0');
  const [day, month, year, hour, minute, second] = [d, mo, y, h, mi, se].map(Number);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return undefined;
  return new Date(utc - VIETNAM_OFFSET_MS);
}

/** An amount as the statement writes it (4.000.000, 4000000, 4.000.000,00); undefined when it is not one. */
export function parseStatementAmount(s: string): number | undefined {
  const m = /^(\d{1,3}(?:\.\d{3})+|\d+)(?:,0{1,2})?$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1].replaceAll('.', ''));
  return Number.isSafeInteger(n) ? n : undefined;
}

const TRANSACTION_ID = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;

/** Reads a statement file into its rows, or names the first line that is not in the format. */
export function parseStatement(text: string): StatementParse {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: false,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    return { ok: false, line, detail: `not valid CSV (${(err as Error).message.split(':')[0]})` };
  }
  const headerAt = records.findIndex((r) => columnsOf(r.record));
  if (headerAt < 0)
    return {
      ok: false,
      line: 1,
      detail: 'no header line naming the columns Ngày giao dịch, Mã giao dịch, Số tiền ghi có and Nội dung',
    };
  const columns = columnsOf(records[headerAt].record)!;
  const payerColumns = payerColumnsOf(records[headerAt].record);
  const width = records[headerAt].record.length;
  const body = records.slice(headerAt + 1).filter((r) => r.record.some((cell) => cell.trim() !== ''));
  if (body.length > MAX_STATEMENT_ROWS)
    return {
      ok: false,
      line: body[MAX_STATEMENT_ROWS].info.lines,
      detail: `over ${MAX_STATEMENT_ROWS} rows: split the file`,
    };
  const rows: StatementRow[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of body) {
    // The line where the record ends is what csv-parse counts; a quoted memo may span lines, so the
    // record's first line is that minus its embedded line breaks.
    const line = info.lines - (record.join('').match(/\n/g)?.length ?? 0);
    if (record.length !== width)
      return { ok: false, line, detail: `${record.length} columns where the header has ${width}` };
    const creditCell = record[columns.credit].trim();
    if (creditCell === '' || /^0+(,0{1,2})?$/.test(creditCell)) {
      rows.push({ line, skipped: 'not_a_credit' });
      continue;
    }
    const amount = parseStatementAmount(creditCell);
    if (amount === undefined)
      return { ok: false, line, detail: `Số tiền ghi có "${creditCell}" is not an amount in VND such as 4.000.000` };
    const transactionId = record[columns.transactionId].trim();
    if (!TRANSACTION_ID.test(transactionId))
      return {
        ok: false,
        line,
        detail: `Mã giao dịch "${transactionId.slice(0, 40)}" is missing or not a transaction id`,
      };
    const earlier = seen.get(transactionId);
    if (earlier !== undefined)
      return { ok: false, line, detail: `Mã giao dịch ${transactionId} is already on line ${earlier}` };
    seen.set(transactionId, line);
    const paidAt = parseStatementDate(record[columns.date]);
    if (!paidAt)
      return {
        ok: false,
        line,
        detail: `Ngày giao dịch "${record[columns.date].trim()}" is not a date dd/mm/yyyy [HH:mm[:ss]]`,
      };
    const memo = record[columns.memo].trim();
    if (memo.length > 500) return { ok: false, line, detail: 'Nội dung is over 500 characters' };
    const payer: Payer = {};
    for (const [column, i] of Object.entries(payerColumns) as [PayerColumn, number][]) {
      const value = record[i].trim();
      if (value.length > PAYER_DETAIL_MAX)
        return {
          ok: false,
          line,
          detail: `${records[headerAt].record[i].trim()} is over ${PAYER_DETAIL_MAX} characters`,
        };
      if (value !== '') payer[column] = value;
    }
    rows.push({ line, credit: { line, transactionId, amount, paidAt, memo, payer } });
  }
  return { ok: true, rows };
}
