// Every code the server can answer with has a text in both interface languages: error codes, reasons,
// field codes, the record verifier's codes and lot notices, taken from the server's own exported lists,
// so a code added on the server without its texts fails here. And a page shows those texts by code,
// with the parameters in the person's formats, the English message only for a code it does not know.
import { describe, expect, it } from 'vitest';
import { vi } from '../../web/lib/i18n/vi.ts';
import { en } from '../../web/lib/i18n/en.ts';
import { translator, type Locale } from '../../web/lib/i18n/index.ts';
import { errorText, fieldText, fieldTexts } from '../../web/lib/server-text.ts';
import type { ApiError, ApiFieldError, ErrorCode } from '../../web/lib/api/types.ts';
import { bidFailure } from '../../web/lib/bid-outcome.ts';
import { ERROR_CODES } from '../../server/shared/errors.ts';
import { REASON_CODES } from '../../server/shared/reasons.ts';
import { FIELD_CODES } from '../../server/shared/field-errors.ts';
import { VERIFY_CODES } from '../../server/records/verify-codes.ts';
import { LOT_CHANGE_REASONS } from '../../server/shared/events.ts';
import { SHED_REASONS } from '../../server/bidding/shed-reasons.ts';

/** The codes a browser adds itself (web/lib/api/client.ts). */
const CLIENT_CODES = ['NETWORK', 'TIMEOUT'];

const catalogues = { vi, en } as const;
const speaker = (locale: Locale) => ({ locale, t: translator(locale) });

function textOf(table: unknown, key: string): string | undefined {
  const v = (table as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' && v.trim() ? v : undefined;
}

describe('texts for every server code', () => {
  const lists: [string, readonly string[], (c: typeof vi) => unknown][] = [
    ['error code', [...ERROR_CODES, ...CLIENT_CODES], (c) => c.server.code],
    ['reason', REASON_CODES, (c) => c.server.reason],
    ['field code', FIELD_CODES, (c) => c.server.field],
    ['notice', LOT_CHANGE_REASONS, (c) => c.server.notice],
    ['verify code', VERIFY_CODES, (c) => c.recordCheck.code],
  ];
  for (const [what, codes, table] of lists) {
    it(`has a Vietnamese and an English text for every ${what}`, () => {
      expect(codes.length).toBeGreaterThan(0);
      for (const [lang, catalogue] of Object.entries(catalogues)) {
        const missing = codes.filter((code) => !textOf(table(catalogue as typeof vi), code));
        expect(missing, `${what}s without a ${lang} text`).toEqual([]);
      }
    });
  }

  it('has no text for a code the server no longer sends', () => {
    expect(Object.keys(vi.server.reason).sort()).toEqual([...REASON_CODES].sort());
    expect(Object.keys(vi.server.field).sort()).toEqual([...FIELD_CODES].sort());
    expect(Object.keys(vi.server.code).sort()).toEqual([...ERROR_CODES, ...CLIENT_CODES].sort());
  });

  it('reads the bid refusals that say "not placed" from the server’s own list', () => {
    for (const reason of SHED_REASONS)
      expect(bidFailure(503, { code: 'UNAVAILABLE', reason }), reason).toBe(
        reason === 'unknown_outcome' ? 'unknown' : 'not_placed',
      );
  });
});

describe('a server error, as a page shows it', () => {
  it('is worded by its reason with the parameters in the person’s formats', () => {
    const error: ApiError = {
      code: 'BID_TOO_LOW',
      reason: 'below_next_bid',
      params: { minNextBid: 45_000_000 },
      message: 'The bid must be at least 45,000,000 VND (current price plus one step).',
    };
    expect(errorText(speaker('vi'), error).replace(/\s/g, ' ')).toBe(
      'Giá trả phải ít nhất 45.000.000 ₫ (giá hiện tại cộng một bước giá).',
    );
    expect(errorText(speaker('en'), error).replace(/\s/g, ' ')).toBe(
      'The bid must be at least 45.000.000 ₫ (the current price plus one step).',
    );
    const admin: ApiError = {
      code: 'NOT_FOUND',
      reason: 'person_unknown',
      message: 'No person with this identification number has signed in yet.',
    };
    expect(errorText(speaker('vi'), admin)).toBe('Chưa có ai với số định danh này từng đăng nhập vào cổng.');
    const status: ApiError = {
      code: 'INVALID_STATE',
      reason: 'lot_already_in_status',
      params: { status: 'closed' },
      message: 'The lot is already closed.',
    };
    expect(errorText(speaker('vi'), status)).toBe('Phiên đã ở trạng thái “Đã kết thúc”.');
  });

  it('falls back to its code, and to the server’s English only for a code this page does not know', () => {
    expect(
      errorText(speaker('vi'), { code: 'NOT_FOUND', reason: 'some_new_reason' as ApiError['reason'], message: 'New.' }),
    ).toBe('Không tìm thấy.');
    expect(errorText(speaker('vi'), { code: 'NETWORK', message: 'No connection to the server.' })).toBe(
      'Không kết nối được với máy chủ. Hãy kiểm tra kết nối mạng rồi thử lại.',
    );
    expect(errorText(speaker('vi'), { code: 'SOMETHING_NEW' as ErrorCode, message: 'Something new.' })).toBe(
      'Something new.',
    );
  });

  it('words each invalid field by its code, money in đồng, falling back to the server’s words', () => {
    const error: Pick<ApiError, 'fields' | 'fieldErrors'> = {
      fields: {
        deposit: 'must be 5–20% of the starting price: from 2,000,000 VND to 8,000,000 VND',
        title: 'at most 200 characters',
        other: 'a new rule',
      },
      fieldErrors: {
        deposit: { code: 'DEPOSIT_OUT_OF_RANGE', minPct: 5, maxPct: 20, min: 2_000_000, max: 8_000_000 },
        title: { code: 'TOO_LONG', max: 200 },
        // A code added to the server after this page was built.
        other: { code: 'NEW_CODE' as ApiFieldError['code'] },
      },
    };
    const texts = fieldTexts(speaker('vi'), error);
    expect(texts.deposit.replace(/\s/g, ' ')).toBe('Phải bằng 5–20% giá khởi điểm: từ 2.000.000 ₫ đến 8.000.000 ₫.');
    expect(texts.title).toBe('Tối đa 200 ký tự.');
    expect(texts.other).toBe('a new rule');
    expect(fieldText(speaker('vi'), { code: 'TOO_SMALL', min: 0, inclusive: false })).toBe('Phải lớn hơn 0.');
    expect(fieldText(speaker('en'), { code: 'REQUIRED' })).toBe('Required.');
  });
});
