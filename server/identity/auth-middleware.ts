// Authentication middleware, the HTTP adapter of ./authenticate.ts: a Bearer e-ID token on any /api
// request, else the browser session cookie, puts the person on the context (c.var.person); a refusal
// becomes the HTTP error. Cookie-authenticated state changes need the session's CSRF token in
// x-csrf-token. The request budgets (per person, else per address) are checked once the person is
// known. The route guards (access, over the pure checks of ./authorize.ts) live here too.
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Role } from '../../db/schema.ts';
import { AppError, unwrap } from '../shared/errors.ts';
import type { AppContext } from '../context.ts';
import type { AppEnv, Person } from './person.ts';
import { authenticate, retryAfterOf, type AuthenticatorDeps } from './authenticate.ts';
import { accessLabel, mayCall, requireAnyRole, requireSignedIn, type Access } from './authorize.ts';
import { clientIp, isLoopback, rateLimited, type IdentityLimits } from './rate-limit.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The HTTP adapter of ./authenticate.ts: the Authorization header's Bearer token, else the session
 * cookie (with the CSRF check on state changes); the person goes on the context, a refusal is thrown
 * (401, 403 CSRF_FAILED, or 429 with Retry-After).
 */
export function authenticateRequest(deps: AuthenticatorDeps, cookieName: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    let token: string | null | undefined;
    if (header !== undefined) {
      token = /^Bearer ([^\s]+)$/i.exec(header.trim())?.[1] ?? null;
      if (token === null)
        deps.ctx.log.info({ reason: 'authorization header is not a Bearer token' }, 'e-ID token refused');
    }
    const result = await authenticate(deps, {
      token,
      sessionCookie: token === undefined ? getCookie(c, cookieName) : undefined,
      ip: clientIp(c, deps.ctx.config.trustProxy),
      ...(SAFE_METHODS.has(c.req.method) ? {} : { csrf: { sent: c.req.header('x-csrf-token') } }),
    });
    if (!result.ok) throw AppError.from(result, retryAfterOf(result));
    const { person, sessionIdHash, csrfToken } = result.value;
    if (person) c.set('person', person);
    if (sessionIdHash) c.set('sessionIdHash', sessionIdHash);
    if (csrfToken) c.set('csrfToken', csrfToken);
    await next();
  };
}

/** Paths a load balancer polls; never limited, so a flood from its address cannot mark a healthy process down. */
const UNLIMITED_PATHS = new Set(['/api/health', '/api/health/live']);

/**
 * The request budgets, after authentication: a signed-in person's requests count against that person
 * only; anonymous ones against their address (except loopback). Over budget: 429 with Retry-After.
 */
export function requestLimits(ctx: AppContext, limits: IdentityLimits): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!UNLIMITED_PATHS.has(c.req.path)) {
      const person = c.get('person');
      if (person) {
        const wait = limits.personRequests.take(person.pid);
        if (wait) throw rateLimited(wait, 'requests', 'for this account');
      } else {
        const ip = clientIp(c, ctx.config.trustProxy);
        const wait = isLoopback(ip) ? 0 : limits.addressRequests.take(ip);
        if (wait) throw rateLimited(wait, 'requests', 'from this address');
      }
    }
    await next();
  };
}

/** The signed-in person of a request (routes guarded by `access` have checked already). */
export function signedIn(c: { get(key: 'person'): Person | undefined }): Person {
  return unwrap(requireSignedIn(c.get('person')));
}

/** The signed-in person holding one of `roles`; throws 401 or 403 otherwise. */
export function requireRole(c: { get(key: 'person'): Person | undefined }, ...roles: Role[]): Person {
  return unwrap(requireAnyRole(c.get('person'), roles));
}

/**
 * Route middleware deciding the access before anything about the request is validated: an outsider
 * gets 401 or 403 and learns nothing about a route's input rules.
 */
export function accessGuard(access: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    unwrap(mayCall(c.get('person'), access));
    await next();
  };
}

/** A role check as route middleware (accessGuard for `roles`). */
export function roleGuard(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return accessGuard({ roles });
}

/** The part of createRoute({...}) that declares a route's access: its guard first, then `more`. */
export interface RouteAccess {
  middleware: MiddlewareHandler<AppEnv>[];
  'x-access': string;
}

/**
 * Spread into createRoute: guards the route (before its validators) and documents who may call it
 * as `x-access` in the OpenAPI description. `more`: route middleware that runs after the guard.
 */
export function access(a: Access, ...more: MiddlewareHandler<AppEnv>[]): RouteAccess {
  return { middleware: [accessGuard(a), ...more], 'x-access': accessLabel(a) };
}
