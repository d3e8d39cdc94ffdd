// The HTTP API: one Hono app under /api with the conventions every domain follows: request ids,
// structured request logs, security headers, body size limits (the JSON one, or the one a route declares:
// ./body-limits.ts), optional CORS, Bearer (and session)
// authentication, zod validation with per-field codes, and one onError that writes the error body of
// ./error-body.ts ({"error":{"code","message",…}}) and never leaks a stack trace. The OpenAPI description is generated
// from the same zod schemas the routes validate with.
import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { ZodError } from 'zod';
import type { AppContext } from '../context.ts';
import type { AppEnv } from '../identity/person.ts';
import { AppError, invalid, refuse } from '../shared/errors.ts';
import { fieldErrorsOf } from '../shared/field-errors.ts';
import { DeadlineExceeded, unavailable, withDeadline } from '../shared/unavailable.ts';
import type { ShedReason } from '../bidding/shed-reasons.ts';
import { errorAnswer, errorBody } from './error-body.ts';
import { routeBodyLimits } from './body-limits.ts';

export type ApiApp = OpenAPIHono<AppEnv>;

/** The validation hook every sub-app uses: 422 VALIDATION_FAILED with a code per offending field. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  // The validator hands the hook the input it parsed as `data` (a missing value is REQUIRED).
  if (!result.success)
    throw AppError.from(invalid(fieldErrorsOf(result.error as ZodError, (result as { data?: unknown }).data)));
};

/** A sub-app for one domain, with the shared validation hook. */
export function createRouter(): ApiApp {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

export { errorBody };

export interface ApiOptions {
  /** Domain sub-apps mounted under /api, with the prefix each one takes. */
  routers: { path: string; app: ApiApp }[];
  /** Authentication middleware (identity domain). */
  authenticate: MiddlewareHandler<AppEnv>[];
  /** Counts a bid refused with 503 before it reached the bid engine (see server/bidding/shed-log.ts). */
  onBidShed?: (lotId: number, reason: Extract<ShedReason, 'database_unavailable' | 'unknown_outcome'>) => void;
}

/** The bid route, whose answer is bounded by BID_TIMEOUT_MS rather than REQUEST_TIMEOUT_MS. */
export const BID_PATH = /^\/api\/lots\/\d+\/bids$/;
/** Paths that answer without the database, so they are served while it is down. */
const WITHOUT_DATABASE = new Set(['/api/health', '/api/health/live', '/api/openapi.json', '/api/docs']);
/** How much longer than BID_TIMEOUT_MS the HTTP layer waits for the bid engine's own answer. */
const BID_ANSWER_MARGIN_MS = 250;

/**
 * Every request is answered within its bound: past it the client gets 503 UNAVAILABLE with
 * Retry-After, and the work left running finishes (or fails) on its own, answering no one. The bound
 * covers the time until the answer starts; a streamed export's body may take longer.
 */
function boundedRequest(ctx: AppContext, onBidShed: ApiOptions['onBidShed']): MiddlewareHandler<AppEnv> {
  const { bidTimeoutMs, requestTimeoutMs } = ctx.config.limits;
  return async (c, next) => {
    if (WITHOUT_DATABASE.has(c.req.path)) return next();
    const bid = isBidRequest(c);
    // A bid's own deadline is enforced by the bid engine, which answers first and says whether the
    // bid was placed; this bound catches a wait before the engine (a stalled roles read).
    const bound = bid ? bidTimeoutMs + BID_ANSWER_MARGIN_MS : requestTimeoutMs;
    const elapsed = performance.now() - c.get('startedAt');
    try {
      await withDeadline(next(), Math.max(0, bound - elapsed), `${c.req.method} ${c.req.path}`);
    } catch (err) {
      if (!(err instanceof DeadlineExceeded)) throw err;
      ctx.database.health.report(err);
      if (bid) onBidShed?.(lotIdOf(c.req.path), 'unknown_outcome');
      throw unavailable(bid ? 'unknown_outcome' : 'unavailable');
    }
  };
}

const lotIdOf = (path: string): number => Number(path.split('/')[3]);
const isBidRequest = (c: { req: { method: string; path: string } }): boolean =>
  c.req.method === 'POST' && BID_PATH.test(c.req.path);

/** While the database is known to be down, requests that need it get 503 at once instead of waiting. */
function databaseBreaker(ctx: AppContext, onBidShed: ApiOptions['onBidShed']): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!ctx.database.health.up && !WITHOUT_DATABASE.has(c.req.path)) {
      const bid = isBidRequest(c);
      if (bid) onBidShed?.(lotIdOf(c.req.path), 'database_unavailable');
      throw unavailable(bid ? 'database_unavailable' : 'database_unreachable');
    }
    await next();
  };
}

export function createApiApp(ctx: AppContext, options: ApiOptions): ApiApp {
  const app = createRouter();
  const httpsOrigin = ctx.config.publicOrigin?.startsWith('https://') ?? false;

  app.use('*', requestId({ headerName: 'x-request-id', generator: () => crypto.randomUUID() }));
  app.use('*', async (c, next) => {
    c.set('ctx', ctx);
    const started = performance.now();
    c.set('startedAt', started);
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const level = c.res.status >= 500 ? 'error' : 'debug';
    ctx.log[level](
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms,
        pid: c.get('person')?.pid,
      },
      'request',
    );
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
      strictTransportSecurity: httpsOrigin ? 'max-age=31536000; includeSubDomains' : false,
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
      crossOriginResourcePolicy: 'same-origin',
      // Routes that need their own policy (the API reference page) set it themselves.
      overwrite: false,
    }),
  );
  if (ctx.config.corsOrigins.length) {
    app.use(
      '*',
      cors({
        origin: ctx.config.corsOrigins,
        allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-csrf-token'],
        exposeHeaders: ['x-request-id'],
        maxAge: 600,
      }),
    );
  }
  // Before anything is read or anyone authenticated: the limit each route declared, or the JSON one.
  app.use(
    '*',
    routeBodyLimits('/api', options.routers, {
      maxBytes: ctx.config.bodyLimitBytes,
      tooLarge: (maxBytes) => AppError.of('body_too_large', { maxBytes }),
    }),
  );
  app.use('*', boundedRequest(ctx, options.onBidShed));
  app.use('*', databaseBreaker(ctx, options.onBidShed));
  for (const mw of options.authenticate) app.use('*', mw);

  for (const r of options.routers) app.route(r.path, r.app);

  app.notFound((c) => c.json(errorBody(refuse('endpoint_unknown', { method: c.req.method, path: c.req.path })), 404));
  app.onError((err, c) => {
    // A bid's own failures are answered by the bid engine; one that ends here failed before it
    // reached the engine (signing in, reading roles), so nothing was written.
    const bid = isBidRequest(c);
    const answer = errorAnswer(err, {
      unavailableReason: bid ? 'database_unavailable' : 'unavailable',
      requestId: c.get('requestId'),
    });
    if (answer.kind === 'unavailable' && !(err instanceof AppError)) {
      ctx.log.warn(
        { err, requestId: c.get('requestId'), method: c.req.method, path: c.req.path },
        'database unavailable',
      );
      ctx.database.health.report(err);
      if (bid) options.onBidShed?.(lotIdOf(c.req.path), 'database_unavailable');
    }
    if (answer.kind === 'internal')
      ctx.log.error({ err, requestId: c.get('requestId'), method: c.req.method, path: c.req.path }, 'unhandled error');
    for (const [k, v] of Object.entries(answer.headers ?? {})) c.header(k, v);
    return c.json({ error: answer.error }, answer.status as 400);
  });
  return app;
}
