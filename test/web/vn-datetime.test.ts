// Dates typed and shown the Vietnamese way (web/lib/vn-datetime.ts): dd/mm/yyyy HH:mm in Vietnam time,
// whatever the machine's zone, converted to and from the API's ISO UTC. Properties over generated
// instants and texts (fast-check), checked against the platform's own Intl time-zone data.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  daysInMonth,
  formatVnDateTime,
  MAX_YEAR,
  MIN_YEAR,
  readVnDateTime,
  separateTyped,
} from '../../web/lib/vn-datetime.ts';

const RUNS = { numRuns: 2_000 };
const FIRST = Date.UTC(MIN_YEAR, 0, 1) - 7 * 3_600_000;
const LAST = Date.UTC(MAX_YEAR, 11, 31, 23, 59) - 7 * 3_600_000;
/** Whole minutes inside the years a manager may type. */
const minute = fc.integer({ min: FIRST / 60_000, max: LAST / 60_000 }).map((m) => m * 60_000);

/** Vietnam's wall clock for an instant, from Intl's time-zone database (an oracle independent of the module). */
function wallClock(ms: number): { day: number; month: number; year: number; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    day: 'numeric',
    month: 'numeric',
    year: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)!.value);
  return { day: get('day'), month: get('month'), year: get('year'), hour: get('hour'), minute: get('minute') };
}

const iso = (text: string): string | undefined => {
  const r = readVnDateTime(text);
  return r.kind === 'instant' ? r.iso : undefined;
};

describe('reading a date and time typed in Vietnam time', () => {
  it('reads dd/mm/yyyy HH:mm as Vietnam time and sends UTC', () => {
    expect(readVnDateTime('25/12/2026 14:30')).toEqual({ kind: 'instant', iso: '2026-12-25T07:30:00.000Z' });
    // Just after midnight in Vietnam is the previous day in UTC.
    expect(iso('01/01/2027 00:15')).toBe('2026-12-31T17:15:00.000Z');
    expect(iso('29/02/2028 23:59')).toBe('2028-02-29T16:59:00.000Z');
  });

  it('takes the ways people write it: single digits, other separators, 14h30, "lúc", twelve digits, spaces', () => {
    const want = '2027-03-05T02:05:00.000Z';
    for (const text of [
      '05/03/2027 09:05',
      '5/3/2027 9:05',
      '5-3-2027 9:05',
      '05.03.2027 09:05',
      '5/3/2027, 9:05',
      '5/3/2027 lúc 9h05',
      '5/3/2027 9g05',
      '  05 / 03 / 2027   09 : 05 ',
      '050320270905',
      '5/3/2027\u00a09:05',
      '5/3/2027 at 9:05',
    ]) {
      expect(iso(text), text).toBe(want);
    }
  });

  it('says which part is wrong rather than guessing', () => {
    expect(readVnDateTime('')).toEqual({ kind: 'empty' });
    expect(readVnDateTime('   ')).toEqual({ kind: 'empty' });
    const problem = (text: string): string | undefined => {
      const r = readVnDateTime(text);
      return r.kind === 'invalid' ? r.problem : undefined;
    };
    expect(problem('31/02/2027 10:00')).toBe('day');
    expect(problem('29/02/2027 10:00')).toBe('day');
    expect(problem('00/05/2027 10:00')).toBe('day');
    expect(problem('12/13/2027 10:00')).toBe('month');
    // The US order is refused where it cannot be a date, never silently swapped.
    expect(problem('12/25/2026 10:00')).toBe('month');
    expect(problem('12/05/1999 10:00')).toBe('year');
    expect(problem('12/05/2100 10:00')).toBe('year');
    expect(problem('12/05/2027 24:00')).toBe('hour');
    expect(problem('12/05/2027 10:60')).toBe('minute');
    for (const text of [
      '12/05/2027',
      '10:00',
      '12/05/27 10:00',
      '2027-05-12T10:00',
      '12/05/2027 10:00 PM',
      '12/05/2027 10:00:30',
      'tomorrow',
      '12/05/20270 10:00',
    ]) {
      expect(problem(text), text).toBe('format');
    }
  });

  it('never throws, and any instant it reads is a whole minute within the allowed years', () => {
    const pieces = fc
      .array(
        fc.constantFrom(
          '0',
          '1',
          '2',
          '9',
          '12',
          '31',
          '2026',
          '/',
          '-',
          '.',
          ':',
          ' ',
          'h',
          'g',
          'lúc',
          ',',
          'x',
          '\u00a0',
        ),
        { maxLength: 16 },
      )
      .map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), pieces), (text) => {
        const r = readVnDateTime(text);
        if (r.kind !== 'instant') return;
        const ms = Date.parse(r.iso);
        expect(ms % 60_000).toBe(0);
        expect(ms >= FIRST && ms <= LAST).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads every valid wall-clock time as the instant Vietnam shows it at', () => {
    const wall = fc
      .record({
        year: fc.integer({ min: MIN_YEAR, max: MAX_YEAR }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 1, max: 31 }),
        hour: fc.integer({ min: 0, max: 23 }),
        minute: fc.integer({ min: 0, max: 59 }),
      })
      .filter((w) => w.day <= daysInMonth(w.year, w.month));
    fc.assert(
      fc.property(wall, fc.boolean(), (w, padded) => {
        const p = (n: number): string => (padded ? String(n).padStart(2, '0') : String(n));
        const r = readVnDateTime(
          `${p(w.day)}/${p(w.month)}/${w.year} ${p(w.hour)}:${String(w.minute).padStart(2, '0')}`,
        );
        expect(r.kind).toBe('instant');
        if (r.kind === 'instant') expect(wallClock(Date.parse(r.iso))).toEqual(w);
      }),
      RUNS,
    );
  });
});

describe('showing an instant in Vietnam time', () => {
  it('formats as dd/mm/yyyy HH:mm on a 24-hour clock', () => {
    expect(formatVnDateTime('2026-12-25T07:30:00Z')).toBe('25/12/2026 14:30');
    expect(formatVnDateTime('2026-12-31T17:15:59.999Z')).toBe('01/01/2027 00:15');
    expect(formatVnDateTime('2027-06-01T12:00:00Z')).toBe('01/06/2027 19:00');
  });

  it('agrees with the time-zone database for every instant, and reads back to the same instant', () => {
    fc.assert(
      fc.property(minute, (ms) => {
        const text = formatVnDateTime(ms);
        expect(text).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
        const w = wallClock(ms);
        const [d, m, y, h, min] = text.split(/[/ :]/).map(Number);
        expect({ day: d, month: m, year: y, hour: h, minute: min }).toEqual(w);
        expect(iso(text)).toBe(new Date(ms).toISOString());
      }),
      RUNS,
    );
  });
});

describe('separators added while typing', () => {
  /** Types `keys` one by one at the end of the box, as the input would see each keystroke. */
  const type = (keys: string, start = ''): string =>
    [...keys].reduce((text, key) => separateTyped(text, text + key), start);

  it('turns typed digits into dd/mm/yyyy HH:mm', () => {
    expect(type('251220261430')).toBe('25/12/2026 14:30');
    expect(type('2512')).toBe('25/12/');
  });

  it('leaves separators the person types themself, without doubling the one just added', () => {
    expect(type('25/12/2026 14:30')).toBe('25/12/2026 14:30');
    expect(type('5/3/2027 9:05')).toBe('5/3/2027 9:05');
    expect(type('5/03/2027 09:05')).toBe('5/03/2027 09:05');
  });

  it('reads the same instant whether the separators are typed or added, for every minute', () => {
    fc.assert(
      fc.property(minute, (ms) => {
        const text = formatVnDateTime(ms);
        expect(type(text.replace(/\D/g, ''))).toBe(text);
        expect(type(text)).toBe(text);
      }),
      RUNS,
    );
  });

  it('leaves deleting, pasting and typing in the middle alone', () => {
    expect(separateTyped('25/', '25')).toBe('25');
    expect(separateTyped('', '25122026')).toBe('25122026');
    expect(separateTyped('2/12', '25/12')).toBe('25/12');
  });
});
