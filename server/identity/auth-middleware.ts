// Authentication middleware: a Bearer e-ID token on any /api request is verified and the person is
// put on the context (c.var.person); without one, a browser session cookie does the same. A present
// but invalid token is a 401, never silently anonymous; once one client has failed too often its
// failing tokens get 429 instead, while tokens that verify are still served (see rate-limit.ts).
// Cookie-authenticated state changes need the session's CSRF token in x-csrf-token. The request
// budgets (per person, else per address) are checked once the person is known. The route guards
// (access, over the pure checks of ./authorize.ts) live here too.
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Role } from '../../db/schema.ts';
import { AppError, unwrap } from '../shared/errors.ts';
import { reasonMessage } from '../shared/reasons.ts';
import { withDeadline } from '../shared/unavailable.ts';
import type { AppContext } from '../context.ts';
import type { AppEnv, Level, Person } from './person.ts';
import type { TokenVerifier } from './token-verifier.ts';
import { accessLabel, mayCall, requireAnyRole, requireSignedIn, type Access } from './authorize.ts';
import { rolesOf, upsertPersonAndLoadRoles } from './people.ts';
import { clientIp, isLoopback, rateLimited, type IdentityLimits } from './rate-limit.ts';
import { sameSecret, type SessionStore } from './sessions.ts';

export const GENERIC_AUTH_MESSAGE = reasonMessage('token_invalid');
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * How often a returning person's row (name, level, last seen) is rewritten by one process. The write
 * is a durable commit, so doing it on every roles refresh cost a bidding storm one fsync per bidder
 * every few seconds (half the commits of the benchmark's bid path).
 */
export const PERSON_WRITE_INTERVAL_MS = 5 * 60_000;

/** Caches roles per person briefly so the bid path does not pay two queries per request. */
export class PersonCache {
  private entries = new Map<string, { person: Omit<Person, 'via'>; at: number }>();
  /** When this process last wrote each person's row, with the name and level it wrote. */
  private written = new Map<string, { at: number; level: number; name: string | null }>();
  /** Reads in flight, so that a person's concurrent requests share one (a bidding storm sends many). */
  readonly loading = new Map<string, Promise<Omit<Person, 'via'>>>();
  private readonly ttlMs: number;
  private readonly max: number;
  constructor(ttlMs = 5_000, max = 50_000) {
    this.ttlMs = ttlMs;
    this.max = max;
  }
  get(pid: string, level: number, name: string | null, now: number): Omit<Person, 'via'> | undefined {
    const e = this.entries.get(pid);
    if (!e || now - e.at > this.ttlMs || e.person.level !== level || e.person.name !== name) return undefined;
    return e.person;
  }
  set(person: Omit<Person, 'via'>, now: number): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(person.pid, { person, at: now });
  }
  invalidate(pid: string): void {
    this.entries.delete(pid);
  }
  /** True when the person's row should be written: new here, name or level changed, or written long ago. */
  needsWrite(pid: string, level: number, name: string | null, now: number): boolean {
    const w = this.written.get(pid);
    return !w || w.level !== level || w.name !== name || now - w.at > PERSON_WRITE_INTERVAL_MS;
  }
  wrote(pid: string, level: number, name: string | null, now: number): void {
    if (this.written.size >= this.max) this.written.clear();
    this.written.set(pid, { at: now, level, name });
  }
}

/**
 * Resolves a verified identity to a Person with their roles (cached briefly). A token also records
 * the person (name and level as the provider says now; see PERSON_WRITE_INTERVAL_MS); a session only
 * reads roles, its person having been recorded at sign-in.
 */
export async function resolvePerson(
  ctx: AppContext,
  cache: PersonCache,
  who: { pid: string; name: string | null; level: Level },
  via: Person['via'],
): Promise<Person> {
  const now = Date.now();
  const cached = cache.get(who.pid, who.level, who.name, now);
  if (cached) return { ...cached, via };
  const key = `${via}\n${who.pid}\n${who.level}\n${who.name ?? ''}`;
  let loading = cache.loading.get(key);
  if (!loading) {
    // Bounded, and dropped once settled or timed out: a read that failed or hung is never shared again.
    loading = withDeadline(
      loadPerson(ctx, cache, who, via, now),
      ctx.config.limits.requestTimeoutMs,
      'roles read',
    ).finally(() => cache.loading.delete(key));
    cache.loading.set(key, loading);
  }
  return { ...(await loading), via };
}

async function loadPerson(
  ctx: AppContext,
  cache: PersonCache,
  who: { pid: string; name: string | null; level: Level },
  via: Person['via'],
  now: number,
): Promise<Omit<Person, 'via'>> {
  let roles: Role[];
  if (via === 'bearer' && cache.needsWrite(who.pid, who.level, who.name, now)) {
    roles = await upsertPersonAndLoadRoles(ctx.db, who, ctx.clock.now());
    cache.wrote(who.pid, who.level, who.name, now);
  } else {
    roles = await rolesOf(ctx.db, who.pid);
  }
  const person = { pid: who.pid, name: who.name, level: who.level, roles };
  cache.set(person, now);
  return person;
}

/**
 * Counts one token failure for a client address and throws: 401, or 429 with Retry-After once the
 * address has failed too often. A token that verifies is never refused by this count.
 */
export function tokenFailed(limits: IdentityLimits, ip: string): never {
  limits.tokenFailures.hit(ip);
  const wait = limits.tokenFailures.retryAfter(ip);
  if (wait) throw rateLimited(wait, 'failed sign-in tokens');
  throw AppError.of('token_invalid');
}

/** Verifies a Bearer token for one client address, counting failures; throws 401 or 429. */
export async function personFromBearer(
  ctx: AppContext,
  verifier: TokenVerifier,
  cache: PersonCache,
  limits: IdentityLimits,
  token: string,
  ip: string,
): Promise<Person> {
  const outcome = await verifier.verify(token);
  if (!outcome.ok) tokenFailed(limits, ip);
  return resolvePerson(ctx, cache, outcome.token, 'bearer');
}

export function bearerAuth(
  ctx: AppContext,
  verifier: TokenVerifier,
  cache: PersonCache,
  limits: IdentityLimits,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const ip = clientIp(c, ctx.config.trustProxy);
      const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
      if (!match) {
        ctx.log.info({ reason: 'authorization header is not a Bearer token' }, 'e-ID token refused');
        tokenFailed(limits, ip);
      }
      c.set('person', await personFromBearer(ctx, verifier, cache, limits, match[1], ip));
    }
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

/** Session cookie authentication (browsers), with the double-submit CSRF check on state changes. */
export function sessionAuth(
  ctx: AppContext,
  store: SessionStore,
  cache: PersonCache,
  cookieName: string,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('person')) return next();
    const value = getCookie(c, cookieName);
    const session = value ? await store.find(value) : undefined;
    if (session) {
      if (!SAFE_METHODS.has(c.req.method)) {
        const sent = c.req.header('x-csrf-token');
        if (!sent || !sameSecret(sent, session.csrfToken)) throw AppError.of('csrf_missing');
      }
      c.set('person', await resolvePerson(ctx, cache, session, 'session'));
      c.set('sessionIdHash', session.idHash);
      c.set('csrfToken', session.csrfToken);
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
