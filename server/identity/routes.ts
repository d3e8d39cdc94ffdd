// Identity routes: who am I, and role administration.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { signedIn, type PersonCache } from './auth-middleware.ts';
import { ROLES } from '../../db/schema.ts';
import { errorResponses } from '../http/openapi.ts';

export const MeSchema = z
  .object({ pid: z.string().regex(/^\d{12}$/), name: z.string().nullable(), level: z.union([z.literal(1), z.literal(2)]), roles: z.array(z.enum(ROLES)) })
  .openapi('Me');

export function identityRoutes(_ctx: AppContext, _deps: { personCache: PersonCache }): ApiApp {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/me',
      tags: ['identity'],
      summary: 'The signed-in person',
      security: [{ eid: [] }],
      responses: { 200: { description: 'The verified person', content: { 'application/json': { schema: MeSchema } } }, ...errorResponses(401) },
    }),
    (c) => {
      const p = signedIn(c);
      return c.json({ pid: p.pid, name: p.name, level: p.level, roles: p.roles }, 200);
    },
  );
  return app;
}
