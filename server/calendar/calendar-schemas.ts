// The calendar's request and answer schemas (zod, also the OpenAPI description): a day, a range of
// days, an admin's correction, the public list of days off.
import { z } from '@hono/zod-openapi';
import { CALENDAR_DAY_KINDS } from '../../db/schema.ts';
import { fieldCode } from '../shared/field-errors.ts';
import { isDay } from './days.ts';
import { FIRST_YEAR, LAST_YEAR } from './vietnam-holidays.ts';
import { WorkingCalendar } from './working-calendar.ts';

/** The longest range the public calendar lists at once. */
export const MAX_RANGE_DAYS = 366;

/** A day the calendar covers, 'YYYY-MM-DD'. */
export const CalendarDay = z
  .string()
  .refine(isDay, `a date such as 2027-02-10`)
  .refine((s) => !isDay(s) || WorkingCalendar.covers(s), `a day from ${FIRST_YEAR} to ${LAST_YEAR}`);

const Name = z
  .string()
  .trim()
  .min(1)
  .max(200)
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), fieldCode('CONTAINS_CONTROL'));

export const AddCalendarDayBody = z
  .object({
    day: CalendarDay.openapi({ example: '2027-02-12' }),
    kind: z.enum(CALENDAR_DAY_KINDS).openapi({
      description:
        'day_off: an extra day off the government decided; working_day: a make-up working day (a Saturday worked), or a derived holiday the government placed elsewhere',
    }),
    name: Name.openapi({ example: 'Nghỉ Tết (Quyết định của Thủ tướng)' }),
  })
  .strict()
  .openapi('AddCalendarDay');

export const CalendarDayParam = z.object({
  day: CalendarDay.openapi({ param: { name: 'day', in: 'path' }, example: '2027-02-12' }),
});

export const AdminCalendarQuery = z.object({
  year: z.coerce
    .number()
    .int()
    .min(FIRST_YEAR)
    .max(LAST_YEAR)
    .openapi({ param: { name: 'year', in: 'query' }, example: 2027 }),
});

export const CalendarRangeQuery = z
  .object({
    from: CalendarDay.openapi({ param: { name: 'from', in: 'query' }, example: '2027-01-01' }),
    to: CalendarDay.openapi({ param: { name: 'to', in: 'query' }, example: '2027-12-31' }),
  })
  .refine((q) => !isDay(q.from) || !isDay(q.to) || q.from <= q.to, { path: ['to'], message: 'on or after from' })
  .refine(
    (q) => !isDay(q.from) || !isDay(q.to) || (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < MAX_RANGE_DAYS,
    { path: ['to'], message: `at most ${MAX_RANGE_DAYS} days after from` },
  );

const DayOffSchema = z.object({
  day: z.string().openapi({ example: '2027-02-08' }),
  name: z.string().openapi({ example: 'Tết Nguyên Đán (mùng 3)' }),
  source: z.enum(['holiday', 'weekend', 'admin']).openapi({
    description:
      "holiday: a statutory holiday or its compensatory day (Labour Code 2019, Art. 112); weekend: Saturday or Sunday; admin: a day off an admin entered (the government's yearly decision)",
  }),
});

const MakeUpDaySchema = z.object({ day: z.string(), name: z.string() });

export const CalendarRangeSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    daysOff: z.array(DayOffSchema),
    makeUpWorkingDays: z.array(MakeUpDaySchema).openapi({
      description: 'Days that are working days although they would be off (admins’ entries)',
    }),
  })
  .openapi('CalendarRange');

export const AdminCalendarDaySchema = z
  .object({
    day: z.string(),
    kind: z.enum(CALENDAR_DAY_KINDS),
    name: z.string(),
    createdBy: z
      .string()
      .nullable()
      .openapi({ description: "The admin's identification number; null once their identity has been erased." }),
    createdAt: z.string(),
  })
  .openapi('AdminCalendarDay');

export const AdminCalendarYearSchema = z
  .object({
    year: z.number().int(),
    days: z.array(AdminCalendarDaySchema).openapi({ description: "The admins' corrections of the year" }),
    derived: z.array(z.object({ day: z.string(), name: z.string(), compensatory: z.boolean() })).openapi({
      description:
        'The statutory days off worked out for the year (before corrections), to check against the government’s decision',
    }),
  })
  .openapi('AdminCalendarYear');
