// Body size limits. Every API request is held to the JSON limit (BODY_LIMIT_BYTES, 413
// PAYLOAD_TOO_LARGE) unless its route declares a limit of its own where the route is defined
// (declareBodyLimit: an image upload, a signed record to verify). The API app (app.ts) applies what
// the mounted routers declare, before authentication, by the request's Content-Length alone.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
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
