import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import { vi } from '../../web/lib/i18n/vi.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot, VIETNAMESE_LETTERS, type SeededLot } from './factory.ts';
import { getBytes, personaTokens } from './support.ts';

const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined;
if (!hasPdftotext) {
  console.warn('pdftotext is missing (apt-get install -y poppler-utils): the PDF text-extraction tests are skipped');
  if (process.env.CI === 'true') throw new Error('pdftotext (poppler-utils) is required in CI');
}

let tp: TestPlatform;
let regulator: string;
let lot: SeededLot;
let text = '';
/** The text in reading order (no layout), whitespace collapsed: table cells that wrap read whole. */
let flow = '';
let pdf: Buffer;
let kid: string;
let issuedAt: string;

beforeAll(async () => {
  tp = await startTestPlatform();
  regulator = (await personaTokens(tp)).regulator!;
  lot = await seedEndedLot(tp.database.db, { bids: CONTESTED_BIDS, extend: true });
  const res = await getBytes(tp, `/api/records/lots/${lot.lotId}?format=pdf`, regulator);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  pdf = res.bytes;
  const json = (await tp.call('GET', `/api/records/lots/${lot.lotId}?format=json`, { token: regulator })).json;
  kid = JSON.parse(Buffer.from(json.protected, 'base64url').toString()).kid;
  issuedAt = JSON.parse(Buffer.from(json.payload, 'base64url').toString()).issuedAt;
  if (hasPdftotext) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-pdf-'));
    fs.writeFileSync(path.join(dir, 'record.pdf'), pdf);
    text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', path.join(dir, 'record.pdf'), '-'], {
      encoding: 'utf8',
    }).normalize('NFC');
    flow = execFileSync('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'record.pdf'), '-'], { encoding: 'utf8' })
      .normalize('NFC')
      .replace(/\s+/g, ' ');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(async () => tp?.stop());

describe('the font embedded in the PDF', () => {
  it('has a glyph for every Vietnamese letter with a diacritic', () => {
    const require = createRequire(import.meta.url);
    const font = fontkit.openSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')) as fontkit.Font;
    const letters = [...VIETNAMESE_LETTERS.replace(/ /g, ''), ...'ăâêôơưĂÂÊÔƠƯàáãèéìíòóõùúýÀÁÃÈÉÌÍÒÓÕÙÚÝ'];
    const upper = letters.map((c) => c.toUpperCase());
    expect([...letters, ...upper].filter((c) => !font.hasGlyphForCodePoint(c.codePointAt(0)!))).toEqual([]);
  });

  it('is embedded in the file rather than referenced', () => {
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/\/FontFile2/);
    expect(pdf.toString('latin1')).toMatch(/DejaVuSans/);
  });
});

describe.runIf(hasPdftotext)('the PDF record as text (pdftotext)', () => {
  it('keeps the Vietnamese text intact, every diacritic included', () => {
    expect(text).toContain('BIÊN BẢN ĐẤU GIÁ TÀI SẢN TRỰC TUYẾN');
    expect(text).toContain('Biển số xe 30K-999.99 (Hà Nội)');
    expect(text).toContain('Nguyễn Thị Ngọc Ánh');
    expect(text).toContain('Trần Văn Đức');
    expect(text).toContain('Diễn biến trả giá');
    expect(text).toContain('Rút giá');
    expect(text).toContain('Người trúng đấu giá');
    // The description wraps where the page ends; the letters run on in order either side of the wrap.
    expect(text.replace(/\s+/g, '')).toContain(VIETNAMESE_LETTERS.replace(/ /g, ''));
  });

  it('shows the final price, the winner and every ledger amount', () => {
    expect(text).toMatch(/Giá trúng:\s*65\.000\.000 đồng/);
    expect(text).toMatch(/B-001 — Nguyễn Thị Ngọc Ánh/);
    for (const amount of ['40.000.000', '45.000.000', '50.000.000', '60.000.000', '55.000.000'])
      expect(text).toContain(`${amount} đồng`);
  });

  it('prints the final hash and the signing key id', () => {
    const collapsed = text.replace(/\s+/g, '');
    expect(collapsed).toContain(lot.finalHash);
    expect(collapsed).toContain(kid);
    expect(text).toContain('Mã khóa ký (kid)');
  });

  it('prints the registrations with personal ids and deposit states', () => {
    for (const b of lot.bidders) expect(text).toContain(b.pid);
    expect(text).toContain('Chờ hoàn trả');
    expect(text).toContain('Bị loại');
    expect(text).toContain('Đã xác nhận');
  });
});

describe.runIf(hasPdftotext)("the PDF speaks the web app's Vietnamese", () => {
  it('names the category, statuses and deposit states in the words the web uses, never their raw values', () => {
    expect(text).toMatch(new RegExp(`${vi.manage.fields.category}:\\s*${vi.category['licence-plate']}`));
    expect(text).toMatch(new RegExp(`${vi.catalogue.status}:\\s*${vi.status.closed}`));
    expect(text).toContain(vi.regStatus.approved);
    expect(text).toContain(vi.regStatus.barred);
    for (const state of ['refundable', 'forfeited', 'retained'] as const) expect(flow).toContain(vi.reg.deposit[state]);
    expect(flow).toContain(vi.lot.softClose.replace('{{window}}', '60').replace('{{extend}}', '120'));
    expect(text).toContain('Phiên đã kết thúc. Giá trúng 65.000.000 đồng, mã người trúng B-001.');
    // Raw values of the record never reach the page.
    expect(text).not.toMatch(
      /licence-plate|pending_deposit|refundable|forfeited|retained|approved|barred|accepted|\bclosed\b|softClose/,
    );
  });

  it('prints times in Vietnam time (UTC+7) as dd/mm/yyyy hh:mm:ss', () => {
    const m = /lập lúc (\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2}) \(giờ Việt Nam, UTC\+7\)/.exec(text);
    expect(m).not.toBeNull();
    // The PDF was issued just before the JSON record was: read as +07:00, its time is seconds before.
    const printed = Date.parse(`${m![3]}-${m![2]}-${m![1]}T${m![4]}:${m![5]}:${m![6]}+07:00`);
    expect(Date.parse(issuedAt) - printed).toBeGreaterThanOrEqual(0);
    expect(Date.parse(issuedAt) - printed).toBeLessThan(60_000);
    // A bid's time, as the ledger table prints it.
    expect(text).toMatch(/ 7 \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} B-001 +Trả giá +65\.000\.000 đồng/);
  });

  it('ends with signature blocks for the organisation and the winner, left unsigned and saying so', () => {
    const tail = text.slice(text.indexOf('10. Chữ ký'));
    expect(text).toContain('10. Chữ ký');
    expect(tail).toContain('CHƯA có chữ ký');
    expect(tail).toContain('ĐẠI DIỆN TỔ CHỨC ĐẤU GIÁ TÀI SẢN');
    expect(tail).toContain('NGƯỜI TRÚNG ĐẤU GIÁ');
    expect(tail).toContain('Nguyễn Thị Ngọc Ánh — mã B-001');
    expect(tail).toContain(lot.managerPid);
    expect(tail.match(/Chưa ký/g)).toHaveLength(2);
  });
});

describe.runIf(hasPdftotext)('a record with a long ledger', () => {
  it('breaks across pages and still lists every entry', async () => {
    const bids = Array.from({ length: 150 }, (_, i) => ({ by: i % 2, amount: 40_000_000 + i * 5_000_000 }));
    const long = await seedEndedLot(tp.database.db, { bids });
    const res = await getBytes(tp, `/api/records/lots/${long.lotId}?format=pdf`, regulator);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-pdf-'));
    fs.writeFileSync(path.join(dir, 'r.pdf'), res.bytes);
    const out = execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', path.join(dir, 'r.pdf'), '-'], {
      encoding: 'utf8',
    });
    const info = execFileSync('pdfinfo', [path.join(dir, 'r.pdf')], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(Number(/Pages:\s+(\d+)/.exec(info)![1])).toBeGreaterThan(3);
    expect(out).toContain(`${(40_000_000 + 149 * 5_000_000).toLocaleString('de-DE')} đồng`);
    expect(out).toMatch(/trang 1\/\d+/);
  });
});
