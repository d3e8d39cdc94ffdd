import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
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
let pdf: Buffer;
let kid: string;

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
  if (hasPdftotext) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-pdf-'));
    fs.writeFileSync(path.join(dir, 'record.pdf'), pdf);
    text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', path.join(dir, 'record.pdf'), '-'], { encoding: 'utf8' }).normalize('NFC');
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
    expect(text).toContain('Rút lại giá');
    expect(text).toContain('Đấu giá thành công');
    // The description wraps where the page ends; the letters run on in order either side of the wrap.
    expect(text.replace(/\s+/g, '')).toContain(VIETNAMESE_LETTERS.replace(/ /g, ''));
  });

  it('shows the final price, the winner and every ledger amount', () => {
    expect(text).toMatch(/Giá trúng đấu giá:\s*65\.000\.000 đồng/);
    expect(text).toMatch(/B-001 — Nguyễn Thị Ngọc Ánh/);
    for (const amount of ['40.000.000', '45.000.000', '50.000.000', '60.000.000', '55.000.000']) expect(text).toContain(`${amount} đồng`);
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
    expect(text).toContain('Bị truất quyền');
    expect(text).toContain('Đủ điều kiện trả giá');
  });
});

describe.runIf(hasPdftotext)('a record with a long ledger', () => {
  it('breaks across pages and still lists every entry', async () => {
    const bids = Array.from({ length: 150 }, (_, i) => ({ by: i % 2, amount: 40_000_000 + i * 5_000_000 }));
    const long = await seedEndedLot(tp.database.db, { bids });
    const res = await getBytes(tp, `/api/records/lots/${long.lotId}?format=pdf`, regulator);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-pdf-'));
    fs.writeFileSync(path.join(dir, 'r.pdf'), res.bytes);
    const out = execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
    const info = execFileSync('pdfinfo', [path.join(dir, 'r.pdf')], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(Number(/Pages:\s+(\d+)/.exec(info)![1])).toBeGreaterThan(3);
    expect(out).toContain(`${(40_000_000 + 149 * 5_000_000).toLocaleString('de-DE')} đồng`);
    expect(out).toMatch(/trang 1\/\d+/);
  });
});
