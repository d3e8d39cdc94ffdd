// The pure parts of the regulator's pages: a verifier verdict in the reader's language (every code has
// a text in both languages; amounts, times and statuses formatted, never raw), the media type a file
// is sent as, and the export period typed as Vietnamese dates (Vietnam time, whatever the machine's zone).
import { describe, expect, it } from 'vitest';
import { VERIFY_CODES } from '../../server/records/verify-codes.ts';
import { en } from '../../web/lib/i18n/en.ts';
import { translator } from '../../web/lib/i18n/index.ts';
import { vi } from '../../web/lib/i18n/vi.ts';
import { readPeriod, readVnDate } from '../../web/routes/regulator/exports/period.ts';
import { mediaTypeFor, reasonText } from '../../web/routes/regulator/verify/verdict.ts';

const tVi = translator('vi');
const tEn = translator('en');

describe("verdicts in the reader's language", () => {
  it('has a Vietnamese and an English text for every verifier code', () => {
    for (const code of VERIFY_CODES) {
      expect(vi.recordCheck.code[code], code).toMatch(/\S/);
      expect(en.recordCheck.code[code], code).toMatch(/\S/);
    }
    expect(Object.keys(vi.recordCheck.code).sort()).toEqual([...VERIFY_CODES].sort());
  });

  it('formats a changed final price as money, never as raw digits', () => {
    const v = {
      valid: false,
      signed: true,
      code: 'RESULT_PRICE_MISMATCH' as const,
      reason: "the record's final price 160000000 is not the 150000000 the close chained (audit event 7)",
      params: { price: 160_000_000, chainedPrice: 150_000_000, eventId: 7 },
    };
    const text = reasonText(v, tVi, 'vi');
    expect(text).toBe(
      'Giá trúng trong hồ sơ là 160.000.000 ₫, nhưng khi kết thúc phiên nhật ký ghi 150.000.000 ₫ (sự kiện số 7).'.replace(
        / ₫/g,
        '\u00a0₫',
      ),
    );
    expect(text).not.toMatch(/\d{7,}/);
    expect(reasonText(v, tEn, 'en')).toContain('160.000.000');
  });

  it('names times in Vietnam time, statuses and missing winners in words', () => {
    const changed = reasonText(
      {
        valid: false,
        signed: true,
        code: 'REGISTRATION_PERSON_CHANGED',
        params: { bidderCode: 'B-001', eventId: 4, at: '2026-11-29T05:01:05.000Z' },
      },
      tVi,
      'vi',
    );
    expect(changed).toContain('29/11/2026 12:01:05');
    const end = reasonText(
      { valid: false, signed: true, code: 'RESULT_END_MISMATCH', params: { status: 'closed', chained: '' } },
      tVi,
      'vi',
    );
    expect(end).toContain('“Đã kết thúc”');
    const winner = reasonText(
      {
        valid: false,
        signed: true,
        code: 'RESULT_WINNER_MISMATCH',
        params: { winner: null, chainedWinner: 'B-001', eventId: 9 },
      },
      tVi,
      'vi',
    );
    expect(winner).toContain('là không có ai');
  });

  it('says where in an export, and marks a problem with the seal', () => {
    const inLot = reasonText(
      { valid: false, signed: true, code: 'LEDGER_ENTRY_CHANGED', params: { seq: 3, lotId: 12, line: 4 } },
      tVi,
      'vi',
    );
    expect(inLot).toBe('Lượt số 3 đã bị sửa: mã băm không khớp với nội dung. Vị trí: phiên số 12, dòng 4.');
    const seal = reasonText(
      { valid: false, signed: false, code: 'UNKNOWN_KEY', params: { kid: 'x', part: 'seal' } },
      tVi,
      'vi',
    );
    expect(seal).toMatch(/^Dấu niêm phong của tệp xuất: Được ký bằng khóa “x”/);
  });

  it('falls back to the English reason for a code this build does not know', () => {
    const v = { valid: false, signed: false, code: 'SOMETHING_NEW' as never, reason: 'a newer server said so' };
    expect(reasonText(v, tVi, 'vi')).toBe('a newer server said so');
  });
});

describe('the media type a file is sent as', () => {
  it('sends records as JSON or JOSE, exports as NDJSON and CSV files as CSV, by name or content', () => {
    expect(mediaTypeFor('lot-1-record.json', '{"protected":"a","payload":"b","signature":"c"}')).toBe(
      'application/json',
    );
    expect(mediaTypeFor('record.jws', 'aaa.bbb.ccc\n')).toBe('application/jose');
    expect(mediaTypeFor('lots.ndjson', '{"type":"lot-export"}\n{"x":1}\n')).toBe('application/x-ndjson');
    expect(mediaTypeFor('download', '{"type":"audit-export","version":1}\n{"x":1}\n')).toBe('application/x-ndjson');
    expect(mediaTypeFor('ledger.csv', '\uFEFFlotId,seq')).toBe('text/csv');
    expect(mediaTypeFor('ledger.txt', 'lotId,seq,placedAt\r\n1,1,x')).toBe('text/csv');
  });
});

describe('the export period typed as Vietnamese dates', () => {
  it('runs from 00:00 of the first day to 24:00 of the last, Vietnam time, with the offset explicit', () => {
    expect(readPeriod('01/12/2026', '31/12/2026')).toEqual({
      ok: true,
      from: '2026-12-01T00:00:00+07:00',
      to: '2027-01-01T00:00:00+07:00',
    });
    expect(readPeriod('1-2-2026', '28.02.2026')).toEqual({
      ok: true,
      from: '2026-02-01T00:00:00+07:00',
      to: '2026-03-01T00:00:00+07:00',
    });
    // A phone's number pad has no "/".
    expect(readPeriod('01122026', '01122026')).toEqual({
      ok: true,
      from: '2026-12-01T00:00:00+07:00',
      to: '2026-12-02T00:00:00+07:00',
    });
    expect(Date.parse('2026-12-01T00:00:00+07:00')).toBe(Date.UTC(2026, 10, 30, 17));
  });

  it('says which part of a date is wrong, and refuses a period that ends before it starts', () => {
    expect(readVnDate('')).toEqual({ ok: false, problem: 'required' });
    expect(readVnDate('31/02/2026')).toEqual({ ok: false, problem: 'day' });
    expect(readVnDate('01/13/2026')).toEqual({ ok: false, problem: 'month' });
    expect(readVnDate('01/12/1999')).toEqual({ ok: false, problem: 'year' });
    expect(readVnDate('2026-12-01')).toEqual({ ok: false, problem: 'format' });
    expect(readVnDate('01/12/2026 10:00')).toEqual({ ok: false, problem: 'format' });
    expect(readPeriod('02/12/2026', '01/12/2026')).toEqual({ ok: false, to: 'order' });
    expect(readPeriod('x', '')).toEqual({ ok: false, from: 'format', to: 'required' });
  });
});
