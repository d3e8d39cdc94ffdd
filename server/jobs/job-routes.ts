// Admins' view of the durable jobs: GET /api/admin/jobs?state=failed lists the jobs that failed after
// their last attempt, with the error, so someone can act on them (pending and done ones likewise).
import { createRoute, z } from '@hono/zod-openapi';
import { desc, eq } from 'drizzle-orm';
import { JOB_STATES, jobs } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access } from '../identity/auth-middleware.ts';
import { jobView } from './queue.ts';

const JobsQuery = z.object({
  state: z.enum(JOB_STATES).openapi({ param: { name: 'state', in: 'query' }, example: 'failed' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(100)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 100 }),
});

const JobSchema = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    key: z.string(),
    runAt: z.string(),
    payload: z.record(z.string(), z.unknown()),
    state: z.enum(JOB_STATES),
    attempts: z.number().int(),
    lockedUntil: z.string().nullable().openapi({
      description: "A running job's lease, or, after a failed attempt, when it is tried again",
    }),
    lastError: z.string().nullable(),
    doneAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Job');

export function jobRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/jobs',
      ...access({ roles: ['admin'] }),
      tags: ['jobs'],
      security: [{ eid: [] }],
      summary: 'Scheduled jobs by state, newest first (admin)',
      description:
        'Deadlines and other durable jobs. `failed`: jobs whose handler failed on every attempt (lastError says why).',
      request: { query: JobsQuery },
      responses: {
        200: json(z.object({ items: z.array(JobSchema) }), 'The jobs'),
        ...errorResponses(401, 403, 422, 429),
      },
    }),
    async (c) => {
      const { state, limit } = c.req.valid('query');
      const rows = await ctx.db.select().from(jobs).where(eq(jobs.state, state)).orderBy(desc(jobs.id)).limit(limit);
      c.header('cache-control', 'no-store');
      return c.json({ items: rows.map(jobView) }, 200);
    },
  );
  return app;
}
