// The admins' days as each process caches them: a change written by another process (straight into
// the table, as it would be) is seen once the cache is CALENDAR_REFRESH_MS old, and at once after
// invalidateCalendar (what this process's own changes call); a read inside a transaction uses it.
import { personKey } from '../../server/privacy/personal-data.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { calendarDays } from '../../db/schema.ts';
import {
  CALENDAR_REFRESH_MS,
  deadline,
  invalidateCalendar,
  workingCalendar,
} from '../../server/calendar/calendar-store.ts';
import { endOfDay } from '../../server/calendar/days.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';

let database: TestDatabase;
const refund = { days: 3, kind: 'working' as const };
const closedAt = new Date('2027-02-04T08:00:00Z'); // Thursday before Tết 2027

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('the cached calendar', () => {
  it('sees another process’s change within CALENDAR_REFRESH_MS, and at once when invalidated', async () => {
    let now = 1_000_000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const ctx = { db: database.db };
    expect(await deadline(ctx, closedAt, refund)).toEqual(endOfDay('2027-02-16'));

    await database.db.insert(calendarDays).values({
      day: '2027-02-12',
      kind: 'day_off',
      name: 'Nghỉ Tết (hoán đổi)',
      createdBy: personKey('079000000001'),
      createdAt: new Date(),
    });
    now += CALENDAR_REFRESH_MS - 1;
    expect(await deadline(ctx, closedAt, refund)).toEqual(endOfDay('2027-02-16'));
    now += 1;
    expect(await deadline(ctx, closedAt, refund)).toEqual(endOfDay('2027-02-17'));

    await database.db.delete(calendarDays);
    expect(await deadline(ctx, closedAt, refund)).toEqual(endOfDay('2027-02-17'));
    invalidateCalendar(ctx);
    expect(await deadline(ctx, closedAt, refund)).toEqual(endOfDay('2027-02-16'));
  });

  it('reads inside the caller’s transaction when asked to', async () => {
    const ctx = { db: database.db };
    invalidateCalendar(ctx);
    const inside = await database.db.transaction(async (tx) => {
      await tx.insert(calendarDays).values({
        day: '2027-02-15',
        kind: 'day_off',
        name: 'Nghỉ thêm',
        createdBy: personKey('079000000001'),
        createdAt: new Date(),
      });
      const calendar = await workingCalendar(ctx, tx);
      return calendar.isWorkingDay('2027-02-15');
    });
    expect(inside).toBe(false);
    invalidateCalendar(ctx);
  });
});
