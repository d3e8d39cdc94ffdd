// The regulator's pages in a real browser (issue 14 items 3 and 8): checking a CSV says "chain
// consistent, NOT signed" with the final hash to compare (also for a CSV whose winner was changed and
// whose chain was recomputed), never "valid"; a signed record shows its lot, entries, final hash, key
// and signing time; the period exports download from the page (dates typed the Vietnamese way) and the
// NDJSON verifies; the ledger says each time once and formats every amount. Axe at desktop and 390 px,
// no sideways scrolling of the page at 390 px, screenshots at both widths.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '../../server/records/csv.ts';
import { LEDGER_CSV_COLUMNS } from '../../server/records/verify-export.ts';
import { GENESIS_HASH, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import {
  axeViolations,
  chromiumAvailable,
  newSession,
  PERSONA,
  screenshots,
  startE2E,
  type E2E,
  type Session,
} from './browser.ts';

const run = chromiumAvailable();
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
let e2e: E2E;
let regulator: Session;
let dir: string;
/** A demo lot that closed with bids: id, title, and its record and ledger CSV as downloaded. */
let lot: { id: number; title: string; finalHash: string; entries: number; kid: string };
let recordFile: string;
let csvFile: string;

/** The ledger CSV with its last bid handed to another bidder and every hash recomputed, as a forger would. */
function forgeWinner(csv: string): { text: string; finalHash: string } {
  const rows = parse(csv.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
  const last = rows[rows.length - 1];
  last.bidderCode = rows.find((r) => r.bidderCode !== last.bidderCode)?.bidderCode ?? 'B-999';
  let prev = GENESIS_HASH;
  for (const r of rows) {
    r.prevHash = prev;
    r.hash = ledgerEntryHash(prev, {
      lotId: Number(r.lotId),
      seq: Number(r.seq),
      kind: r.kind as 'bid' | 'withdrawal',
      amount: Number(r.amount),
      bidderCode: r.bidderCode,
      placedAt: r.placedAt,
      withdrawsSeq: r.withdrawsSeq === '' ? null : Number(r.withdrawsSeq),
    });
    prev = r.hash;
  }
  return { text: toCsv(rows, { header: true, columns: [...LEDGER_CSV_COLUMNS] }), finalHash: prev };
}

/** Axe at desktop width and at 390 px, and the page never scrolls sideways at 390 px. */
async function checkBothWidths(session: Session, name: string): Promise<void> {
  const { page } = session;
  await page.setViewportSize(DESKTOP);
  expect(await axeViolations(page), `${name} at desktop width`).toEqual([]);
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(150);
  expect(await axeViolations(page), `${name} at 390 px`).toEqual([]);
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth),
    `${name} scrolls sideways at 390 px`,
  ).toBeLessThanOrEqual(PHONE.width);
  await page.setViewportSize(DESKTOP);
  await screenshots(session, name);
}

async function upload(page: Session['page'], file: string): Promise<void> {
  await page.setInputFiles('#record-file', file);
  await page.getByRole('button', { name: 'Kiểm tra', exact: true }).click();
  await page.locator('[data-testid="verdict"] [data-state]').waitFor();
}

describe.runIf(run)('the regulator pages in Chromium', () => {
  beforeAll(async () => {
    e2e = await startE2E();
    regulator = await newSession(e2e, { pid: PERSONA.regulator });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regulator-e2e-'));
    const closed = await regulator.api<{ items: { id: number; title: string; bidCount: number }[] }>(
      'GET',
      '/api/lots?status=closed',
    );
    const withBids = closed.json.items.find((l) => l.bidCount > 0);
    if (!withBids) throw new Error('the demo has no closed lot with bids');
    const record = await regulator.api<{ protected: string; payload: string }>(
      'GET',
      `/api/records/lots/${withBids.id}?format=json`,
    );
    const body = JSON.parse(Buffer.from(record.json.payload, 'base64url').toString()) as {
      finalHash: string;
      ledger: unknown[];
    };
    lot = {
      id: withBids.id,
      title: withBids.title,
      finalHash: body.finalHash,
      entries: body.ledger.length,
      kid: JSON.parse(Buffer.from(record.json.protected, 'base64url').toString()).kid,
    };
    recordFile = path.join(dir, `lot-${lot.id}-record.json`);
    fs.writeFileSync(recordFile, JSON.stringify(record.json));
    csvFile = path.join(dir, `lot-${lot.id}-record-ledger.csv`);
    const csv = await regulator.context.request.get(`${e2e.base}/api/records/lots/${lot.id}?format=csv`);
    expect(csv.status()).toBe(200);
    fs.writeFileSync(csvFile, await csv.body());
  }, 240_000);
  afterAll(async () => {
    await e2e?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says a CSV is consistent but NOT signed, with the final hash to compare, even when its winner was changed and its chain recomputed', async () => {
    const { page } = regulator;
    await page.goto(`${e2e.base}/regulator/verify`);
    await page.locator('html[data-ready]').waitFor();

    await upload(page, csvFile);
    const verdict = page.getByTestId('verdict');
    expect(await verdict.locator('[data-state]').getAttribute('data-state')).toBe('unsigned');
    const text = (await verdict.textContent()) ?? '';
    expect(text).toContain('Chuỗi băm nhất quán, nhưng tệp KHÔNG có chữ ký số');
    expect(text).toContain(`so sánh mã băm cuối ${lot.finalHash} với mã băm cuối của hồ sơ có chữ ký số`);
    expect(text).not.toContain('Hồ sơ hợp lệ');
    expect(await page.getByTestId('verdict-hash').textContent()).toBe(lot.finalHash);
    await checkBothWidths(regulator, 'regulator-verify-csv');

    const forged = forgeWinner(fs.readFileSync(csvFile, 'utf8'));
    const forgedFile = path.join(dir, 'forged-ledger.csv');
    fs.writeFileSync(forgedFile, forged.text);
    await upload(page, forgedFile);
    expect(await verdict.locator('[data-state]').getAttribute('data-state')).toBe('unsigned');
    const forgedText = (await verdict.textContent()) ?? '';
    expect(forgedText).toContain('KHÔNG có chữ ký số');
    expect(forgedText).not.toMatch(/hợp lệ/i);
    // The hash to compare is the forgery's own, which no signed record carries.
    expect(await page.getByTestId('verdict-hash').textContent()).toBe(forged.finalHash);
    expect(forged.finalHash).not.toBe(lot.finalHash);
    expect(regulator.problems).toEqual([]);
  }, 120_000);

  it('shows a signed record with its lot, entries, final hash, key and signing time; a tampered one as not valid, in words', async () => {
    const { page } = regulator;
    await page.goto(`${e2e.base}/regulator/verify`);
    await page.locator('html[data-ready]').waitFor();
    await upload(page, recordFile);
    const verdict = page.getByTestId('verdict');
    expect(await verdict.locator('[data-state]').getAttribute('data-state')).toBe('signed');
    expect(await verdict.textContent()).toContain('Hồ sơ hợp lệ: chữ ký số đúng');
    expect(await page.getByTestId('verdict-lot').textContent()).toBe(`#${lot.id} · ${lot.title}`);
    expect(await page.getByTestId('verdict-entries').textContent()).toBe(String(lot.entries));
    expect(await page.getByTestId('verdict-hash').textContent()).toBe(lot.finalHash);
    expect(await page.getByTestId('verdict-kid').textContent()).toBe(lot.kid);
    expect(await page.getByTestId('verdict-signed-at').textContent()).toMatch(
      /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/,
    );
    await checkBothWidths(regulator, 'regulator-verify-signed');

    // A copy whose payload was changed: not valid, the reason in Vietnamese, not the API's English.
    const jws = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as { payload: string };
    const tampered = path.join(dir, 'tampered.json');
    fs.writeFileSync(tampered, JSON.stringify({ ...jws, payload: `${jws.payload.slice(0, -4)}AAAA` }));
    await upload(page, tampered);
    expect(await verdict.locator('[data-state]').getAttribute('data-state')).toBe('invalid');
    const text = (await verdict.locator('#verdict-title').textContent()) ?? '';
    expect(text).toContain('Hồ sơ phiên đấu giá KHÔNG hợp lệ: Chữ ký số không khớp với khóa công khai');
    expect(text).not.toMatch(/signature|does not/);
    expect(regulator.problems).toEqual([]);
  }, 120_000);

  it('downloads the period exports from the page, with dates typed the Vietnamese way and clear errors', async () => {
    const { page } = regulator;
    await page.goto(`${e2e.base}/regulator`);
    await page.locator('html[data-ready]').waitFor();
    await page.getByRole('link', { name: 'Xuất dữ liệu' }).click();
    await page.waitForURL(/\/regulator\/exports$/);
    await page.locator('html[data-ready]').waitFor();

    // A day that does not exist and a period that ends before it starts are refused on the page.
    await page.fill('#export-from', '31/02/2026');
    await page.getByRole('button', { name: 'Tải hồ sơ các phiên trong kỳ' }).click();
    expect(await page.locator('#export-from-error').textContent()).toBe('Tháng đó không có ngày này.');
    expect(await page.locator('#export-from').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('export-error').textContent()).toContain('Vui lòng sửa các trường được đánh dấu');
    await page.fill('#export-from', '02/12/2026');
    await page.fill('#export-to', '01/12/2026');
    await page.getByRole('button', { name: 'Tải hồ sơ các phiên trong kỳ' }).click();
    expect(await page.locator('#export-to-error').textContent()).toBe('Ngày cuối không được trước ngày đầu.');
    await checkBothWidths(regulator, 'regulator-exports-errors');

    // The demo's lots ended within the last day: a week up to today, in Vietnam time.
    const vnDay = (msAgo: number): string => {
      const d = new Date(Date.now() - msAgo + 7 * 3_600_000);
      return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
    };
    await page.fill('#export-from', vnDay(7 * 86_400_000));
    await page.fill('#export-to', vnDay(0));
    const [lots] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Tải hồ sơ các phiên trong kỳ' }).click(),
    ]);
    expect(lots.suggestedFilename()).toMatch(/^lots-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.ndjson$/);
    const lotsFile = path.join(dir, lots.suggestedFilename());
    await lots.saveAs(lotsFile);
    await expect
      .poll(() => page.getByTestId('export-status').textContent())
      .toContain(`Đã tải xong ${lots.suggestedFilename()}`);
    const ndjson = fs.readFileSync(lotsFile, 'utf8');
    expect(ndjson).toContain(`"id":${lot.id},`);
    const check = await regulator.context.request.post(`${e2e.base}/api/records/verify`, {
      headers: { 'content-type': 'application/x-ndjson', 'x-csrf-token': regulator.csrf },
      data: ndjson,
    });
    expect(await check.json()).toMatchObject({ valid: true, signed: true, kind: 'lot-export' });

    await page.getByLabel(/CSV để mở bằng bảng tính/).check();
    const [audit] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Tải nhật ký thao tác trong kỳ' }).click(),
    ]);
    expect(audit.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
    const auditFile = path.join(dir, audit.suggestedFilename());
    await audit.saveAs(auditFile);
    const csv = fs.readFileSync(auditFile, 'utf8').replace(/^\uFEFF/, '');
    expect(csv.split('\r\n')[0]).toBe('id,v,at,actorPid,actorHash,action,lotId,subject,subjectHash,data,prevHash,hash');
    // The exports themselves are on the audit log.
    expect(csv).toContain('record.exported');

    // A refusal is said on the page in words, not saved as a file.
    await page.route('**/api/records/lots?*', (route) =>
      route.fulfill({
        status: 429,
        contentType: 'application/json',
        headers: { 'retry-after': '7' },
        body: JSON.stringify({
          error: {
            code: 'RATE_LIMITED',
            reason: 'rate_limited',
            params: { retryAfterSeconds: 7 },
            message: 'Too many exports.',
          },
        }),
      }),
    );
    let downloads = 0;
    page.on('download', () => void downloads++);
    await page.getByRole('button', { name: 'Tải hồ sơ các phiên trong kỳ' }).click();
    await expect.poll(() => page.getByTestId('export-error').textContent()).toContain('Vui lòng thử lại sau 7 giây');
    expect(downloads).toBe(0);
    await page.unroute('**/api/records/lots?*');
    await checkBothWidths(regulator, 'regulator-exports');
    expect(regulator.problems).toEqual([]);
  }, 120_000);

  it('shows the ledger with each time once and every amount formatted, usable at 390 px', async () => {
    const { page } = regulator;
    await page.goto(`${e2e.base}/regulator`);
    await page.locator('html[data-ready]').waitFor();
    await checkBothWidths(regulator, 'regulator-search');
    await page.goto(`${e2e.base}/regulator/lots/${lot.id}`);
    await page.locator('html[data-ready]').waitFor();
    const rows = page.getByTestId('ledger').locator('tbody tr');
    expect(await rows.count()).toBe(lot.entries);
    const oneDay = (await page.getByTestId('ledger-day').count()) === 1;
    const whens = await rows.locator('td.when').allTextContents();
    expect(whens).toHaveLength(lot.entries);
    for (const when of whens) {
      // The time once: hh:mm:ss under a caption naming the day, or the date and the time once.
      expect(when.trim()).toMatch(oneDay ? /^\d{2}:\d{2}:\d{2}$/ : /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/);
    }
    for (const amount of await rows.locator('td.money').allTextContents())
      expect(amount).toMatch(/\d{1,3}(\.\d{3})+\s₫/);
    // No amount of money anywhere in the ledger as raw digits (hashes aside).
    for (const cell of await rows.locator('td:not(.hash)').allTextContents()) expect(cell).not.toMatch(/\d{7,}/);
    await checkBothWidths(regulator, 'regulator-lot');
    expect(regulator.problems).toEqual([]);
  }, 120_000);
});
