// HTTP routes of the person's notices: the list (newest first, paged, with the unread count), read
// marks (one, or all), and the e-mail address notices are sent to. Only the signed-in person's own.
import { createRoute } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, signedIn } from '../identity/auth-middleware.ts';
import { unwrap } from '../shared/errors.ts';
import { emailOf, listNotices, markAllRead, markRead, setEmail } from './inbox.ts';
import {
  EmailBody,
  EmailSchema,
  NotificationIdParam,
  NotificationPageSchema,
  NotificationQuery,
  ReadAllSchema,
  ReadMarkSchema,
} from './schemas.ts';

const tags = ['notifications'];
const security = [{ eid: [] }];

export function notificationRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/me/notifications',
      ...access('signed-in'),
      tags,
      security,
      summary: 'My notices',
      description:
        'Money notices (deposit received, refund sent, balance due, deadline missed, …), newest first, in pages; `unread` counts all unread ones. The page polls this: notices are written inside the transactions of the changes they tell of.',
      request: { query: NotificationQuery },
      responses: { 200: json(NotificationPageSchema, 'Newest first'), ...errorResponses(401, 422, 429) },
    }),
    async (c) => {
      const { cursor, limit, lang } = c.req.valid('query');
      c.header('cache-control', 'no-store');
      return c.json(await listNotices(ctx, signedIn(c).pid, { cursor, limit }, lang), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/me/notifications/{id}/read',
      ...access('signed-in'),
      tags,
      security,
      summary: 'Mark one of my notices read',
      description: "Marking a read notice again keeps its first time. Another person's notice: 404.",
      request: { params: NotificationIdParam },
      responses: { 200: json(ReadMarkSchema, 'Read'), ...errorResponses(401, 403, 404, 422, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(unwrap(await markRead(ctx, signedIn(c).pid, id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/me/notifications/read-all',
      ...access('signed-in'),
      tags,
      security,
      summary: 'Mark all my notices read',
      responses: { 200: json(ReadAllSchema, 'Marked'), ...errorResponses(401, 403, 429) },
    }),
    async (c) => c.json(await markAllRead(ctx, signedIn(c).pid), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/me/email',
      ...access('signed-in'),
      tags,
      security,
      summary: 'The address my notices are e-mailed to',
      responses: { 200: json(EmailSchema, 'The address, or null'), ...errorResponses(401, 429) },
    }),
    async (c) => {
      c.header('cache-control', 'no-store');
      return c.json({ email: await emailOf(ctx, signedIn(c).pid) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/me/email',
      ...access('signed-in'),
      tags,
      security,
      summary: 'Set or clear the address my notices are e-mailed to',
      description:
        'Money notices are e-mailed to this address when the platform has SMTP configured; null or "" clears it (notices stay in-app). A malformed address: 422.',
      request: { body: { required: true, content: { 'application/json': { schema: EmailBody } } } },
      responses: { 200: json(EmailSchema, 'The address now'), ...errorResponses(401, 403, 422, 429) },
    }),
    async (c) => {
      const { email } = c.req.valid('json');
      return c.json(await setEmail(ctx, signedIn(c).pid, email || null), 200);
    },
  );
  return app;
}
