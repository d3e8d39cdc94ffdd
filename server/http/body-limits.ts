// Body size limits. Every API request is held to the JSON limit (BODY_LIMIT_BYTES, 413
// PAYLOAD_TOO_LARGE) unless its route declares a limit of its own where the route is defined
// (declareBodyLimit: an image upload, a signed record to verify). The API app (app.ts) applies what
// the mounted routers declare, before authentication, by the request's Content-Length alone.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import type { AppEnv } from '../identity/person.ts';
import type { AppError } from '../shared/errors.ts';

/** A route's own body limit. */
export interface BodyLimit {
  /**
   * The route's path in its router, in Hono's syntax: parameters as `:name`, constrained with a pattern
   * where the route's ids are numbers (`/lots/:id{[0-9]+}/images`). Every method on the path has it.
   */
  path: string;
  /** The largest body in bytes, or how to compute it from the API's JSON limit. */
  maxBytes: number | ((jsonLimit: number) => number);
  /** What a larger body is answered with (a 413), given the limit. */
  tooLarge: (maxBytes: number) => AppError;
}

type Router = OpenAPIHono<AppEnv>;

const declared = new WeakMap<Router, BodyLimit[]>();

/**
 * Declares a body limit for a route of this router. The router must be one the API app mounts (a
 * router mounted inside another router keeps its declarations to itself: declare them on the outer).
 */
export function declareBodyLimit(router: Router, limit: BodyLimit): void {
  declared.set(router, [...(declared.get(router) ?? []), limit]);
}

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A refused body is read to its end and thrown away before the 413 is sent, up to four times the
 * limit (at least 1 MiB, at most 64 MiB) and 10 s: a client still sending when the answer comes, on
 * a connection the server then closes, may lose the answer to a reset (TCP drops what it had
 * received) and see "connection closed" instead of 413. Past either bound the answer goes at once
 * and the connection is closed soon after; a body far over its limit is not worth reading.
 */
const discardMaxBytes = (limit: number): number => Math.min(64 * 1024 * 1024, Math.max(1024 * 1024, 4 * limit));
const DISCARD_MAX_MS = 10_000;

/** Reads the rest of a refused body and throws it away, within the bounds above. */
async function discardRest(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  read: number,
  limit: number,
): Promise<void> {
  const maxBytes = discardMaxBytes(limit);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), DISCARD_MAX_MS);
  });
  try {
    while (read <= maxBytes) {
      const next = await Promise.race([reader.read(), expired]);
      if (next === 'expired' || next.done) return;
      read += next.value.length;
    }
  } catch {
    // The client went away: nobody is left to answer.
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A body size limit. A request that declares its length is judged by its Content-Length header
 * alone, before anything is read, and its body is then read straight from the socket by the route.
 * (Asking for the Fetch API body stream makes @hono/node-server build a full Request with a web
 * stream, a tenth of a bid's server CPU: only a refused body pays that.) A chunked body is counted as
 * it streams. Either way a refused body is read to its end before the 413 (discardRest).
 */
export function limitBody(maxSize: number, onError: () => never): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (BODYLESS.has(c.req.method)) return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) {
      const body = c.req.raw.body;
      if (!body) return next();
      const reader = body.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > maxSize) {
          await discardRest(reader, size, maxSize);
          return onError();
        }
        chunks.push(value);
      }
      c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks, size) });
      return next();
    }
    // Node's HTTP parser has already refused a malformed Content-Length.
    if (Number(length) > maxSize) {
      // Not worth reading when it says it is far over the limit.
      const body = Number(length) <= discardMaxBytes(maxSize) ? c.req.raw.body : null;
      if (body) await discardRest(body.getReader(), 0, maxSize);
      return onError();
    }
    return next();
  };
}

const limitOf = (maxBytes: number, tooLarge: (maxBytes: number) => AppError): MiddlewareHandler<AppEnv> =>
  limitBody(maxBytes, () => {
    throw tooLarge(maxBytes);
  });

/**
 * The API's body limits: each request gets the limit its route declared (the first declared that
 * matches its path), or the JSON limit. `prefix` is where the routers are mounted (`/api`).
 */
export function routeBodyLimits(
  prefix: string,
  routers: { path: string; app: Router }[],
  json: { maxBytes: number; tooLarge: (maxBytes: number) => AppError },
): MiddlewareHandler<AppEnv> {
  const routes = new TrieRouter<MiddlewareHandler<AppEnv>>();
  for (const r of routers) {
    for (const limit of declared.get(r.app) ?? []) {
      const maxBytes = typeof limit.maxBytes === 'number' ? limit.maxBytes : limit.maxBytes(json.maxBytes);
      routes.add('ALL', `${prefix}${r.path === '/' ? '' : r.path}${limit.path}`, limitOf(maxBytes, limit.tooLarge));
    }
  }
  const jsonLimit = limitOf(json.maxBytes, json.tooLarge);
  return (c, next) => {
    if (BODYLESS.has(c.req.method)) return next();
    const [[route]] = routes.match(c.req.method, c.req.path);
    return (route?.[0] ?? jsonLimit)(c, next);
  };
}
