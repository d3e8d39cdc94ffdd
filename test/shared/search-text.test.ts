// The search normaliser (server/shared/search-text.ts): what is stored and what is asked are both
// normalised by it, so a query typed without diacritics, in any case, or a plate in any format finds
// the text. A table of the cases people meet, and properties over generated Vietnamese texts and plates
// (fast-check) against an oracle written independently here: a table of Vietnamese letters by base letter.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compactText,
  matchesTerms,
  normaliseText,
  searchLexemes,
  searchTerms,
  tsqueryLiteral,
} from '../../server/shared/search-text.ts';
import { lotSearchColumns } from '../../server/auctions/lot-search-columns.ts';

const RUNS = { numRuns: 1_000 };

/** Every Vietnamese letter with a diacritic, by the letter people type without it. */
const VIETNAMESE: Record<string, string> = {
  a: 'àáảãạăằắẳẵặâầấẩẫậ',
  e: 'èéẻẽẹêềếểễệ',
  i: 'ìíỉĩị',
  o: 'òóỏõọôồốổỗộơờớởỡợ',
  u: 'ùúủũụưừứửữự',
  y: 'ỳýỷỹỵ',
  d: 'đ',
};
const BASE = new Map<string, string>(
  Object.entries(VIETNAMESE).flatMap(([base, letters]) =>
    [...letters].flatMap((l) => [
      [l, base],
      [l.toUpperCase(), base.toUpperCase()],
    ]),
  ),
);
/** What someone types on a keyboard without Vietnamese input: each letter's base letter. */
const withoutDiacritics = (s: string): string => [...s].map((c) => BASE.get(c) ?? c).join('');

describe('normaliseText and compactText', () => {
  it.each([
    ['Hà Nội', 'ha noi'],
    ['Biển số', 'bien so'],
    ['ĐÔNG ANH', 'dong anh'],
    ['Đắk Lắk', 'dak lak'],
    ['Thành phố Hồ Chí Minh', 'thanh pho ho chi minh'],
    ['Khánh Hòa', 'khanh hoa'],
    ['Khánh Hoà', 'khanh hoa'],
    ['Biển số 30K-888.88', 'bien so 30k-888.88'],
    ['  Xe   tải\tHino\n8 tấn ', 'xe tai hino 8 tan'],
    ['１５０ m²', '150 m2'],
    ['Quyền sử dụng đất', 'quyen su dung dat'],
  ])('%j → %j', (text, normal) => {
    expect(normaliseText(text)).toBe(normal);
    expect(normaliseText(text.normalize('NFD'))).toBe(normal);
  });

  it.each([
    ['Biển số 30K-888.88', 'bienso30k88888'],
    ['30K 888.88', '30k88888'],
    ['30k-888.88', '30k88888'],
    ['Lô LK-08', 'lolk08'],
    ['%_\\', ''],
  ])('compact %j → %j', (text, compact) => {
    expect(compactText(text)).toBe(compact);
  });

  it('stores title, description and province name normalised', () => {
    expect(
      lotSearchColumns({
        title: 'Biển số 30K-888.88',
        description: 'Đăng ký tại Hà Nội.',
        category: 'licence-plate',
        province: 'ha-noi',
      }),
    ).toMatchObject({
      searchText: 'bien so 30k-888.88 dang ky tai ha noi. ha noi',
      searchCompact: 'bienso30k88888dangkytaihanoihanoi',
    });
    expect(lotSearchColumns({ title: 'Máy xúc', description: '', category: null, province: null }).searchText).toBe(
      'may xuc',
    );
  });

  it('carries the category and province as lexemes no typed word matches', () => {
    const vector = lotSearchColumns({
      title: 'Máy xúc',
      description: '',
      category: "state's property",
      province: 'ha-noi',
    }).searchVector;
    expect(vector).toContain(`'=province:ha-noi'`);
    expect(vector).toContain(`'=category:state''s property'`);
    expect(lotSearchColumns({ title: 'Máy xúc', description: '', category: null }).searchVector).not.toContain('=');
    // A query's lexemes are letters, digits and '#': typing the facet's text finds words, not facets.
    expect(tsqueryLiteral(searchTerms('=category:vehicle')!)).not.toContain('=');
  });

  it("finds an unfinished word by its beginning's own lexeme, never a plate's or a facet's", () => {
    const lexemes = searchLexemes('Xe Toyota Camry 30A-123.45\nHà Nội');
    // Each word of four characters or more, and each join, by every beginning of three or more.
    for (const l of ['~toy', '~toyo', '~toyot', '~cam', '~camr', '~xet', '~xetoyot', '~han', '~hano'])
      expect(lexemes).toContain(l);
    // Not a whole word (its own lexeme: "camry"; "~toyota" is there as the join toyotacamry's
    // beginning), nor beginnings shorter than three.
    for (const l of ['~camry', '~to', '~xe', '~ha']) expect(lexemes).not.toContain(l);
    // A plate is found by its runs ('#'), not by beginnings.
    expect(lexemes.filter((l) => l.startsWith('~#') || l.startsWith('~3'))).toEqual([]);
    // The query: the whole word, or a longer word it begins; matching as the database does.
    expect(tsqueryLiteral(searchTerms('toyota cam')!)).toBe(`'toyota' & ('cam' | '~cam')`);
    expect(matchesTerms('Xe Toyota Camry', searchTerms('toyota cam')!)).toBe(true);
    expect(matchesTerms('Xe Toyota Camry', searchTerms('toyota camry')!)).toBe(true);
    expect(matchesTerms('Xe Toyota Camry', searchTerms('toyota camx')!)).toBe(false);
  });

  it('is idempotent and leaves no capital, combining mark, đ or stray space (any text)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const n = normaliseText(s);
        expect(normaliseText(n)).toBe(n);
        expect(n).toBe(n.trim());
        expect(n).not.toMatch(/\p{M}|đ|\s{2}|[\t\n]/u);
        expect(n.toLowerCase()).toBe(n);
        expect(compactText(s)).toMatch(/^[\p{L}\p{N}]*$/u);
        expect(compactText(n)).toBe(compactText(s));
      }),
      RUNS,
    );
  });

  it('gives the same answer for composed and decomposed Unicode (what phones and keyboards send)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'aAđĐ ', ...Object.values(VIETNAMESE).join('')), maxLength: 30 }),
        (s) => {
          expect(normaliseText(s.normalize('NFD'))).toBe(normaliseText(s.normalize('NFC')));
        },
      ),
      RUNS,
    );
  });
});

/** Vietnamese-looking words: consonants and (accented) vowels. */
const letter = fc.constantFrom(...'bcdghklmnpqrstvx', ...Object.values(VIETNAMESE).join(''), ...'aeiouy');
const word = fc.string({ unit: letter, minLength: 1, maxLength: 7 });
const words = fc.array(word, { minLength: 1, maxLength: 8 });

describe('a query finds the text it was typed from', () => {
  it('any run of its words, typed without diacritics, in any case, in any order', () => {
    fc.assert(
      fc.property(words, fc.nat(), fc.nat(), fc.boolean(), fc.boolean(), (ws, a, b, upper, reverse) => {
        const text = ws.join(' ');
        const from = a % ws.length;
        const run = ws.slice(from, from + 1 + (b % (ws.length - from)));
        let typed = withoutDiacritics((reverse ? [...run].reverse() : run).join(' '));
        if (upper) typed = typed.toUpperCase();
        const terms = searchTerms(typed)!;
        expect(matchesTerms(text, terms)).toBe(true);
      }),
      RUNS,
    );
  });

  it('a plate in any format, or any run of its letters and digits', () => {
    const digit = fc.constantFrom(...'0123456789');
    const plate = fc.record({
      province: fc.string({ unit: digit, minLength: 2, maxLength: 2 }),
      series: fc.constantFrom('A', 'K', 'H', 'LD', 'F1'),
      number: fc.string({ unit: digit, minLength: 5, maxLength: 5 }),
    });
    const separators = fc.array(fc.constantFrom('', '', ' ', '-', '.', ' - '), { minLength: 12, maxLength: 12 });
    fc.assert(
      fc.property(plate, separators, fc.boolean(), fc.nat(), (p, seps, lower, cut) => {
        const written = `Biển số ${p.province}${p.series}-${p.number.slice(0, 3)}.${p.number.slice(3)}`;
        const chars = [...`${p.province}${p.series}${p.number}`];
        let typed = chars.map((c, i) => c + (seps[i] ?? '')).join('');
        if (lower) typed = typed.toLowerCase();
        expect(matchesTerms(written, searchTerms(typed)!)).toBe(true);
        // The last digits alone ("88888", "888.88") find it as well.
        const tail = p.number.slice(cut % 4);
        expect(matchesTerms(written, searchTerms(`${tail.slice(0, 1)}.${tail.slice(1)}`)!)).toBe(true);
        // Another plate does not.
        const other = `${p.province}${p.series}${p.number.slice(0, 4)}${(Number(p.number[4]) + 1) % 10}`;
        expect(matchesTerms(written, searchTerms(other)!)).toBe(false);
      }),
      RUNS,
    );
  });

  it('has nothing to look for in an empty or blank query', () => {
    expect(searchTerms('')).toBeUndefined();
    expect(searchTerms(' \t\n')).toBeUndefined();
    expect(searchTerms('%')).toEqual({ words: ['%'], compact: '' });
  });
});
