// HTTP routes of the working-day calendar: the public list of days off in a range, and the admins'
// corrections (the government's yearly decisions) by year, added and removed one day at a time.
import { createRoute } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, requireRole } from '../identity/auth-middleware.ts';
import { unwrap } from '../shared/errors.ts';
import { addCalendarDay, adminCalendarYear, removeCalendarDay } from './calendar-admin.ts';
import {
  AddCalendarDayBody,
  AdminCalendarDaySchema,
  AdminCalendarQuery,
  AdminCalendarYearSchema,
  CalendarDayParam,
  CalendarRangeQuery,
  CalendarRangeSchema,
} from './calendar-schemas.ts';
import { workingCalendar } from './calendar-store.ts';

const tags = ['calendar'];
const security = [{ eid: [] }];

export function calendarRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/calendar',
      ...access('anyone'),
      tags,
      summary: "Vietnam's days off in a range (deadlines count working days)",
      description:
        'Every day off from `from` to `to` (both included, at most 366 days): statutory holidays and their compensatory days, weekends, and days off admins entered; and the make-up working days admins entered.',
      request: { query: CalendarRangeQuery },
      responses: { 200: json(CalendarRangeSchema, 'Days off and make-up working days'), ...errorResponses(422) },
    }),
    async (c) => {
      const { from, to } = c.req.valid('query');
      const calendar = await workingCalendar(ctx);
      return c.json(
        {
          from,
          to,
          daysOff: calendar.daysOff(from, to),
          makeUpWorkingDays: calendar.makeUpWorkingDays(from, to).map(({ day, name }) => ({ day, name })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/calendar/days',
      ...access({ roles: ['admin'] }),
      tags,
      security,
      summary: "A year's calendar corrections (admin)",
      request: { query: AdminCalendarQuery },
      responses: {
        200: json(AdminCalendarYearSchema, "The admins' days and the derived statutory days off"),
        ...errorResponses(401, 403, 422, 429),
      },
    }),
    async (c) => c.json(await adminCalendarYear(ctx, c.req.valid('query').year), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/calendar/days',
      ...access({ roles: ['admin'] }),
      tags,
      security,
      summary: 'Add a day off or a make-up working day (admin)',
      description:
        'For the government’s yearly decisions. A day off must otherwise be a working day and a make-up working day otherwise a day off (422 otherwise); a day has at most one correction (409). Audited.',
      request: { body: { required: true, content: { 'application/json': { schema: AddCalendarDayBody } } } },
      responses: {
        201: json(AdminCalendarDaySchema, 'The correction'),
        ...errorResponses(400, 401, 403, 409, 422, 429),
      },
    }),
    async (c) => {
      const admin = requireRole(c, 'admin');
      return c.json(unwrap(await addCalendarDay(ctx, admin, c.req.valid('json'))), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/admin/calendar/days/{day}',
      ...access({ roles: ['admin'] }),
      tags,
      security,
      summary: 'Remove a correction (admin)',
      request: { params: CalendarDayParam },
      responses: {
        200: json(AdminCalendarDaySchema, 'The correction removed'),
        ...errorResponses(401, 403, 404, 422, 429),
      },
    }),
    async (c) => {
      const admin = requireRole(c, 'admin');
      return c.json(unwrap(await removeCalendarDay(ctx, admin, c.req.valid('param').day)), 200);
    },
  );

  return app;
}
