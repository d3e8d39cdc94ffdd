// Authentication, the pure core: a request's or a socket's credentials in, a result out (refusals
// are results, never throws). The HTTP middleware (./auth-middleware.ts) and the socket handshake
// (Identity.authenticateSocket, used by server/realtime/auth.ts) are thin adapters over it, as lucia
// separates its core from its adapters: both get the same person, and the same refusal for the same
// credentials. A presented e-ID token wins over a session cookie; a presented but invalid token is
// refused (never silently anonymous), and once one client address has failed too often its failing
// tokens are refused with RATE_LIMITED while tokens that verify are still accepted (rate-limit.ts).
import { personKey } from '../privacy/personal-data.ts';
import type { AppContext } from '../context.ts';
import { ok, refuse, type Failure, type Result } from '../shared/errors.ts';
import { reasonMessage } from '../shared/reasons.ts';
import { withDeadline } from '../shared/unavailable.ts';
import type { Access, Level, Person } from './person.ts';
import { accessOf, upsertPersonAndLoadAccess } from './people.ts';
import type { OrganisationClaim } from './organisation-claim.ts';
import type { IdentityLimits } from './rate-limit.ts';
import { sameSecret, type SessionStore } from './sessions.ts';
import type { TokenVerifier } from './token-verifier.ts';

export const GENERIC_AUTH_MESSAGE = reasonMessage('token_invalid');

/** What a client presented. */
export interface Credentials {
  /**
   * An e-ID token: the compact JWS; `null` when something was presented that cannot be one (an
   * Authorization header that is not `Bearer <token>`, a socket token that is not a string); absent
   * when none was.
   */
  token?: string | null;
  /** The session cookie's value, when there is one (and it may count: see realtime/auth.ts). */
  sessionCookie?: string;
  /** The client's address (failing tokens are counted per address). */
  ip: string;
  /**
   * A state change authenticated by cookie must carry the session's CSRF token (double submit): the
   * x-csrf-token the request sent. Absent: no such check (safe methods, sockets).
   */
  csrf?: { sent: string | undefined };
  /** Read the session through its short cache (a socket's bid checking its credentials again). */
  recheck?: boolean;
}

/** Who the credentials stand for: nobody (anonymous), or a person with how long the sign-in lasts. */
export interface Authenticated {
  person?: Person;
  /** The browser session behind the credentials. */
  sessionIdHash?: string;
  /** That session's CSRF token, for GET /api/me to hand to the page. */
  csrfToken?: string;
  /** When the e-ID token expires (ms since the epoch). */
  expiresAtMs?: number;
}

export interface AuthenticatorDeps {
  ctx: AppContext;
  verifier: TokenVerifier;
  cache: PersonCache;
  limits: IdentityLimits;
  sessions: SessionStore;
}

/** Counts one token failure for a client address: 401, or 429 with the wait once it has failed too often. */
export function tokenFailed(limits: IdentityLimits, ip: string): Failure {
  limits.tokenFailures.hit(ip);
  const wait = limits.tokenFailures.retryAfter(ip);
  if (wait)
    return refuse('rate_limited', {
      retryAfterSeconds: wait,
      what: 'failed sign-in tokens',
      from: 'from this address',
    });
  return refuse('token_invalid');
}

/** The Retry-After header a failure asks for (a rate limit names its wait), if any. */
export function retryAfterOf(f: Failure): Record<string, string> | undefined {
  const wait = f.params?.retryAfterSeconds;
  return f.code === 'RATE_LIMITED' && typeof wait === 'number' ? { 'retry-after': String(wait) } : undefined;
}

/** Authenticates credentials: the token if one was presented, else the session cookie, else nobody. */
export async function authenticate(deps: AuthenticatorDeps, creds: Credentials): Promise<Result<Authenticated>> {
  const { ctx, verifier, cache, limits, sessions } = deps;
  if (creds.token !== undefined) {
    if (creds.token === null) return tokenFailed(limits, creds.ip);
    const outcome = await verifier.verify(creds.token);
    if (!outcome.ok) return tokenFailed(limits, creds.ip);
    const { pid: idNumber, name, level } = outcome.token;
    const person = await resolvePerson(ctx, cache, { pid: personKey(idNumber), idNumber, name, level }, 'bearer');
    const { authTime, organisation } = outcome.token;
    return ok({
      person: withCredential(person, {
        authTime: authTime === undefined ? undefined : new Date(authTime * 1000),
        organisation,
      }),
      expiresAtMs: outcome.token.expiresAt * 1000,
    });
  }
  if (!creds.sessionCookie) return ok({});
  const session = await (creds.recheck ? sessions.findCached(creds.sessionCookie) : sessions.find(creds.sessionCookie));
  if (!session) return ok({});
  if (creds.csrf && (!creds.csrf.sent || !sameSecret(creds.csrf.sent, session.csrfToken)))
    return refuse('csrf_missing');
  const person = await resolvePerson(ctx, cache, session, 'session');
  return ok({
    person: withCredential(person, { authTime: session.authTime ?? undefined, organisation: session.organisation }),
    sessionIdHash: session.idHash,
    csrfToken: session.csrfToken,
  });
}

/**
 * What the credential itself says, attached to the (cached) person: when they authenticated, and the
 * organisation they act for (level 2 only: a level-1 token's organisation claims count for nothing).
 */
function withCredential(person: Person, says: { authTime?: Date; organisation?: OrganisationClaim }): Person {
  const representing = person.level === 2 ? says.organisation : undefined;
  if (!says.authTime && !representing) return person;
  return {
    ...person,
    ...(says.authTime ? { authTime: says.authTime } : {}),
    ...(representing ? { representing } : {}),
  };
}

/**
 * How often a returning person's row (name, level, last seen) is rewritten by one process. The write
 * is a durable commit, so doing it on every roles refresh cost a bidding storm one fsync per bidder
 * every few seconds (half the commits of the benchmark's bid path).
 */
export const PERSON_WRITE_INTERVAL_MS = 5 * 60_000;

/** How long a process keeps a person's roles (a change made on another process is relayed sooner: realtime). */
export const PERSON_CACHE_MS = 5_000;

/** Caches roles per person briefly so the bid path does not pay two queries per request. */
export class PersonCache {
  private entries = new Map<string, { person: Omit<Person, 'via'>; at: number }>();
  /** When this process last wrote each person's row, with the name and level it wrote. */
  private written = new Map<string, { at: number; level: number; name: string | null }>();
  /** Reads in flight, so that a person's concurrent requests share one (a bidding storm sends many). */
  readonly loading = new Map<string, Promise<Omit<Person, 'via'>>>();
  private readonly ttlMs: number;
  private readonly max: number;
  constructor(ttlMs = PERSON_CACHE_MS, max = 50_000) {
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
  /** Drops every cached person (a change that touches many: an organisation moved province). */
  clear(): void {
    this.entries.clear();
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
  who: { pid: string; idNumber: string; name: string | null; level: Level },
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
  who: { pid: string; idNumber: string; name: string | null; level: Level },
  via: Person['via'],
  now: number,
): Promise<Omit<Person, 'via'>> {
  let access: Access;
  if (via === 'bearer' && cache.needsWrite(who.pid, who.level, who.name, now)) {
    access = await upsertPersonAndLoadAccess(ctx.db, who, ctx.clock.now());
    cache.wrote(who.pid, who.level, who.name, now);
  } else {
    access = await accessOf(ctx.db, who.pid, who.level);
  }
  const person = { pid: who.pid, idNumber: who.idNumber, name: who.name, level: who.level, ...access };
  cache.set(person, now);
  return person;
}
