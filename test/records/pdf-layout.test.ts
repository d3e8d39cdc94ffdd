import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { MARGIN, table } from '../../server/records/pdf-layout.ts';

const require = createRequire(import.meta.url);
const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined;

/** The table's text as pdftotext reads it, one line per line of the page. */
async function tableText(rows: string[][]): Promise<string> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN });
  doc.registerFont('Regular', require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
  doc.registerFont('Bold', require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'));
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => doc.on('end', resolve));
  table(
    doc,
    [
      { title: 'Mã', width: 50 },
      { title: 'Mã cam kết', width: 232, oneLine: true },
    ],
    rows,
  );
  doc.end();
  await ended;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-layout-')), 't.pdf');
  fs.writeFileSync(file, Buffer.concat(chunks));
  return execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', file, '-'], { encoding: 'utf8' });
}

describe.runIf(hasPdftotext)('a one-line table column', () => {
  it('prints the widest 43-character commitment, hyphen and all, on one unbroken line', async () => {
    const widest = 'W'.repeat(21) + '-' + 'M'.repeat(21);
    const usual = 'qjGqaYnroY5qXE-gGNUKw2u3gMV2WpEyUBvNGRgHvmU';
    const text = await tableText([
      ['B-AAAA', widest],
      ['B-BBBB', usual],
    ]);
    const lines = text.split('\n');
    expect(lines.some((l) => l.includes(widest))).toBe(true);
    expect(lines.some((l) => l.includes(usual))).toBe(true);
  });
});
