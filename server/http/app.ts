// The HTTP API: one Hono app under /api with the conventions every domain follows: request ids,
// structured request logs, security headers, a body size limit, optional CORS, Bearer (and session)
// authentication, zod validation with per-field messages, and one onError that writes
// {"error":{"code","message"}} and never leaks a stack trace. The OpenAPI description is generated
// from the same zod schemas the routes validate with.
import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { ZodError } from 'zod';
import type { AppContext } from '../context.ts';
import type { AppEnv } from '../identity/person.ts';
import { AppError, ERROR_STATUS, type ErrorCode, type FieldErrors } from '../shared/errors.ts';
import { DeadlineExceeded, isUnavailable, unavailable, withDeadline } from '../shared/unavailable.ts';
import { SHED_MESSAGES, type ShedReason } from '../bidding/shed-reasons.ts';

export type ApiApp = OpenAPIHono<AppEnv>;

/** Lot image uploads (server/media) carry their own, larger body limit. */
const IMAGE_UPLOAD_PATH = /^\/api\/lots\/\d+\/images$/;
const IMAGE_BODY_LIMIT = 2 * 1024 * 1024;
/**
 * Record verification (server/records) takes whole signed records and exports, far over a JSON body.
 * This is the outer bound; the route applies the smaller anonymous one once it knows who is asking.
 */
const RECORD_VERIFY_PATH = '/api/records/verify';
export const RECORD_VERIFY_LIMIT = 16 * 1024 * 1024;

/** Turns zod issues into one message per offending field. */
export function fieldErrors(error: ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    fields[key] ??= issue.message;
  }
  return fields;
}

/** The validation hook every sub-app uses: 422 VALIDATION_FAILED with field messages. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    const fields = fieldErrors(result.error as ZodError);
    throw new AppError('VALIDATION_FAILED', `Invalid ${Object.keys(fields).join(', ')}.`, { fields });
  }
};

/** A sub-app for one domain, with the shared validation hook. */
export function createRouter(): ApiApp {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

export function errorBody(code: ErrorCode, message: string, fields?: FieldErrors): { error: { code: ErrorCode; message: string; fields?: FieldErrors } } {
  return { error: { code, message, ...(fields ? { fields } : {}) } };
}

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A body size limit. A request that declares its length is judged by its Content-Length header
 * alone, before anything is read, and its body is then read straight from the socket by the route.
 * (hono's bodyLimit asks for the Fetch API body stream first, which makes @hono/node-server build a
 * full Request with a web stream for every request, a tenth of a bid's server CPU.) A chunked body
 * is counted as it streams, by hono's bodyLimit.
 */
export function limitBody(maxSize: number, onError: () => never): MiddlewareHandler<AppEnv> {
  const streamed = bodyLimit({ maxSize, onError });
  return (c, next) => {
    if (BODYLESS.has(c.req.method)) return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
    // Node's HTTP parser has already refused a malformed Content-Length.
    if (Number(length) > maxSize) return onError();
    return next();
  };
}

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
      throw unavailable(bid ? SHED_MESSAGES.unknown_outcome : undefined);
    }
  };
}

const lotIdOf = (path: string): number => Number(path.split('/')[3]);
const isBidRequest = (c: { req: { method: string; path: string } }): boolean => c.req.method === 'POST' && BID_PATH.test(c.req.path);

/** While the database is known to be down, requests that need it get 503 at once instead of waiting. */
function databaseBreaker(ctx: AppContext, onBidShed: ApiOptions['onBidShed']): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!ctx.database.health.up && !WITHOUT_DATABASE.has(c.req.path)) {
      const bid = isBidRequest(c);
      if (bid) onBidShed?.(lotIdOf(c.req.path), 'database_unavailable');
      throw unavailable(bid ? SHED_MESSAGES.database_unavailable : 'The database is unreachable right now; try again in a moment.');
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
    ctx.log[level]({ requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms, pid: c.get('person')?.pid }, 'request');
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
      strictTransportSecurity: httpsOrigin ? 'max-age=31536000; includeSubDomains' : false,
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
      crossOriginResourcePolicy: 'same-origin',
      // Routes that need their own policy (the API reference page) set it themselves.
      overwrite: false,
    }),
  );
  if (ctx.config.corsOrigins.length) {
    app.use('*', cors({ origin: ctx.config.corsOrigins, allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-csrf-token'], exposeHeaders: ['x-request-id'], maxAge: 600 }));
  }
  const tooLarge = (message: string) => (): never => {
    throw new AppError('PAYLOAD_TOO_LARGE', message);
  };
  const imageLimit = limitBody(IMAGE_BODY_LIMIT, tooLarge(`The image is over ${IMAGE_BODY_LIMIT / 1024 / 1024} MB.`));
  const jsonLimit = limitBody(ctx.config.bodyLimitBytes, tooLarge(`The request body is over ${ctx.config.bodyLimitBytes} bytes.`));
  const recordMax = Math.max(RECORD_VERIFY_LIMIT, ctx.config.bodyLimitBytes);
  const recordLimit = limitBody(recordMax, tooLarge(`The document is over ${recordMax / 1024 / 1024} MB: verify it offline with npm run verify-record.`));
  app.use('*', (c, next) => (IMAGE_UPLOAD_PATH.test(c.req.path) ? imageLimit(c, next) : c.req.path === RECORD_VERIFY_PATH ? recordLimit(c, next) : jsonLimit(c, next)));
  app.use('*', boundedRequest(ctx, options.onBidShed));
  app.use('*', databaseBreaker(ctx, options.onBidShed));
  for (const mw of options.authenticate) app.use('*', mw);

  for (const r of options.routers) app.route(r.path, r.app);

  app.notFound((c) => c.json(errorBody('NOT_FOUND', `No such endpoint: ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof AppError) {
      if (err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message, err.fields), err.status as 400);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code: ErrorCode = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 401 ? 'UNAUTHENTICATED' : status === 404 ? 'NOT_FOUND' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'MALFORMED_REQUEST';
      const message = /json/i.test(err.message) ? 'The request body is not valid JSON.' : err.message || 'The request is malformed.';
      return c.json(errorBody(code, message), ERROR_STATUS[code]);
    }
    if (isUnavailable(err)) {
      ctx.log.warn({ err, requestId: c.get('requestId'), method: c.req.method, path: c.req.path }, 'database unavailable');
      ctx.database.health.report(err);
      c.header('retry-after', '1');
      // A bid's own failures are answered by the bid engine; one that ends here failed before it
      // reached the engine (signing in, reading roles), so nothing was written.
      const bid = isBidRequest(c);
      if (bid) options.onBidShed?.(lotIdOf(c.req.path), 'database_unavailable');
      return c.json(errorBody('UNAVAILABLE', bid ? SHED_MESSAGES.database_unavailable : 'The service is temporarily unavailable; try again in a moment.'), 503);
    }
    ctx.log.error({ err, requestId: c.get('requestId'), method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('INTERNAL', `An internal error occurred (request ${c.get('requestId')}).`), 500);
  });
  return app;
}
