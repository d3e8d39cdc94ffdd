// Vietnam's working days and the deadlines counted on them, given the admins' corrections: pure (no
// database; calendar-store.ts loads the corrections). A day is a working day unless it is a day off;
// a day is off when an admin made it so, else when it is a statutory holiday or compensatory day
// (vietnam-holidays.ts), else when it is a Saturday or Sunday. An admin's make-up working day wins over
// all of these (the government's swaps: a Saturday worked to bridge a holiday, a derived day placed
// differently).
//
// Deadlines follow the Civil Code 2015: a period in days starts on the day after the event (Art. 147)
// and ends at 24:00 of its last day (Art. 148(6)), given here as the last instant of that day in
// Vietnam's time (endOfDay: a time t is on time when t <= deadline). A period in calendar days whose
// last day is a day off ends with the next working day instead (Art. 148(5)).
import type { CalendarDayKind } from '../../db/schema.ts';
import { addDays, endOfDay, isDay, isWeekend, vietnamDay, weekday, type Day } from './days.ts';
import { FIRST_YEAR, LAST_YEAR, statutoryDayOff } from './vietnam-holidays.ts';

/** Why a day is off: a statutory holiday (or its compensatory day), a weekend, or an admin's decision. */
export type DayOffSource = 'holiday' | 'weekend' | 'admin';

export interface DayOff {
  day: Day;
  name: string;
  source: DayOffSource;
}

/** An admin's correction of one day (a row of calendar_days). */
export interface AdminDay {
  day: Day;
  kind: CalendarDayKind;
  name: string;
}

export type DeadlineKind = 'calendar' | 'working';

/** How a deadline is counted: so many calendar or working days after the day of the event. */
export interface DeadlinePolicy {
  days: number;
  kind: DeadlineKind;
}

/** The longest period counted (a guard against a runaway count; policies are at most a year). */
const MAX_PERIOD_DAYS = 3_660;

const WEEKDAY_NAMES = ['Chủ Nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];

export class WorkingCalendar {
  private readonly admin: ReadonlyMap<Day, AdminDay>;

  constructor(adminDays: Iterable<AdminDay> = []) {
    this.admin = new Map([...adminDays].map((d) => [d.day, d]));
  }

  /** Whether the day is inside the years the calendar knows (vietnam-holidays.ts). */
  static covers(day: Day): boolean {
    const year = Number(day.slice(0, 4));
    return isDay(day) && year >= FIRST_YEAR && year <= LAST_YEAR;
  }

  /** The day off this day is, or undefined for a working day. */
  dayOff(day: Day): DayOff | undefined {
    if (!WorkingCalendar.covers(day)) throw new RangeError(`the calendar covers ${FIRST_YEAR}–${LAST_YEAR}: ${day}`);
    const admin = this.admin.get(day);
    if (admin?.kind === 'working_day') return undefined;
    if (admin?.kind === 'day_off') return { day, name: admin.name, source: 'admin' };
    const holiday = statutoryDayOff(day);
    if (holiday) return { day, name: holiday.name, source: 'holiday' };
    if (isWeekend(day)) return { day, name: WEEKDAY_NAMES[weekday(day)], source: 'weekend' };
    return undefined;
  }

  /** What the day would be without the admins' corrections (statutory holiday, weekend, or working). */
  static withoutCorrections(day: Day): DayOff | undefined {
    return EMPTY.dayOff(day);
  }

  isWorkingDay(day: Day): boolean {
    return this.dayOff(day) === undefined;
  }

  /** Every day off from `from` to `to`, both included, in date order. */
  daysOff(from: Day, to: Day): DayOff[] {
    const out: DayOff[] = [];
    for (let day = from; day <= to; day = addDays(day, 1)) {
      const off = this.dayOff(day);
      if (off) out.push(off);
    }
    return out;
  }

  /** The admins' make-up working days from `from` to `to`, both included. */
  makeUpWorkingDays(from: Day, to: Day): AdminDay[] {
    return [...this.admin.values()]
      .filter((d) => d.kind === 'working_day' && d.day >= from && d.day <= to)
      .sort((a, b) => a.day.localeCompare(b.day));
  }

  /** The end of the n-th working day after the instant's day in Vietnam (n >= 1). */
  addWorkingDays(instant: Date, n: number): Date {
    checkPeriod(n);
    let day = vietnamDay(instant);
    for (let counted = 0; counted < n;) {
      day = addDays(day, 1);
      if (this.isWorkingDay(day)) counted++;
    }
    return endOfDay(day);
  }

  /**
   * The end of the n-th calendar day after the instant's day in Vietnam (n >= 1); when that day is a
   * day off, the end of the next working day (Civil Code 2015, Art. 148(5)).
   */
  addCalendarDays(instant: Date, n: number): Date {
    checkPeriod(n);
    let day = addDays(vietnamDay(instant), n);
    while (!this.isWorkingDay(day)) day = addDays(day, 1);
    return endOfDay(day);
  }

  /**
   * `hours` after `instant`, counting only time on working days (Vietnam's days) when `kind` is
   * `working`: a day off adds nothing, so 24 working hours from a Friday 16:00 end on Monday 16:00.
   */
  addHours(instant: Date, hours: number, kind: DeadlineKind): Date {
    if (!Number.isInteger(hours) || hours < 1 || hours > MAX_PERIOD_DAYS * 24)
      throw new RangeError(`a period is a whole number of hours from 1 to ${MAX_PERIOD_DAYS * 24}, not ${hours}`);
    let left = hours * 3_600_000;
    if (kind === 'calendar') return new Date(instant.getTime() + left);
    let at = instant.getTime();
    let day = vietnamDay(instant);
    for (let i = 0; i <= MAX_PERIOD_DAYS; i++) {
      const end = endOfDay(day).getTime() + 1;
      if (this.isWorkingDay(day)) {
        if (at + left <= end) return new Date(at + left);
        left -= end - at;
      }
      day = addDays(day, 1);
      at = end;
    }
    throw new RangeError('the period runs past the calendar');
  }

  /** The deadline of a period that starts with an event at `from`. */
  deadline(from: Date, policy: DeadlinePolicy): Date {
    return policy.kind === 'working' ? this.addWorkingDays(from, policy.days) : this.addCalendarDays(from, policy.days);
  }
}

const EMPTY = new WorkingCalendar();

function checkPeriod(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PERIOD_DAYS)
    throw new RangeError(`a period is a whole number of days from 1 to ${MAX_PERIOD_DAYS}, not ${n}`);
}
