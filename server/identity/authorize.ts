// Who may call what, as pure checks returning results: signed in, the e-ID level, a role. HTTP routes
// (through the route guard in ./auth-middleware.ts, before anything about the request is validated),
// the socket gateway and the services ask the same functions, so a refusal is the same everywhere.
// Each route declares its access once (`access(...)`), which both guards it and documents it in the
// OpenAPI description as `x-access` (the authorization tests read it from there).
import type { Role } from '../../db/schema.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import type { Level, Person } from './person.ts';

/** The person, when there is one; UNAUTHENTICATED otherwise. */
export function requireSignedIn(person: Person | undefined): Result<Person> {
  return person ? ok(person) : refuse('sign_in_required');
}

/** The person, when signed in with an e-ID of at least `level`; UNAUTHENTICATED or LEVEL_TOO_LOW otherwise. */
export function requireLevel(person: Person | undefined, level: Level): Result<Person> {
  if (!person) return refuse('sign_in_required');
  if (person.level < level) return refuse('level2_required');
  return ok(person);
}

/** The person, when signed in and holding one of `roles`; UNAUTHENTICATED or FORBIDDEN otherwise. */
export function requireAnyRole(person: Person | undefined, roles: readonly Role[]): Result<Person> {
  if (!person) return refuse('sign_in_required');
  if (!roles.some((r) => person.roles.includes(r))) return refuse('role_required', { roles: [...roles] });
  return ok(person);
}

/**
 * A route's access, decided before its input is validated: `anyone`, `signed-in`, `level-2`, or one of
 * some roles. Lot-scoped access (the lot's own manager) is added by the auctions domain
 * (server/auctions/lot-access.ts), which can read the lot.
 */
export type Access = 'anyone' | 'signed-in' | 'level-2' | { roles: readonly Role[] };

/** The label of an access in the OpenAPI description (`x-access`): `anyone`, `signed-in`, `level-2`, `manager|regulator`. */
export function accessLabel(access: Access): string {
  return typeof access === 'string' ? access : access.roles.join('|');
}

/** Whether `person` may call a route with this access. */
export function mayCall(person: Person | undefined, access: Access): Result<Person | undefined> {
  if (access === 'anyone') return ok(person);
  if (access === 'signed-in') return requireSignedIn(person);
  if (access === 'level-2') return requireLevel(person, 2);
  return requireAnyRole(person, access.roles);
}
