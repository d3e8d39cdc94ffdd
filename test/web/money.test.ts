// Money entry (web/lib/money.ts): reading what people type, grouping digits as they type, and the
// amount in words. Properties over many generated inputs (fast-check), and the cases people meet.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatMoneyInput,
  groupDigits,
  MAX_AMOUNT,
  moneyInWords,
  readMoney,
  readingProblem,
  regroupTyped,
} from '../../web/lib/money.ts';
import { translator } from '../../web/lib/i18n/index.ts';

const RUNS = { numRuns: 2_000 };
const amount = fc.maxSafeNat();
/** Digits with any leading zeros, as a person may type them. */
const digitString = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 20 });
/** Texts made of the pieces money is written with, so the interesting paths are reached often. */
const moneyish = fc
  .array(
    fc.constantFrom(
      '0',
      '1',
      '5',
      '9',
      '00',
      '000',
      '123',
      '.',
      ',',
      ' ',
      '\u00a0',
      'tr',
      'triệu',
      'tỷ',
      'tỉ',
      'ty',
      'nghìn',
      'k',
      'm',
      'bn',
      'đ',
      '₫',
      'đồng',
      'VND',
      '-',
      'e',
      '+',
      'x',
      '\u0301',
    ),
    { maxLength: 14 },
  )
  .map((parts) => parts.join(''));

const valueOf = (text: string): number | string => {
  const r = readMoney(text);
  return r.kind === 'amount' ? r.value : r.kind;
};

describe('reading an amount', () => {
  it('never throws, whatever is typed or pasted', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), moneyish),
        (text) => {
          const r = readMoney(text);
          expect(['empty', 'amount', 'invalid', 'fraction', 'tooLarge']).toContain(r.kind);
          if (r.kind === 'amount') expect(Number.isSafeInteger(r.value) && r.value >= 0).toBe(true);
        },
      ),
      { numRuns: 5_000 },
    );
    for (const odd of [undefined, null, 42, {}] as unknown as string[]) expect(readMoney(odd).kind).toBe('invalid');
  });

  it('reads back every formatted amount (format ∘ read round-trips)', () => {
    fc.assert(
      fc.property(amount, (v) => {
        const text = formatMoneyInput(v);
        expect(readMoney(text)).toEqual({ kind: 'amount', value: v });
        expect(formatMoneyInput(valueOf(text) as number)).toBe(text);
      }),
      RUNS,
    );
  });

  it('gives the same amount whatever the thousands separators, or none, and with a currency word', () => {
    fc.assert(
      fc.property(
        amount,
        fc.constantFrom('.', ' ', ',', '\u00a0', '\u202f'),
        fc.constantFrom('', 'đ', ' đ', '₫', ' ₫', ' đồng', ' VND', ' vnđ'),
        (v, sep, currency) => {
          const plain = String(v);
          const grouped = formatMoneyInput(v).replaceAll('.', sep);
          expect(valueOf(plain)).toBe(v);
          expect(valueOf(grouped)).toBe(v);
          expect(valueOf(`${grouped}${currency}`)).toBe(v);
          expect(valueOf(`  ${plain}  `)).toBe(v);
        },
      ),
      RUNS,
    );
  });

  it('multiplies by units exactly (tr, triệu, tỷ, nghìn, k), with a decimal comma or dot', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_000_000 }), fc.integer({ min: 0, max: 99 }), (whole, hundredths) => {
        const frac = String(hundredths).padStart(2, '0');
        expect(valueOf(`${whole}tr`)).toBe(whole * 1_000_000);
        expect(valueOf(`${whole} triệu`)).toBe(whole * 1_000_000);
        expect(valueOf(`${whole},${frac} tỷ`)).toBe(whole * 1_000_000_000 + hundredths * 10_000_000);
        expect(valueOf(`${whole}.${frac} tỷ`)).toBe(whole * 1_000_000_000 + hundredths * 10_000_000);
        expect(valueOf(`${whole}k`)).toBe(whole * 1_000);
        expect(valueOf(`${whole} nghìn`)).toBe(whole * 1_000);
      }),
      RUNS,
    );
  });

  it('reads what people type', () => {
    const cases: [string, number | string][] = [
      ['300000000', 300_000_000],
      ['300.000.000', 300_000_000],
      ['300 000 000', 300_000_000],
      ['300,000,000', 300_000_000],
      ['300tr', 300_000_000],
      ['300 TR', 300_000_000],
      ['300 triệu', 300_000_000],
      ['300 trieu', 300_000_000],
      ['1,5 tỷ', 1_500_000_000],
      ['1.5 tỷ', 1_500_000_000],
      ['1,5 tỉ', 1_500_000_000],
      ['1,5ty', 1_500_000_000],
      ['2 tỷ 500 triệu', 2_500_000_000],
      ['2 tỷ 500 triệu 250 nghìn', 2_500_250_000],
      ['1 nghìn tỷ', 1_000_000_000_000],
      ['1.500 tỷ', 1_500_000_000_000],
      ['45.000.000 ₫', 45_000_000],
      ['₫45.000.000', 45_000_000],
      ['45.000.000 VND', 45_000_000],
      ['500k', 500_000],
      ['0', 0],
      ['0045', 45],
      // Not amounts: the reason is kept.
      ['', 'empty'],
      ['   ', 'empty'],
      ['1.5', 'fraction'],
      ['1,5', 'fraction'],
      ['1,2345678 tr', 'fraction'],
      ['300.000.00', 'invalid'],
      ['1 tỷ 500', 'invalid'],
      ['500 triệu 2 tỷ', 'invalid'],
      ['-5', 'invalid'],
      ['3e8', 'invalid'],
      ['abc', 'invalid'],
      ['300 đô', 'invalid'],
      ['9.007.199.254.740.991', MAX_AMOUNT],
      ['9.007.199.254.740.992', 'tooLarge'],
      ['99999999999999999999999', 'tooLarge'],
      ['10 triệu tỷ', 'tooLarge'],
    ];
    for (const [text, expected] of cases) expect(valueOf(text), text).toBe(expected);
  });

  it('explains each kind of unreadable text in both languages', () => {
    for (const locale of ['vi', 'en'] as const) {
      const t = translator(locale);
      expect(readingProblem({ kind: 'amount', value: 5 }, t)).toBeUndefined();
      const texts = (['empty', 'invalid', 'fraction', 'tooLarge'] as const).map((kind) => readingProblem({ kind }, t)!);
      expect(new Set(texts).size).toBe(4);
      expect(texts[3]).toContain('9.007.199.254.740.991');
      for (const text of texts) expect(text).not.toMatch(/bước|step/i);
    }
  });
});

describe('grouping digits as they are typed', () => {
  const digitsOf = (s: string): string => s.replace(/\D/g, '');
  const boxText = digitString.map(groupDigits);

  it('regroups after a digit typed anywhere, keeping the caret after the same digits', () => {
    fc.assert(
      fc.property(boxText, fc.nat(), fc.constantFrom(...'0123456789'), (before, at, digit) => {
        const caret = at % (before.length + 1);
        const after = before.slice(0, caret) + digit + before.slice(caret);
        const r = regroupTyped(before, after, caret + 1);
        const digitsBefore = digitsOf(before.slice(0, caret)).length;
        expect(digitsOf(r.text)).toBe(digitsOf(after));
        expect(r.text).toBe(groupDigits(digitsOf(after)));
        expect(digitsOf(r.text.slice(0, r.caret))).toBe(digitsOf(after).slice(0, digitsBefore + 1));
        expect(/\d/.test(r.text[r.caret - 1])).toBe(true);
      }),
      RUNS,
    );
  });

  it('deletes the digit beside the caret, even when the caret is at a separator', () => {
    fc.assert(
      fc.property(boxText, fc.nat(), fc.boolean(), (before, at, backward) => {
        const caret = at % (before.length + 1);
        // What the browser does: remove one character before (Backspace) or after (Delete) the caret.
        if (backward ? caret === 0 : caret === before.length) return;
        const after = backward
          ? before.slice(0, caret - 1) + before.slice(caret)
          : before.slice(0, caret) + before.slice(caret + 1);
        const r = regroupTyped(before, after, backward ? caret - 1 : caret, backward ? 'backward' : 'forward');
        const d = digitsOf(before);
        const digitsLeft = digitsOf(before.slice(0, caret)).length;
        const expected = backward
          ? d.slice(0, digitsLeft - 1) + d.slice(digitsLeft)
          : d.slice(0, digitsLeft) + d.slice(digitsLeft + 1);
        if (backward && digitsLeft === 0) return;
        expect(digitsOf(r.text)).toBe(expected);
        expect(r.text).toBe(groupDigits(expected));
        expect(digitsOf(r.text.slice(0, r.caret)).length).toBe(backward ? digitsLeft - 1 : digitsLeft);
      }),
      RUNS,
    );
  });

  it('never changes a digit, a letter or their order: only separators', () => {
    const strip = (s: string): string => s.replace(/[.,\s]/g, '');
    fc.assert(
      fc.property(fc.oneof(boxText, moneyish, fc.string()), moneyish, fc.nat(), (before, after, at) => {
        const r = regroupTyped(before, after, at % (after.length + 1));
        expect(strip(r.text)).toBe(strip(after));
        expect(r.caret).toBeGreaterThanOrEqual(0);
        expect(r.caret).toBeLessThanOrEqual(r.text.length);
        // Grouping never changes the amount a readable text stands for.
        const was = readMoney(after);
        if (was.kind === 'amount') expect(readMoney(r.text)).toEqual(was);
      }),
      { numRuns: 5_000 },
    );
  });

  it('groups the cases people meet, and leaves decimals and units as typed', () => {
    expect(regroupTyped('', '300000000', 9)).toEqual({ text: '300.000.000', caret: 11 });
    expect(regroupTyped('300.000', '300.0000', 8)).toEqual({ text: '3.000.000', caret: 9 });
    expect(regroupTyped('45.000.000', '3', 1)).toEqual({ text: '3', caret: 1 });
    expect(regroupTyped('', '300 000 000', 11)).toEqual({ text: '300.000.000', caret: 11 });
    expect(regroupTyped('3.000.000', '3000.000', 1, 'backward')).toEqual({ text: '000.000', caret: 0 });
    expect(regroupTyped('3.000.000', '3000.000', 1, 'forward')).toEqual({ text: '300.000', caret: 1 });
    expect(regroupTyped('1', '1.', 2)).toEqual({ text: '1.', caret: 2 });
    expect(regroupTyped('1.', '1.5', 3)).toEqual({ text: '1.5', caret: 3 });
    expect(regroupTyped('1.5', '1.55', 4)).toEqual({ text: '1.55', caret: 4 });
    expect(regroupTyped('300', '300t', 4)).toEqual({ text: '300t', caret: 4 });
    expect(regroupTyped('', '1,5 tỷ', 6)).toEqual({ text: '1,5 tỷ', caret: 6 });
    expect(regroupTyped('40.000.000', '', 0)).toEqual({ text: '', caret: 0 });
  });
});

describe('the amount in words', () => {
  it('is defined for every safe amount, in both languages', () => {
    fc.assert(
      fc.property(amount, (v) => {
        const vi = moneyInWords(v, 'vi');
        const en = moneyInWords(v, 'en');
        expect(vi).toMatch(/^[a-zàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ ]+ đồng$/);
        expect(en).toMatch(/^[a-z -]+ dong$/);
        for (const words of [vi, en]) expect(words).not.toMatch(/undefined|NaN| {2}|^ | $/);
      }),
      RUNS,
    );
  });

  it('follows the Vietnamese rules: mốt/một, lăm/năm, linh, mươi/mười', () => {
    fc.assert(
      fc.property(amount, (v) => {
        const vi = moneyInWords(v, 'vi');
        // One after "mươi" is "mốt"; after "mười" it stays "một". Five after a ten is "lăm".
        expect(vi).not.toMatch(/mươi một|mười mốt|mười năm|mươi năm|không mươi|mốt mươi|một mươi/);
        // "linh" only stands after "trăm", before a single digit.
        for (const m of vi.matchAll(/(\S+) linh (\S+)/g)) {
          expect(m[1]).toBe('trăm');
          expect(['một', 'hai', 'ba', 'bốn', 'tư', 'năm', 'sáu', 'bảy', 'tám', 'chín']).toContain(m[2]);
        }
      }),
      RUNS,
    );
    const cases: [number, string][] = [
      [0, 'không đồng'],
      [1, 'một đồng'],
      [10, 'mười đồng'],
      [11, 'mười một đồng'],
      [15, 'mười lăm đồng'],
      [20, 'hai mươi đồng'],
      [21, 'hai mươi mốt đồng'],
      [25, 'hai mươi lăm đồng'],
      [105, 'một trăm linh năm đồng'],
      [110, 'một trăm mười đồng'],
      [1_005, 'một nghìn không trăm linh năm đồng'],
      [45_000_000, 'bốn mươi lăm triệu đồng'],
      [300_000_000, 'ba trăm triệu đồng'],
      [1_500_000_000, 'một tỷ năm trăm triệu đồng'],
      [1_000_000_001, 'một tỷ không trăm linh một đồng'],
      [2_000_000_000_000, 'hai nghìn tỷ đồng'],
    ];
    for (const [v, words] of cases) expect(moneyInWords(v, 'vi'), String(v)).toBe(words);
  });

  it('reads English amounts the usual way', () => {
    const cases: [number, string][] = [
      [0, 'zero dong'],
      [15, 'fifteen dong'],
      [21, 'twenty-one dong'],
      [105, 'one hundred five dong'],
      [1_000_001, 'one million one dong'],
      [45_000_000, 'forty-five million dong'],
      [300_000_000, 'three hundred million dong'],
      [1_500_000_000, 'one billion five hundred million dong'],
      [
        MAX_AMOUNT,
        'nine quadrillion seven trillion one hundred ninety-nine billion two hundred fifty-four million seven hundred forty thousand nine hundred ninety-one dong',
      ],
    ];
    for (const [v, words] of cases) expect(moneyInWords(v, 'en'), String(v)).toBe(words);
  });

  it('refuses what is not a whole amount (a caller’s mistake, not a person’s)', () => {
    for (const bad of [-1, 0.5, MAX_AMOUNT + 1, Number.NaN]) expect(() => moneyInWords(bad, 'vi')).toThrow(RangeError);
  });
});
