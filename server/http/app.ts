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

export type ApiApp = OpenAPIHono<AppEnv>;

/** Lot image uploads (server/media) carry their own, larger body limit. */
const IMAGE_UPLOAD_PATH = /^\/api\/lots\/\d+\/images$/;
const IMAGE_BODY_LIMIT = 2 * 1024 * 1024;
/** Record verification (server/records) takes whole signed records and exports, far over a JSON body. */
const RECORD_VERIFY_PATH = '/api/records/verify';
const RECORD_VERIFY_LIMIT = 16 * 1024 * 1024;

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

function isDatabaseDown(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: unknown };
  const code = e?.code ?? (e?.cause as { code?: string } | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'CONNECTION_CLOSED' || code === 'CONNECT_TIMEOUT' || code === '57P01' || code === '57P03' || /database .*(closed|not open)|PGlite is closed/i.test(String(e?.message));
}

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A body size limit. A request that declares its length is judged by its Content-Length header
 * alone, before anything is read, and its body is then read straight from the socket by the route.
 * (hono's bodyLimit asks for the Fetch API body stream first, which makes @hono/node-server build a
 * full Request with a web stream for every request, a tenth of a bid's server CPU.) A chunked body
 * is counted as it streams, by hono's bodyLimit.
 */
function limitBody(maxSize: number, onError: () => never): MiddlewareHandler<AppEnv> {
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
}

export function createApiApp(ctx: AppContext, options: ApiOptions): ApiApp {
  const app = createRouter();
  const httpsOrigin = ctx.config.publicOrigin?.startsWith('https://') ?? false;

  app.use('*', requestId({ headerName: 'x-request-id', generator: () => crypto.randomUUID() }));
  app.use('*', async (c, next) => {
    c.set('ctx', ctx);
    const started = performance.now();
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
  for (const mw of options.authenticate) app.use('*', mw);

  app.get('/health', async (c) => {
    try {
      await ctx.database.ping();
    } catch (err) {
      ctx.log.warn({ err }, 'health check: database does not answer');
      throw new AppError('UNAVAILABLE', 'The database does not answer.');
    }
    return c.json({ status: 'ok', database: ctx.database.kind, serverTime: ctx.clock.now().toISOString() });
  });

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
    if (isDatabaseDown(err)) {
      ctx.log.error({ err, requestId: c.get('requestId') }, 'database unavailable');
      c.header('retry-after', '2');
      return c.json(errorBody('UNAVAILABLE', 'The service is temporarily unavailable; try again shortly.'), 503);
    }
    ctx.log.error({ err, requestId: c.get('requestId'), method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('INTERNAL', `An internal error occurred (request ${c.get('requestId')}).`), 500);
  });
  return app;
}
