// The calendar over HTTP: the public list of days off, the admins' corrections (who may, bad input,
// duplicates, the audit trail), and a deadline (the one payments use) moved by an admin's extra day
// off and back when it is removed, on the platform with a controlled clock.
import { personKey } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { auditEvents, calendarDays } from '../../db/schema.ts';
import { deadline } from '../../server/calendar/calendar-store.ts';
import { endOfDay } from '../../server/calendar/days.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { person, type Actor } from '../auctions/factories.ts';

const clock = new ManualClock(Date.parse('2027-01-20T02:00:00Z'));
let t: TestPlatform;
let admin: Actor;
let manager: Actor;

beforeAll(async () => {
  const adminPid = newPid();
  t = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid } });
  admin = { pid: adminPid, token: await t.idp.token({ sub: adminPid, loa: 2 }) };
  manager = await person(t.idp, t.database.db, { roles: ['manager'] });
});
afterAll(async () => {
  await t?.stop();
});

const post = (body: unknown, token = admin.token) => t.call('POST', '/api/admin/calendar/days', { token, body });

describe('GET /api/calendar', () => {
  it('lists every day off in a range, holidays, weekends and admins’ days, to anyone', async () => {
    const res = await t.call('GET', '/api/calendar?from=2027-02-03&to=2027-02-15');
    expect(res.status).toBe(200);
    expect(res.json.daysOff.map((d: { day: string; source: string }) => `${d.day} ${d.source}`)).toEqual([
      '2027-02-05 holiday',
      '2027-02-06 holiday',
      '2027-02-07 holiday',
      '2027-02-08 holiday',
      '2027-02-09 holiday',
      '2027-02-10 holiday',
      '2027-02-11 holiday',
      '2027-02-13 weekend',
      '2027-02-14 weekend',
    ]);
    expect(res.json.daysOff[1]).toEqual({ day: '2027-02-06', name: 'Tết Nguyên Đán (mùng 1)', source: 'holiday' });
    expect(res.json.makeUpWorkingDays).toEqual([]);
  });

  it('refuses a bad range with field errors', async () => {
    for (const [query, field] of [
      ['from=2027-02-30&to=2027-03-01', 'from'],
      ['from=2027-03-01&to=2027-02-01', 'to'],
      ['from=2027-01-01&to=2028-01-02', 'to'],
      ['from=1990-01-01&to=1990-01-02', 'from'],
      ['to=2027-01-01', 'from'],
    ] as const) {
      const res = await t.call('GET', `/api/calendar?${query}`);
      expect(res.status, query).toBe(422);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.json.error.fieldErrors), query).toContain(field);
    }
  });
});

describe('admins’ corrections', () => {
  it('are for admins only', async () => {
    const body = { day: '2027-02-12', kind: 'day_off', name: 'Nghỉ Tết' };
    expect((await t.call('POST', '/api/admin/calendar/days', { body })).status).toBe(401);
    expect((await post(body, manager.token)).status).toBe(403);
    expect((await t.call('GET', '/api/admin/calendar/days?year=2027', { token: manager.token })).status).toBe(403);
    expect((await t.call('DELETE', '/api/admin/calendar/days/2027-02-12', { token: manager.token })).status).toBe(403);
    expect(await t.database.db.$count(calendarDays)).toBe(0);
  });

  it('refuse bad input with field errors and change nothing', async () => {
    const cases: [unknown, string][] = [
      [{ day: '2027-02-30', kind: 'day_off', name: 'x' }, 'day'],
      [{ day: '12/02/2027', kind: 'day_off', name: 'x' }, 'day'],
      [{ day: '2027-02-12', kind: 'holiday', name: 'x' }, 'kind'],
      [{ day: '2027-02-12', kind: 'day_off', name: '  ' }, 'name'],
      [{ day: '2027-02-12', kind: 'day_off', name: 'a\u0007b' }, 'name'],
      [{ day: '2027-02-12', kind: 'day_off', name: 'x'.repeat(201) }, 'name'],
      [{ day: '2027-02-12', kind: 'day_off', name: 'x', extra: 1 }, '_'],
      // Changes nothing: already a day off (Tết), already a working day (a plain Tuesday).
      [{ day: '2027-02-08', kind: 'day_off', name: 'Tết' }, 'day'],
      [{ day: '2027-02-16', kind: 'working_day', name: 'Làm bù' }, 'day'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys(res.json.error.fieldErrors), JSON.stringify(body)).toContain(field);
    }
    expect((await t.call('GET', '/api/admin/calendar/days?year=1999', { token: admin.token })).status).toBe(422);
    expect((await t.call('DELETE', '/api/admin/calendar/days/2027-13-01', { token: admin.token })).status).toBe(422);
    expect(await t.database.db.$count(calendarDays)).toBe(0);
  });

  it('move a deadline: an extra day off, a make-up Saturday, and back when removed', async () => {
    const closedAt = new Date('2027-02-04T08:00:00Z'); // Thursday 4 Feb 2027, 15:00 in Vietnam
    const refund = { days: 3, kind: 'working' as const };
    expect(await deadline(t.platform.ctx, closedAt, refund)).toEqual(endOfDay('2027-02-16'));

    const added = await post({ day: '2027-02-12', kind: 'day_off', name: ' Nghỉ Tết (hoán đổi) ' });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({
      day: '2027-02-12',
      kind: 'day_off',
      name: 'Nghỉ Tết (hoán đổi)',
      createdBy: admin.pid,
      createdAt: clock.now().toISOString(),
    });
    expect(await deadline(t.platform.ctx, closedAt, refund)).toEqual(endOfDay('2027-02-17'));

    expect((await post({ day: '2027-02-20', kind: 'working_day', name: 'Làm bù cho 12/2' })).status).toBe(201);
    // From Wednesday 17 Feb: Thu 18, Fri 19, and the make-up Saturday 20.
    expect(await deadline(t.platform.ctx, new Date('2027-02-17T08:00:00Z'), refund)).toEqual(endOfDay('2027-02-20'));

    const listed = await t.call('GET', '/api/calendar?from=2027-02-10&to=2027-02-21');
    expect(listed.json.daysOff).toContainEqual({ day: '2027-02-12', name: 'Nghỉ Tết (hoán đổi)', source: 'admin' });
    expect(listed.json.daysOff.map((d: { day: string }) => d.day)).not.toContain('2027-02-20');
    expect(listed.json.makeUpWorkingDays).toEqual([{ day: '2027-02-20', name: 'Làm bù cho 12/2' }]);

    const year = await t.call('GET', '/api/admin/calendar/days?year=2027', { token: admin.token });
    expect(year.status).toBe(200);
    expect(year.json.days.map((d: { day: string; kind: string }) => `${d.day} ${d.kind}`)).toEqual([
      '2027-02-12 day_off',
      '2027-02-20 working_day',
    ]);
    // The admin is shown by their identification number (the database holds their person key).
    expect(year.json.days.map((d: { createdBy: string }) => d.createdBy)).toEqual([admin.pid, admin.pid]);
    expect(year.json.derived).toContainEqual({
      day: '2027-02-10',
      name: 'Nghỉ bù Tết Nguyên Đán (mùng 1)',
      compensatory: true,
    });

    // One correction per day: the same day again is a conflict, whatever its kind.
    const again = await post({ day: '2027-02-12', kind: 'day_off', name: 'again' });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('INVALID_STATE');

    const removed = await t.call('DELETE', '/api/admin/calendar/days/2027-02-12', { token: admin.token });
    expect(removed.status).toBe(200);
    expect(removed.json).toMatchObject({ day: '2027-02-12', kind: 'day_off' });
    expect(await deadline(t.platform.ctx, closedAt, refund)).toEqual(endOfDay('2027-02-16'));
    const gone = await t.call('DELETE', '/api/admin/calendar/days/2027-02-12', { token: admin.token });
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('NOT_FOUND');

    // Every change is audited, with the admin as actor.
    const audit = await t.database.db
      .select({
        action: auditEvents.action,
        actorPid: auditEvents.actorPid,
        subject: auditEvents.subject,
        data: auditEvents.data,
      })
      .from(auditEvents)
      .where(and(like(auditEvents.action, 'calendar.%'), eq(auditEvents.actorPid, personKey(admin.pid))))
      .orderBy(auditEvents.id);
    expect(audit).toEqual([
      {
        action: 'calendar.day_added',
        actorPid: personKey(admin.pid),
        subject: '2027-02-12',
        data: { day: '2027-02-12', kind: 'day_off', name: 'Nghỉ Tết (hoán đổi)' },
      },
      {
        action: 'calendar.day_added',
        actorPid: personKey(admin.pid),
        subject: '2027-02-20',
        data: { day: '2027-02-20', kind: 'working_day', name: 'Làm bù cho 12/2' },
      },
      {
        action: 'calendar.day_removed',
        actorPid: personKey(admin.pid),
        subject: '2027-02-12',
        data: { day: '2027-02-12', kind: 'day_off', name: 'Nghỉ Tết (hoán đổi)' },
      },
    ]);
  });

  it('use the winner’s payment policy from the configuration (30 calendar days by default)', async () => {
    const policy = t.platform.ctx.config.money.paymentDeadline;
    expect(policy).toEqual({ days: 30, kind: 'calendar' });
    // 30 days after Thursday 7 Jan 2027 is Saturday 6 Feb (Tết): the period runs to Friday 12 Feb.
    expect(await deadline(t.platform.ctx, new Date('2027-01-07T03:00:00Z'), policy)).toEqual(endOfDay('2027-02-12'));
  });
});
