// Health for load balancers and supervisors. Readiness (/api/health) is 503 while the database does
// not answer, so a load balancer sends no requests to a process that cannot serve them; liveness
// (/api/health/live) is 200 while the process serves at all, so a database blip does not make a
// supervisor restart, or a load balancer drop, every process at once.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { unavailable, withDeadline } from '../shared/unavailable.ts';
import { createRouter, type ApiApp } from './app.ts';
import { errorResponses } from './openapi.ts';

/** How long the readiness check waits for the database. */
export const HEALTH_PING_MS = 1_000;

const tags = ['health'];
const RedisState = z
  .enum(['up', 'down', 'off'])
  .openapi({ description: "The socket.io adapter's Redis: 'off' when REDIS_URL is unset; never a reason for 503" });
const ClockOffset = z.number().nullable().openapi({
  description:
    "The database's clock minus this process's host clock, in ms, as last measured. The platform's time (serverTime, the end of bidding, bid times) is the database's, so every process agrees whatever its host clock says; a large value means this host's time synchronisation is off. Null when the platform runs on a controlled clock (tests).",
});
const Ready = z
  .object({
    status: z.literal('ok'),
    database: z.enum(['postgres', 'pglite']),
    redis: RedisState,
    serverTime: z.string(),
    clockOffsetMs: ClockOffset,
  })
  .openapi('Ready');
const Load = z
  .object({
    eventLoopLagMs: z.number().openapi({ description: 'How late the event loop runs (smoothed), ms' }),
    bidsInProgress: z.number().int().openapi({ description: 'Bids admitted by this process and not yet answered' }),
    shedShare: z
      .number()
      .openapi({ description: 'Share of new bids this process refuses at the door as overloaded (0–0.95)' }),
  })
  .openapi('Load', { description: "This process's overload state (see README, Failures and overload)" });
const Live = z
  .object({
    status: z.literal('ok'),
    database: z.enum(['up', 'down']).openapi({ description: 'Whether this process can reach its database now' }),
    redis: RedisState,
    serverTime: z.string(),
    load: Load,
  })
  .openapi('Live');

export interface HealthSources {
  /** The realtime gateway's Redis link: 'off' without REDIS_URL. Not part of readiness: while Redis is away each process still serves its own watchers. */
  redis(): 'up' | 'down' | 'off';
  /** The measured offset of the database's clock to this host's (see server/shared/database-clock.ts); null without one. */
  clockOffsetMs(): number | null;
  /** The overload door's state (server/bidding/admission.ts). */
  load(): z.infer<typeof Load>;
}

export function healthRoutes(ctx: AppContext, sources: HealthSources): ApiApp {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      'x-access': 'anyone',
      tags,
      summary: 'Readiness: 200 when the database answers within a second, else 503 UNAVAILABLE with Retry-After',
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: Ready } } },
        ...errorResponses(503),
      },
    }),
    async (c) => {
      try {
        await withDeadline(ctx.database.ping(), HEALTH_PING_MS, 'database ping');
      } catch (err) {
        ctx.log.warn({ err }, 'health check: database does not answer');
        ctx.database.health.report(err);
        throw unavailable('database_not_answering');
      }
      const offset = sources.clockOffsetMs();
      return c.json(
        {
          status: 'ok' as const,
          database: ctx.database.kind,
          redis: sources.redis(),
          serverTime: ctx.clock.now().toISOString(),
          clockOffsetMs: offset === null ? null : Math.round(offset * 10) / 10,
        },
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health/live',
      'x-access': 'anyone',
      tags,
      summary: 'Liveness: 200 while this process serves, whatever its database does',
      responses: { 200: { description: 'Alive', content: { 'application/json': { schema: Live } } } },
    }),
    (c) =>
      c.json(
        {
          status: 'ok' as const,
          database: ctx.database.health.up ? ('up' as const) : ('down' as const),
          redis: sources.redis(),
          serverTime: ctx.clock.now().toISOString(),
          load: sources.load(),
        },
        200,
      ),
  );
  return app;
}
