// The payments domain's pure parts: transfer references and finding them in memos, the VietQR
// payload against a vector worked out by hand, the webhook signature, and the statement format (the
// shipped sample and malformed files).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCharacter, isValidReference, newReference, referencesIn } from '../../server/payments/reference.ts';
import { crc16ccitt, vietQrPayload } from '../../server/payments/vietqr.ts';
import { checkSignature, signatureHeader, signNotification } from '../../server/payments/webhook-signature.ts';
import { parseStatement, parseStatementAmount, parseStatementDate } from '../../server/payments/statement-format.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const SAMPLE_STATEMENT = new URL('../../docs/samples/bank-statement.csv', import.meta.url);

describe('transfer references', () => {
  it('are DG, 8 base-32 characters and a check character, and new ones differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = newReference();
      expect(r).toMatch(/^DG[0-9A-HJKMNP-TV-Z]{9}$/);
      expect(isValidReference(r)).toBe(true);
      seen.add(r);
    }
    expect(seen.size).toBe(200);
  });

  it('catch every single mistyped character and every swap of two different neighbours', () => {
    const ref = 'DG7K3M9QX2D';
    expect(isValidReference(ref)).toBe(true);
    for (let i = 2; i < ref.length; i++)
      for (const ch of ALPHABET) {
        if (ch === ref[i]) continue;
        const typo = ref.slice(0, i) + ch + ref.slice(i + 1);
        expect(isValidReference(typo), typo).toBe(false);
      }
    for (let i = 2; i < ref.length - 1; i++) {
      if (ref[i] === ref[i + 1]) continue;
      const swapped = ref.slice(0, i) + ref[i + 1] + ref[i] + ref.slice(i + 2);
      expect(isValidReference(swapped), swapped).toBe(false);
    }
  });

  it('has the check character worked out by hand for one body (Luhn mod 32)', () => {
    // Body 7K3M9QX2 as values 7,19,3,20,9,23,29,2; from the right, factors 2,1,2,1,…:
    // 2→4; 29→29; 23·2=46→1+14=15; 9→9; 20·2=40→1+8=9; 3→3; 19·2=38→1+6=7; 7→7. Sum 83; 83 mod 32 = 19;
    // check value (32-19) = 13 = 'D'.
    expect(checkCharacter('7K3M9QX2')).toBe('D');
  });

  it('are found in a memo however the bank wrote it', () => {
    expect(referencesIn('NGUYEN VAN AN chuyen tien dat truoc DG7K3M9QX2D')).toEqual(['DG7K3M9QX2D']);
    expect(referencesIn('ck dg7k3m 9qx2d lan 1')).toEqual(['DG7K3M9QX2D']);
    expect(referencesIn('DG-7K3M-9QX2-D.')).toEqual(['DG7K3M9QX2D']);
    // Look-alikes read as Crockford reads them: O as zero, I and L as one.
    expect(referencesIn('DGO Z9Y8X7WR')).toEqual(['DG0Z9Y8X7WR']);
    expect(referencesIn('DGT1V3W5X7J')).toEqual(['DGT1V3W5X7J']);
    expect(referencesIn('DGTIV3W5X7J')).toEqual(['DGT1V3W5X7J']);
    // A mistyped one is not a reference at all, and words are not mistaken for one.
    expect(referencesIn('DG7K3M9QX2E')).toEqual([]);
    expect(referencesIn('TIEN DAT COC DOT 2')).toEqual([]);
    expect(referencesIn('')).toEqual([]);
  });
});

describe('VietQR', () => {
  it('computes CRC-16/CCITT-FALSE (the standard check value of "123456789" is 29B1)', () => {
    expect(crc16ccitt('123456789')).toBe('29B1');
  });

  it('builds the EMVCo payload of a transfer (vector written out field by field)', () => {
    const expected =
      '000201' + // 00 payload format indicator "01"
      '010212' + // 01 point of initiation "12" (dynamic)
      '3857' + // 38 merchant account information, 57 characters:
      '0010A000000727' + //   00 NAPAS GUID
      '0127' + //   01 beneficiary, 27 characters:
      '0006970400' + //     00 BIN
      '01130000123456789' + //     01 account number (13 digits)
      '0208QRIBFTTA' + //   02 service: transfer to an account
      '5303704' + // 53 currency VND
      '54074000000' + // 54 amount
      '5802VN' + // 58 country
      '62150811DG7K3M9QX2D' + // 62 additional data: 08 purpose
      '6304' + // 63 CRC, over everything up to here
      'F209'; // computed independently (Python: binascii.crc_hqx(payload, 0xFFFF))
    expect(
      vietQrPayload({ bin: '970400', accountNumber: '0000123456789', amount: 4_000_000, purpose: 'DG7K3M9QX2D' }),
    ).toBe(expected);
  });

  it('refuses what cannot be paid', () => {
    expect(() => vietQrPayload({ bin: '9704', accountNumber: '1', amount: 1, purpose: 'X' })).toThrow();
    expect(() => vietQrPayload({ bin: '970400', accountNumber: '1', amount: 0, purpose: 'X' })).toThrow();
    expect(() => vietQrPayload({ bin: '970400', accountNumber: '1', amount: 1.5, purpose: 'X' })).toThrow();
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"transactionId":"T1","reference":"DG7K3M9QX2D","amount":4000000,"paidAt":"2026-12-01T08:01:00Z"}';
  const t = 1_764_576_000;
  const at = (s: number) => new Date(s * 1000);

  it('is the hex HMAC-SHA256 of "<t>.<raw body>" (a value computed with openssl)', () => {
    // printf '%s' "1764576000.$body" | openssl dgst -sha256 -hmac whsec_test
    expect(signNotification(secret, t, body)).toBe('7dc484bdd15c5d29be6722cf976889440be26e0d3689cf998f9c9de098650b61');
  });

  it('accepts a good signature, also among others and within 5 minutes either way', () => {
    const good = signatureHeader(secret, t, body);
    expect(checkSignature(secret, good, body, at(t))).toEqual({ ok: true, timestamp: t });
    expect(checkSignature(secret, good, body, at(t + 300)).ok).toBe(true);
    expect(checkSignature(secret, good, body, at(t - 300)).ok).toBe(true);
    const rotated = `t=${t},v1=${'0'.repeat(64)},v1=${signNotification(secret, t, body)}`;
    expect(checkSignature(secret, rotated, body, at(t)).ok).toBe(true);
  });

  it('refuses a bad one, a stale one, one from the future and a malformed header', () => {
    const good = signatureHeader(secret, t, body);
    expect(checkSignature(secret, good, body.replace('4000000', '4000001'), at(t))).toEqual({
      ok: false,
      problem: 'mismatch',
    });
    expect(checkSignature('other', good, body, at(t))).toEqual({ ok: false, problem: 'mismatch' });
    expect(checkSignature(secret, good, body, at(t + 301))).toEqual({ ok: false, problem: 'stale' });
    expect(checkSignature(secret, good, body, at(t - 301))).toEqual({ ok: false, problem: 'future' });
    for (const header of [
      undefined,
      '',
      'garbage',
      `t=${t}`,
      `v1=${signNotification(secret, t, body)}`,
      `t=abc,v1=${signNotification(secret, t, body)}`,
      `t=${t},v1=xyz`,
      `t=${t},t=${t},v1=${signNotification(secret, t, body)}`,
    ])
      expect(checkSignature(secret, header, body, at(t)), String(header)).toEqual({ ok: false, problem: 'malformed' });
  });
});

describe('the bank statement format', () => {
  it('reads the shipped sample: a debit skipped, six credits with their ids, amounts, times, memos and payers', () => {
    const parsed = parseStatement(fs.readFileSync(SAMPLE_STATEMENT, 'utf8'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.rows.map((r) => [r.line, r.skipped ?? r.credit?.transactionId])).toEqual([
      [5, 'not_a_credit'],
      [6, 'FT26335D4E5F6'],
      [7, 'FT26335G7H8J9'],
      [8, 'FT26335K1L2M3'],
      [9, 'FT26335N4P5Q6'],
      [10, 'FT26335R7S8T9'],
      [11, 'FT26335V1W2X3'],
    ]);
    const first = parsed.rows[1].credit!;
    expect(first).toEqual({
      line: 6,
      transactionId: 'FT26335D4E5F6',
      amount: 4_000_000,
      paidAt: new Date('2026-12-01T08:01:12Z'),
      memo: 'NGUYEN VAN AN chuyen tien dat truoc DG7K3M9QX2D',
      payer: { account: '0071000123456', name: 'NGUYEN VAN AN', bank: 'Vietcombank' },
    });
    expect(parsed.rows[6].credit!.amount).toBe(4_000_000);
    // The payer's columns are optional: a statement without them reads, with no payer.
    const bare = parseStatement('Ngày giao dịch,Mã giao dịch,Số tiền ghi có,Nội dung\n01/12/2026,FT1,4.000.000,x\n');
    expect(bare.ok && bare.rows[0].credit!.payer).toEqual({});
  });

  it('refuses a malformed file naming the line', () => {
    const header = 'Ngày giao dịch,Mã giao dịch,Số tiền ghi có,Nội dung\n';
    const cases: [string, number, RegExp][] = [
      ['a,b\n1,2\n', 1, /no header/],
      [header + '01/12/2026,FT1,4.000.000,DG7K3M9QX2D\n01/12/2026,FT2,4,000,000,x\n', 3, /columns/],
      [header + '01/12/2026,FT1,4.000.00,x\n', 2, /not an amount/],
      [header + '01/12/2026,FT1,-5,x\n', 2, /not an amount/],
      [header + '31/02/2026,FT1,4.000.000,x\n', 2, /not a date/],
      [header + '2026-12-01,FT1,4.000.000,x\n', 2, /not a date/],
      [header + '01/12/2026,,4.000.000,x\n', 2, /Mã giao dịch/],
      [header + '01/12/2026,FT1,1.000,x\n01/12/2026,FT1,2.000,y\n', 3, /already on line 2/],
      [header + '01/12/2026,FT1,1.000,"unclosed\n', 2, /not valid CSV/],
    ];
    for (const [text, line, detail] of cases) {
      const parsed = parseStatement(text);
      expect(parsed, text).toMatchObject({ ok: false, line });
      if (!parsed.ok) expect(parsed.detail).toMatch(detail);
    }
  });

  it('reads amounts and dates as Vietnamese banks write them', () => {
    expect(parseStatementAmount('4.000.000')).toBe(4_000_000);
    expect(parseStatementAmount('4000000')).toBe(4_000_000);
    expect(parseStatementAmount('4.000.000,00')).toBe(4_000_000);
    expect(parseStatementAmount('4,000,000')).toBeUndefined();
    expect(parseStatementAmount('4.000.000,50')).toBeUndefined();
    expect(parseStatementDate('01/12/2026')).toEqual(new Date('2026-11-30T17:00:00Z'));
    expect(parseStatementDate('01/12/2026 15:01')).toEqual(new Date('2026-12-01T08:01:00Z'));
    expect(parseStatementDate('29/02/2027')).toBeUndefined();
    expect(parseStatementDate('01/12/2026 24:00')).toBeUndefined();
  });
});
