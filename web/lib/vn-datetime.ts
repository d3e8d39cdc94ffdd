// Dates and times as the manager types and reads them: dd/mm/yyyy HH:mm, 24-hour, in Vietnam time
// (Asia/Ho_Chi_Minh), whatever the browser's language or time zone. The API takes and gives ISO-8601
// UTC instants; this module converts both ways with plain arithmetic on UTC fields (never the
// device's local time), since Vietnam has kept UTC+7 without daylight saving since 1975.

/** Vietnam's offset from UTC: +07:00 all year. */
export const VN_OFFSET_MS = 7 * 3_600_000;
/** Years a manager may type: far enough for any auction, near enough to catch a slipped digit. */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2099;
/** What the box shows when empty, and what every formatted value looks like. */
export const VN_DATETIME_PATTERN = 'dd/mm/yyyy HH:mm';

/** Why a text is not a date and time: its shape, or the part that does not exist. */
export type DateTimeProblem = 'format' | 'day' | 'month' | 'year' | 'hour' | 'minute';

export type DateTimeReading =
  { kind: 'empty' } | { kind: 'instant'; iso: string } | { kind: 'invalid'; problem: DateTimeProblem };

// Day, month and year separated by / - or . ; then a space, a comma or the word "lúc"/"at"; then the
// time with ":" or the Vietnamese "h"/"g" (14h30, 14g30). Or twelve digits, ddmmyyyyHHmm.
const SEPARATED =
  /^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*[,\s]\s*(?:(?:lúc|at)\s+)?(\d{1,2})\s*[:hg]\s*(\d{2})$/i;
const COMPACT = /^(\d{2})(\d{2})(\d{4})(\d{2})(\d{2})$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Reads a date and time typed in Vietnam time. Never throws; an instant is always a whole minute,
 * returned as ISO-8601 UTC (what the API takes).
 */
export function readVnDateTime(text: string): DateTimeReading {
  const t = text
    .normalize('NFC')
    .replace(/[\s\u00a0\u202f]+/g, ' ')
    .trim();
  if (t === '') return { kind: 'empty' };
  const m = SEPARATED.exec(t) ?? COMPACT.exec(t);
  if (!m) return { kind: 'invalid', problem: 'format' };
  const [day, month, year, hour, minute] = m.slice(1, 6).map(Number);
  if (year < MIN_YEAR || year > MAX_YEAR) return { kind: 'invalid', problem: 'year' };
  if (month < 1 || month > 12) return { kind: 'invalid', problem: 'month' };
  if (day < 1 || day > daysInMonth(year, month)) return { kind: 'invalid', problem: 'day' };
  if (hour > 23) return { kind: 'invalid', problem: 'hour' };
  if (minute > 59) return { kind: 'invalid', problem: 'minute' };
  return { kind: 'instant', iso: new Date(Date.UTC(year, month - 1, day, hour, minute) - VN_OFFSET_MS).toISOString() };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** An instant as Vietnam's wall clock shows it: "25/12/2026 14:30" (seconds dropped). */
export function formatVnDateTime(instant: string | number | Date): string {
  const d = new Date(new Date(instant).getTime() + VN_OFFSET_MS);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear(), 4)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** The first whole hour at or after `ms`, as ISO UTC (a new lot's default times). */
export function ceilToHour(ms: number): string {
  return new Date(Math.ceil(ms / 3_600_000) * 3_600_000).toISOString();
}

/**
 * Separators added as a person types digits at the end of the box, so "251220261430" typed key by
 * key reads "25/12/2026 14:30": after the day and the month a "/", after the year a space, after the
 * hour a ":". A separator typed right after the one just added is dropped rather than doubled.
 * Anything else (deleting, typing in the middle, pasting) is left exactly as the person made it.
 */
export function separateTyped(previous: string, next: string): string {
  if (next.length !== previous.length + 1 || !next.startsWith(previous)) return next;
  const typed = next.at(-1)!;
  if ('/: '.includes(typed) && previous.endsWith(typed) && /[/: ]$/.test(previous)) return previous;
  if (!/\d/.test(typed)) return next;
  if (/^\d{2}$/.test(next) || /^\d{1,2}\/\d{2}$/.test(next)) return `${next}/`;
  if (/^\d{1,2}\/\d{1,2}\/\d{4}$/.test(next)) return `${next} `;
  if (/^\d{1,2}\/\d{1,2}\/\d{4} \d{2}$/.test(next)) return `${next}:`;
  return next;
}
