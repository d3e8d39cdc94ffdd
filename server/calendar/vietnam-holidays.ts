// Vietnam's statutory days off for a year, derived (never typed in per year) from the Labour Code 2019,
// Art. 112, with the lunar dates taken from the maintained date-holidays package:
//   - Tết Dương lịch: 1 January (1 day);
//   - Tết Âm lịch: 5 days, the last day of the lunar year and the first four of the new one (the
//     government may place them differently; admins correct that, see below);
//   - Giỗ Tổ Hùng Vương: the 10th day of the 3rd lunar month (1 day);
//   - Ngày Chiến thắng, 30 April, and Quốc tế Lao động, 1 May (1 day each);
//   - Quốc khánh: 2 September and one day next to it (2 days). The government picks that day each
//     year; the default here is 1 September, or 3 September when the 2nd is a Thursday (then the two
//     days join the weekend), which matches the decisions of 2021–2025;
//   - a holiday that falls on a weekly rest day (Saturday, Sunday) gives a compensatory day off on the
//     next working day after it (Art. 112(3)), in date order, so Tết's go after the whole Tết block.
// What date-holidays' 'VN' public list gives alone (Giao thừa, the first day of Tết, single days for
// 30/4, 1/5, 2/9) is not enough, hence this module. The government's yearly decisions (days swapped to
// make longer breaks, a different day next to 2/9, make-up Saturdays) are not derivable: admins enter
// them as days off and make-up working days (server/calendar/calendar-admin.ts), which take precedence.
import Holidays from 'date-holidays';
import { addDays, isWeekend, weekday, type Day } from './days.ts';

export interface StatutoryDayOff {
  day: Day;
  /** The holiday's Vietnamese name, or "Nghỉ bù …" for a compensatory day. */
  name: string;
  compensatory: boolean;
}

/** The years the calendar answers for (date-holidays' lunar tables cover them). */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;

const TET_NAMES = [
  'Tết Nguyên Đán (Giao thừa)',
  'Tết Nguyên Đán (mùng 1)',
  'Tết Nguyên Đán (mùng 2)',
  'Tết Nguyên Đán (mùng 3)',
  'Tết Nguyên Đán (mùng 4)',
];

let library: Holidays | undefined;

/** The lunar holiday's day in `year`, by date-holidays' rule ('vietnamese M-0-D'). */
function lunarDay(year: number, rule: string): Day {
  library ??= new Holidays('VN');
  const found = library.getHolidays(year).find((h) => h.rule === rule);
  if (!found) throw new Error(`date-holidays gives no '${rule}' for ${year}: its Vietnamese calendar changed`);
  return found.date.slice(0, 10);
}

/** The day next to 2 September that the National Day break takes (see the header). */
function nationalDayNeighbour(year: number): Day {
  const second = `${year}-09-02`;
  return weekday(second) === 4 ? `${year}-09-03` : `${year}-09-01`;
}

const memo = new Map<number, StatutoryDayOff[]>();

/** Every statutory day off of the year (holidays and compensatory days), in date order. */
export function statutoryDaysOff(year: number): StatutoryDayOff[] {
  if (!Number.isInteger(year) || year < FIRST_YEAR || year > LAST_YEAR)
    throw new RangeError(`the calendar covers ${FIRST_YEAR}–${LAST_YEAR}, not ${year}`);
  const cached = memo.get(year);
  if (cached) return cached;

  const holidays = new Map<Day, string>();
  const add = (day: Day, name: string): void => {
    const other = holidays.get(day);
    holidays.set(day, other ? `${other}; ${name}` : name);
  };
  add(`${year}-01-01`, 'Tết Dương lịch');
  const lunarNewYear = lunarDay(year, 'vietnamese 1-0-1');
  TET_NAMES.forEach((name, i) => add(addDays(lunarNewYear, i - 1), name));
  add(lunarDay(year, 'vietnamese 3-0-10'), 'Giỗ Tổ Hùng Vương');
  add(`${year}-04-30`, 'Ngày Chiến thắng');
  add(`${year}-05-01`, 'Ngày Quốc tế Lao động');
  add(`${year}-09-02`, 'Quốc khánh');
  add(nationalDayNeighbour(year), 'Quốc khánh (ngày liền kề)');

  const days: StatutoryDayOff[] = [...holidays]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, name]) => ({ day, name, compensatory: false }));
  const taken = new Set(holidays.keys());
  for (const holiday of [...days]) {
    if (!isWeekend(holiday.day)) continue;
    let next = addDays(holiday.day, 1);
    while (isWeekend(next) || taken.has(next)) next = addDays(next, 1);
    taken.add(next);
    days.push({ day: next, name: `Nghỉ bù ${holiday.name}`, compensatory: true });
  }
  days.sort((a, b) => a.day.localeCompare(b.day));
  memo.set(year, days);
  return days;
}

const byDay = new Map<number, Map<Day, StatutoryDayOff>>();

/** The statutory day off on this day, if any. */
export function statutoryDayOff(day: Day): StatutoryDayOff | undefined {
  const year = Number(day.slice(0, 4));
  let days = byDay.get(year);
  if (!days) byDay.set(year, (days = new Map(statutoryDaysOff(year).map((d) => [d.day, d]))));
  return days.get(day);
}
