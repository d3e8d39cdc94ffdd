// Authentication middleware: a Bearer e-ID token on any /api request is verified and the person is
// put on the context (c.var.person). A present but invalid token is a 401, never silently anonymous.
// Guards for signed-in, level 2 and roles live here too.
import type { MiddlewareHandler } from 'hono';
import type { Role } from '../../db/schema.ts';
import { AppError } from '../shared/errors.ts';
import type { AppContext } from '../context.ts';
import type { AppEnv, Person } from './person.ts';
import type { TokenVerifier } from './token-verifier.ts';
import { upsertPersonAndLoadRoles } from './people.ts';

export const GENERIC_AUTH_MESSAGE = 'The e-ID token is missing, invalid or expired.';

/** Caches roles per person briefly so the bid path does not pay two queries per request. */
export class PersonCache {
  private entries = new Map<string, { person: Omit<Person, 'via'>; at: number }>();
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
}

/** Resolves a verified token to a Person: records them and loads their roles (cached briefly). */
export async function resolvePerson(ctx: AppContext, cache: PersonCache, token: { pid: string; name: string | null; level: 1 | 2 }, via: Person['via']): Promise<Person> {
  const now = Date.now();
  const cached = cache.get(token.pid, token.level, token.name, now);
  if (cached) return { ...cached, via };
  const roles = await upsertPersonAndLoadRoles(ctx.db, token, ctx.clock.now());
  const person = { pid: token.pid, name: token.name, level: token.level, roles };
  cache.set(person, now);
  return { ...person, via };
}

export function bearerAuth(ctx: AppContext, verifier: TokenVerifier, cache: PersonCache): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
      if (!match) throw new AppError('UNAUTHENTICATED', GENERIC_AUTH_MESSAGE);
      const outcome = await verifier.verify(match[1]);
      if (!outcome.ok) throw new AppError('UNAUTHENTICATED', GENERIC_AUTH_MESSAGE);
      c.set('person', await resolvePerson(ctx, cache, outcome.token, 'bearer'));
    }
    await next();
  };
}

export function signedIn(c: { get(key: 'person'): Person | undefined }): Person {
  const person = c.get('person');
  if (!person) throw new AppError('UNAUTHENTICATED', 'Sign in with your e-ID first.');
  return person;
}

export function requireLevel2(c: { get(key: 'person'): Person | undefined }): Person {
  const person = signedIn(c);
  if (person.level < 2) throw new AppError('LEVEL_TOO_LOW', 'This needs an e-ID verified at level 2 (chip ID card and face).');
  return person;
}

export function requireRole(c: { get(key: 'person'): Person | undefined }, ...roles: Role[]): Person {
  const person = signedIn(c);
  if (!roles.some((r) => person.roles.includes(r))) throw new AppError('FORBIDDEN', `This needs the ${roles.join(' or ')} role.`);
  return person;
}
