// The working-day calendar without a database: the statutory days off worked out from the Labour Code
// and date-holidays' lunar dates (Tết 2027 and 2028, 30/4–1/5, 2/9, compensatory days), and deadlines
// counted across them, with and without an admin's corrections (a make-up Saturday, an extra day off).
import { describe, expect, it } from 'vitest';
import { addDays, endOfDay, isDay, vietnamDay } from '../../server/calendar/days.ts';
import { statutoryDaysOff } from '../../server/calendar/vietnam-holidays.ts';
import { WorkingCalendar } from '../../server/calendar/working-calendar.ts';

const plain = new WorkingCalendar();
/** An instant in Vietnam's time. */
const vn = (local: string): Date => new Date(`${local}+07:00`);
/** The deadline ending day `day` (23:59:59.999 in Vietnam). */
const end = (day: string): string => endOfDay(day).toISOString();

describe("Vietnam's days", () => {
  it('tells the day an instant falls on in Vietnam (UTC+7, no daylight saving)', () => {
    expect(vietnamDay(new Date('2027-02-04T16:59:59.999Z'))).toBe('2027-02-04');
    expect(vietnamDay(new Date('2027-02-04T17:00:00Z'))).toBe('2027-02-05');
    expect(vietnamDay(new Date('2027-07-01T00:00:00Z'))).toBe('2027-07-01');
    expect(end('2027-02-12')).toBe('2027-02-12T16:59:59.999Z');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(isDay('2027-02-29')).toBe(false);
    expect(isDay('2028-02-29')).toBe(true);
    expect(isDay('2027-2-1')).toBe(false);
  });
});

describe('statutory days off (Labour Code 2019, Art. 112)', () => {
  const days = (year: number): string[] => statutoryDaysOff(year).map((d) => d.day + (d.compensatory ? '*' : ''));

  it('gives Tết 2027 five days from the last day of the lunar year, and two compensatory days for its weekend', () => {
    // Lunar new year: Saturday 6 February 2027 (date-holidays); 5 February is the last day of the old year.
    expect(days(2027).filter((d) => d.startsWith('2027-02'))).toEqual([
      '2027-02-05',
      '2027-02-06',
      '2027-02-07',
      '2027-02-08',
      '2027-02-09',
      '2027-02-10*',
      '2027-02-11*',
    ]);
    expect(statutoryDaysOff(2027).find((d) => d.day === '2027-02-06')?.name).toBe('Tết Nguyên Đán (mùng 1)');
  });

  it('gives Tết 2028 (lunar new year on Wednesday 26 January) with the Saturday compensated on Monday', () => {
    expect(days(2028).filter((d) => d.startsWith('2028-01') && d > '2028-01-10')).toEqual([
      '2028-01-25',
      '2028-01-26',
      '2028-01-27',
      '2028-01-28',
      '2028-01-29',
      '2028-01-31*',
    ]);
  });

  it('gives New Year, Hùng Kings, 30/4, 1/5 and National Day with its neighbouring day', () => {
    expect(days(2027)).toEqual(
      expect.arrayContaining(['2027-01-01', '2027-04-16', '2027-04-30', '2027-05-01', '2027-05-03*']),
    );
    // 2 September 2027 is a Thursday: the second day is Friday the 3rd.
    expect(days(2027)).toEqual(expect.arrayContaining(['2027-09-02', '2027-09-03']));
    expect(days(2027)).not.toContain('2027-09-01');
    // 2028: 30/4 is a Sunday (compensated Tuesday 2/5, after 1/5); 2/9 a Saturday (the 1st joins, Monday compensates).
    expect(days(2028)).toEqual(expect.arrayContaining(['2028-04-30', '2028-05-01', '2028-05-02*']));
    expect(days(2028)).toEqual(expect.arrayContaining(['2028-09-01', '2028-09-02', '2028-09-04*']));
  });

  it('matches the days the government set in years whose statutory days were not moved (2022 and 2023)', () => {
    expect(days(2022).filter((d) => d >= '2022-04-01' && d < '2022-10-01')).toEqual([
      '2022-04-10',
      '2022-04-11*',
      '2022-04-30',
      '2022-05-01',
      '2022-05-02*',
      '2022-05-03*',
      '2022-09-01',
      '2022-09-02',
    ]);
    expect(days(2023).filter((d) => d >= '2023-04-01' && d < '2023-10-01')).toEqual([
      '2023-04-29',
      '2023-04-30',
      '2023-05-01',
      '2023-05-02*',
      '2023-05-03*',
      '2023-09-01',
      '2023-09-02',
      '2023-09-04*',
    ]);
  });

  it('refuses years outside the lunar tables it relies on', () => {
    expect(() => statutoryDaysOff(1999)).toThrow(RangeError);
    expect(() => plain.isWorkingDay('2101-01-03')).toThrow(RangeError);
  });
});

describe('deadlines', () => {
  it('counts 3 working days across Tết 2027 from the day after the event', () => {
    // Thursday 4 Feb 2027, the last working day before Tết: Fri 12, Mon 15, Tue 16.
    expect(plain.addWorkingDays(vn('2027-02-04T15:00:00'), 3).toISOString()).toBe(end('2027-02-16'));
    // An event late on the 4th in Vietnam (already the 4th, not the 5th, in UTC terms too).
    expect(plain.addWorkingDays(vn('2027-02-04T23:59:00'), 1).toISOString()).toBe(end('2027-02-12'));
    // Just after midnight in Vietnam it is the 5th (still the 4th in UTC): the count starts later.
    expect(plain.addWorkingDays(new Date('2027-02-04T17:30:00Z'), 1).toISOString()).toBe(end('2027-02-12'));
    // An event during Tết counts from the day after, too.
    expect(plain.addWorkingDays(vn('2027-02-07T10:00:00'), 1).toISOString()).toBe(end('2027-02-12'));
  });

  it('counts across Tết 2028', () => {
    // Monday 24 Jan 2028; off from Tue 25 to Mon 31: Tue 1 Feb, Wed 2, Thu 3.
    expect(plain.addWorkingDays(vn('2028-01-24T09:00:00'), 3).toISOString()).toBe(end('2028-02-03'));
    expect(plain.addWorkingDays(vn('2028-01-21T09:00:00'), 2).toISOString()).toBe(end('2028-02-01'));
  });

  it('counts across 30/4–1/5 and 2/9', () => {
    // Thu 29 Apr 2027: Fri 30/4 off, weekend, Mon 3/5 compensates Saturday 1/5: Tue 4, Wed 5, Thu 6.
    expect(plain.addWorkingDays(vn('2027-04-29T16:00:00'), 3).toISOString()).toBe(end('2027-05-06'));
    // Wed 1 Sep 2027: Thu 2/9 and Fri 3/9 off: Mon 6, Tue 7.
    expect(plain.addWorkingDays(vn('2027-09-01T08:00:00'), 2).toISOString()).toBe(end('2027-09-07'));
  });

  it('ends a period in calendar days on its last day, or the next working day when that day is off', () => {
    // 30 calendar days from 1 March 2027 (Monday): Wednesday 31 March.
    expect(plain.addCalendarDays(vn('2027-03-01T10:00:00'), 30).toISOString()).toBe(end('2027-03-31'));
    // 30 days from 7 Jan 2027 is Saturday 6 Feb, inside Tết: the period ends with Friday 12 Feb.
    expect(plain.addCalendarDays(vn('2027-01-07T10:00:00'), 30).toISOString()).toBe(end('2027-02-12'));
    expect(plain.deadline(vn('2027-01-07T10:00:00'), { days: 30, kind: 'calendar' })).toEqual(
      plain.addCalendarDays(vn('2027-01-07T10:00:00'), 30),
    );
    expect(plain.deadline(vn('2027-02-04T10:00:00'), { days: 3, kind: 'working' })).toEqual(
      plain.addWorkingDays(vn('2027-02-04T10:00:00'), 3),
    );
  });

  it('counts a make-up Saturday as a working day, and an extra day off as a day off', () => {
    const corrected = new WorkingCalendar([
      // The government swaps Friday 12 Feb 2027 for Saturday 20 Feb (illustrative).
      { day: '2027-02-12', kind: 'day_off', name: 'Nghỉ Tết (hoán đổi)' },
      { day: '2027-02-20', kind: 'working_day', name: 'Làm bù cho 12/2' },
    ]);
    expect(corrected.isWorkingDay('2027-02-12')).toBe(false);
    expect(corrected.isWorkingDay('2027-02-20')).toBe(true);
    expect(corrected.dayOff('2027-02-12')).toEqual({ day: '2027-02-12', name: 'Nghỉ Tết (hoán đổi)', source: 'admin' });
    // From Thursday 4 Feb: Mon 15, Tue 16, Wed 17 (instead of Fri 12, Mon 15, Tue 16).
    expect(corrected.addWorkingDays(vn('2027-02-04T15:00:00'), 3).toISOString()).toBe(end('2027-02-17'));
    // From Wednesday 17 Feb: Thu 18, Fri 19, Sat 20 (the make-up Saturday).
    expect(corrected.addWorkingDays(vn('2027-02-17T15:00:00'), 3).toISOString()).toBe(end('2027-02-20'));
    expect(plain.addWorkingDays(vn('2027-02-17T15:00:00'), 3).toISOString()).toBe(end('2027-02-22'));
    expect(corrected.makeUpWorkingDays('2027-02-01', '2027-02-28')).toEqual([
      { day: '2027-02-20', kind: 'working_day', name: 'Làm bù cho 12/2' },
    ]);
  });

  it('lets an admin make a derived holiday a working day (the government placed it elsewhere)', () => {
    const corrected = new WorkingCalendar([
      { day: '2027-09-03', kind: 'working_day', name: 'Quốc khánh: ngày liền kề là 1/9' },
      { day: '2027-09-01', kind: 'day_off', name: 'Quốc khánh (ngày liền kề)' },
    ]);
    expect(corrected.addWorkingDays(vn('2027-08-31T08:00:00'), 1).toISOString()).toBe(end('2027-09-03'));
    expect(plain.addWorkingDays(vn('2027-08-31T08:00:00'), 1).toISOString()).toBe(end('2027-09-01'));
  });

  it('lists days off with their source', () => {
    expect(plain.daysOff('2027-04-29', '2027-05-04')).toEqual([
      { day: '2027-04-30', name: 'Ngày Chiến thắng', source: 'holiday' },
      { day: '2027-05-01', name: 'Ngày Quốc tế Lao động', source: 'holiday' },
      { day: '2027-05-02', name: 'Chủ Nhật', source: 'weekend' },
      { day: '2027-05-03', name: 'Nghỉ bù Ngày Quốc tế Lao động', source: 'holiday' },
    ]);
  });

  it('refuses a period that is not a positive whole number of days', () => {
    expect(() => plain.addWorkingDays(vn('2027-02-04T15:00:00'), 0)).toThrow(RangeError);
    expect(() => plain.addCalendarDays(vn('2027-02-04T15:00:00'), 1.5)).toThrow(RangeError);
  });
});
