// Calendar days in Vietnam's time (Asia/Ho_Chi_Minh: UTC+7 all year, no daylight saving): the day an
// instant falls on, day arithmetic on 'YYYY-MM-DD' strings, and the last instant of a day. Pure.

/** Vietnam's offset from UTC (no daylight saving since 1975). */
export const VIETNAM_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** A calendar day, 'YYYY-MM-DD'. */
export type Day = string;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for 'YYYY-MM-DD' naming a day that exists (no 2027-02-30). */
export function isDay(s: unknown): s is Day {
  if (typeof s !== 'string') return false;
  const m = DAY_PATTERN.exec(s);
  if (!m) return false;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === s;
}

/** Midnight UTC of the day, as a day number (the arithmetic below works on it). */
function dayMs(day: Day): number {
  if (!isDay(day)) throw new RangeError(`not a day: ${day}`);
  return Date.parse(`${day}T00:00:00Z`);
}

const fromMs = (ms: number): Day => new Date(ms).toISOString().slice(0, 10);

/** The day an instant falls on in Vietnam. */
export function vietnamDay(instant: Date): Day {
  return fromMs(instant.getTime() + VIETNAM_OFFSET_MS);
}

/** The day n days after (n < 0: before) the given one. */
export function addDays(day: Day, n: number): Day {
  return fromMs(dayMs(day) + n * DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: Day): number {
  return new Date(dayMs(day)).getUTCDay();
}

/** Saturday or Sunday: the weekly rest days of public bodies (Decree 145/2020 and the civil service's week). */
export function isWeekend(day: Day): boolean {
  const w = weekday(day);
  return w === 0 || w === 6;
}

/**
 * The last instant of the day in Vietnam, 23:59:59.999 (+07:00). A period "ends at 24:00 of its last
 * day" (Civil Code 2015, Art. 148(6)): a time t is within it when t <= this instant.
 */
export function endOfDay(day: Day): Date {
  return new Date(dayMs(day) + DAY_MS - VIETNAM_OFFSET_MS - 1);
}

/** The first instant of the day in Vietnam, 00:00 (+07:00). */
export function startOfDay(day: Day): Date {
  return new Date(dayMs(day) - VIETNAM_OFFSET_MS);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: Day, to: Day): number {
  return Math.round((dayMs(to) - dayMs(from)) / DAY_MS);
}
