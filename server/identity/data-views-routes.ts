// The route of "who viewed my data" (issue 20): the signed-in person's own identity reads by staff.
import { createRoute } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, signedIn } from './auth-middleware.ts';
import { dataViewsOf } from './data-views.ts';
import { DataViewPageSchema, DataViewQuery } from './data-views-schemas.ts';

export function dataViewRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/me/data-views',
      ...access('signed-in'),
      tags: ['identity'],
      security: [{ eid: [] }],
      summary: 'Who viewed my data',
      description:
        'Every read of the signed-in person’s identity (personal id, name) by staff, newest first, in pages: when, who read (role, a manager’s organisation or a regulator’s province, and name; never their personal id), the purpose they stated (null: not stated), the lot and the kind of read (`action`, `format`). A read is listed as soon as it has happened: it is written in the same transaction as the read itself (a bulk export’s as each page is sent). Any signed-in person, any level; only their own.',
      request: { query: DataViewQuery },
      responses: { 200: json(DataViewPageSchema, 'Newest first'), ...errorResponses(401, 422, 429) },
    }),
    async (c) => {
      const { cursor, limit } = c.req.valid('query');
      c.header('cache-control', 'no-store');
      return c.json(await dataViewsOf(ctx, signedIn(c).pid, { cursor, limit }), 200);
    },
  );
  return app;
}
