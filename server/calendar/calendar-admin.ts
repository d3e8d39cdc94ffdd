// Admins' corrections of the working-day calendar: the government's yearly decisions (extra days off,
// make-up working days) entered day by day, each change audited in the same transaction, and the
// process's cached calendar forgotten once it commits (other processes read it again within
// CALENDAR_REFRESH_MS, calendar-store.ts).
import { asc, and, eq, gte, lte } from 'drizzle-orm';
import { calendarDays, type CalendarDayKind } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { fail, invalid, ok, type Result } from '../shared/errors.ts';
import { errorCodes } from '../shared/unavailable.ts';
import type { Person } from '../identity/person.ts';
import type { Db } from '../../db/client.ts';
import { isPersonKey, revealPeople } from '../privacy/personal-data.ts';
import { invalidateCalendar } from './calendar-store.ts';
import { statutoryDaysOff, type StatutoryDayOff } from './vietnam-holidays.ts';
import { WorkingCalendar } from './working-calendar.ts';

export interface AdminCalendarDay {
  day: string;
  kind: CalendarDayKind;
  name: string;
  /** The admin's identification number (12 digits), revealed; null once their identity is erased. */
  createdBy: string | null;
  createdAt: string;
}

/** A correction as the API shows it; `created_by` holds the admin's person key, shown as their number. */
const toAnswer = (r: typeof calendarDays.$inferSelect, createdBy: string | null): AdminCalendarDay => ({
  day: r.day,
  kind: r.kind,
  name: r.name,
  createdBy,
  createdAt: r.createdAt.toISOString(),
});

/** Corrections with their admins revealed in one batch. */
async function answers(db: Db, rows: (typeof calendarDays.$inferSelect)[]): Promise<AdminCalendarDay[]> {
  const shown = await revealPeople(
    db,
    rows.map((r) => r.createdBy),
  );
  return rows.map((r) => toAnswer(r, isPersonKey(r.createdBy) ? (shown.get(r.createdBy)?.pid ?? null) : r.createdBy));
}

/** The admins' corrections of a year, and the statutory days off worked out for it. */
export async function adminCalendarYear(
  ctx: AppContext,
  year: number,
): Promise<{ year: number; days: AdminCalendarDay[]; derived: StatutoryDayOff[] }> {
  const rows = await ctx.db
    .select()
    .from(calendarDays)
    .where(and(gte(calendarDays.day, `${year}-01-01`), lte(calendarDays.day, `${year}-12-31`)))
    .orderBy(asc(calendarDays.day));
  return { year, days: await answers(ctx.db, rows), derived: statutoryDaysOff(year) };
}

/**
 * Adds a correction. A day off must be a day that is otherwise worked, a make-up working day one that
 * is otherwise off (else it would change nothing: 422); one correction per day (409).
 */
export async function addCalendarDay(
  ctx: AppContext,
  admin: Person,
  input: { day: string; kind: CalendarDayKind; name: string },
): Promise<Result<AdminCalendarDay>> {
  const otherwise = WorkingCalendar.withoutCorrections(input.day);
  if (input.kind === 'day_off' && otherwise)
    return invalid({ day: { code: 'INVALID', detail: `already a day off (${otherwise.name})` } });
  if (input.kind === 'working_day' && !otherwise)
    return invalid({ day: { code: 'INVALID', detail: 'already a working day' } });
  const at = ctx.clock.now();
  try {
    const row = await ctx.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(calendarDays)
        .values({ ...input, createdBy: admin.pid, createdAt: at })
        .onConflictDoNothing()
        .returning();
      if (!inserted) return undefined;
      await appendAudit(tx, {
        actorPid: admin.pid,
        action: 'calendar.day_added',
        subject: input.day,
        data: { day: input.day, kind: input.kind, name: input.name },
        at,
      });
      return inserted;
    });
    if (!row) return duplicate(input.day);
    return ok(toAnswer(row, admin.idNumber));
  } catch (err) {
    if (errorCodes(err).includes('23505')) return duplicate(input.day);
    throw err;
  } finally {
    invalidateCalendar(ctx);
  }
}

const duplicate = (day: string): Result<never> =>
  fail('INVALID_STATE', `${day} already has a correction; remove it first to change it.`);

/** Removes a correction (404 when the day has none). */
export async function removeCalendarDay(
  ctx: AppContext,
  admin: Person,
  day: string,
): Promise<Result<AdminCalendarDay>> {
  const at = ctx.clock.now();
  try {
    const row = await ctx.db.transaction(async (tx) => {
      const [removed] = await tx.delete(calendarDays).where(eq(calendarDays.day, day)).returning();
      if (!removed) return undefined;
      await appendAudit(tx, {
        actorPid: admin.pid,
        action: 'calendar.day_removed',
        subject: day,
        data: { day, kind: removed.kind, name: removed.name },
        at,
      });
      return removed;
    });
    return row ? ok((await answers(ctx.db, [row]))[0]!) : fail('NOT_FOUND', `${day} has no correction.`);
  } finally {
    invalidateCalendar(ctx);
  }
}
