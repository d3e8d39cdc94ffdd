// The working calendar as the platform uses it: the admins' corrections (calendar_days) read from the
// database into a WorkingCalendar, cached per database. The cache is read again when it is older than
// CALENDAR_REFRESH_MS, and at once after this process changes a day (invalidateCalendar), so another
// process sees an admin's change within CALENDAR_REFRESH_MS. `deadline` is what payments call for the
// refund deadline (REFUND_DEADLINE_WORKING_DAYS) and the winner's payment deadline
// (PAYMENT_DEADLINE_DAYS with PAYMENT_DEADLINE_KIND): ctx.config.money.
import { calendarDays } from '../../db/schema.ts';
import type { Db, Tx } from '../../db/client.ts';
import type { AppContext } from '../context.ts';
import { WorkingCalendar, type DeadlinePolicy } from './working-calendar.ts';

/** How stale the admins' days may be in one process when another process changed them. */
export const CALENDAR_REFRESH_MS = 5_000;

interface Cached {
  calendar: WorkingCalendar;
  /** performance.now() when read; the refresh is real elapsed time, not the platform's clock. */
  readAt: number;
}

const caches = new WeakMap<Db, Cached>();

/**
 * The current working calendar. Inside a transaction pass it as `q` (on embedded PGlite the platform
 * has one connection, and a read outside the transaction would wait for it to end).
 */
export async function workingCalendar(ctx: Pick<AppContext, 'db'>, q?: Db | Tx): Promise<WorkingCalendar> {
  const cached = caches.get(ctx.db);
  if (cached && performance.now() - cached.readAt < CALENDAR_REFRESH_MS) return cached.calendar;
  const readAt = performance.now();
  const rows = await (q ?? ctx.db)
    .select({ day: calendarDays.day, kind: calendarDays.kind, name: calendarDays.name })
    .from(calendarDays);
  const calendar = new WorkingCalendar(rows);
  caches.set(ctx.db, { calendar, readAt });
  return calendar;
}

/** Forgets the cached corrections, so the next use reads them again (after a change is committed). */
export function invalidateCalendar(ctx: Pick<AppContext, 'db'>): void {
  caches.delete(ctx.db);
}

/**
 * The deadline of a period starting with an event at `from`: the end (23:59:59.999 in Vietnam) of the
 * `days`-th working or calendar day after the event's day, as working-calendar.ts counts it. For
 * example `deadline(ctx, closedAt, { days: ctx.config.money.refundDeadlineWorkingDays, kind: 'working' })`
 * or `deadline(ctx, closedAt, ctx.config.money.paymentDeadline, tx)`.
 */
export async function deadline(
  ctx: Pick<AppContext, 'db'>,
  from: Date,
  policy: DeadlinePolicy,
  q?: Db | Tx,
): Promise<Date> {
  return (await workingCalendar(ctx, q)).deadline(from, policy);
}
