// The period of a regulator's export, typed as Vietnamese dates (dd/mm/yyyy, Vietnam time): from
// 00:00 of the first day to 24:00 of the last, sent to the API as ISO instants with the +07:00 offset
// made explicit (a bare date would be read as UTC midnight, seven hours off).
import { formatVnDateTime, readVnDateTime, VN_OFFSET_MS } from '#lib/vn-datetime.ts';

export type DateProblem = 'required' | 'format' | 'day' | 'month' | 'year';
export type DateReading = { ok: true; dayStart: number } | { ok: false; problem: DateProblem };

const DAY_MS = 86_400_000;
const DATE = /^\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}$/;
/** Eight digits, ddmmyyyy: what a phone's number pad (which has no "/") can type. */
const DIGITS = /^(\d{2})(\d{2})(\d{4})$/;

/** Reads "01/12/2026" (also 1/12/2026, 01-12-2026, 01.12.2026, 01122026) as the start of that Vietnam day. */
export function readVnDate(text: string): DateReading {
  const t = text.normalize('NFC').trim().replace(DIGITS, '$1/$2/$3');
  if (t === '') return { ok: false, problem: 'required' };
  if (!DATE.test(t)) return { ok: false, problem: 'format' };
  // The date-and-time reader knows the calendar; midnight makes it a date.
  const r = readVnDateTime(`${t} 00:00`);
  if (r.kind === 'instant') return { ok: true, dayStart: Date.parse(r.iso) };
  return {
    ok: false,
    problem:
      r.kind === 'invalid' && (r.problem === 'day' || r.problem === 'month' || r.problem === 'year')
        ? r.problem
        : 'format',
  };
}

/** "dd/mm/yyyy" of the Vietnam day an instant falls on. */
export function vnDate(ms: number): string {
  return formatVnDateTime(ms).slice(0, 10);
}

export type PeriodReading =
  { ok: true; from: string; to: string } | { ok: false; from?: DateProblem; to?: DateProblem | 'order' };

/** The period [first day 00:00, day after the last 00:00) in Vietnam time, as ISO instants with +07:00. */
export function readPeriod(fromText: string, toText: string): PeriodReading {
  const from = readVnDate(fromText);
  const to = readVnDate(toText);
  if (!from.ok || !to.ok)
    return { ok: false, from: from.ok ? undefined : from.problem, to: to.ok ? undefined : to.problem };
  if (to.dayStart < from.dayStart) return { ok: false, to: 'order' };
  const iso = (ms: number): string => `${new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 19)}+07:00`;
  return { ok: true, from: iso(from.dayStart), to: iso(to.dayStart + DAY_MS) };
}

/** The default period: the first day of this month to today, Vietnam time. */
export function defaultPeriod(now: number): { from: string; to: string } {
  const today = vnDate(now);
  return { from: `01${today.slice(2)}`, to: today };
}

/** The file name a response names in Content-Disposition, or the fallback. */
export function attachmentName(header: string | null, fallback: string): string {
  const m = /filename="([^"]+)"/.exec(header ?? '');
  return m ? m[1] : fallback;
}
