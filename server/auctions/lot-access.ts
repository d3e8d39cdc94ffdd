// Lot-scoped access for routes under /lots/{id}: the lot's own manager (and, for some routes,
// regulators or admins). Decided before the route validates its body or query, so the manager of another lot
// learns nothing about a route's input rules: the same 404 or 403 the service would answer, first.
// The services keep their own checks (they run in the transaction that acts); this guard only moves
// the refusal ahead of validation. An id that is not a lot id is left to the route's validator, once
// the caller holds a role that could call the route.
import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../context.ts';
import { requireAnyRole, requireSignedIn } from '../identity/authorize.ts';
import type { RouteAccess } from '../identity/auth-middleware.ts';
import type { AppEnv, Person } from '../identity/person.ts';
import type { Role } from '../../db/schema.ts';
import { ok, refuse, unwrap, type Result } from '../shared/errors.ts';
import { isRowId } from '../shared/validation.ts';
import { managesLot, regulatesLot, visibleTo } from './lot-service.ts';
import { getLotRow, type LotRow } from './public-lot.ts';

/**
 * `manager-of-lot`: the lot's manager only; `manager-of-lot|regulator`: also any regulator;
 * `manager-of-lot|admin`: also any admin; `manager-of-lot|regulator|admin`: also both.
 */
export type LotAccess =
  'manager-of-lot' | 'manager-of-lot|regulator' | 'manager-of-lot|admin' | 'manager-of-lot|regulator|admin';

const REFUSAL = {
  'manager-of-lot': 'not_lot_manager',
  'manager-of-lot|regulator': 'not_lot_manager_or_regulator',
  'manager-of-lot|admin': 'not_lot_manager_or_admin',
  'manager-of-lot|regulator|admin': 'not_lot_staff',
} as const satisfies Record<LotAccess, string>;

/** The roles besides the lot's own manager that an access admits. */
const otherRoles = (who: LotAccess): Role[] => who.split('|').slice(1) as Role[];

/** Whether `person` may act on `lot` with this access (undefined: no such lot): the services' own order. */
export function mayActOnLot(
  person: Person,
  lot: Pick<LotRow, 'organisationId' | 'status'> | undefined,
  who: LotAccess,
): Result<Person> {
  // Regulators act within their scope (issue 19): the lot's organisation in their province, or anywhere.
  const staff = otherRoles(who).some((r) =>
    r === 'regulator' ? (lot ? regulatesLot(person, lot) : person.roles.includes(r)) : person.roles.includes(r),
  );
  if (!lot || (!visibleTo(person, lot) && !staff)) return refuse('lot_not_found');
  if (managesLot(person, lot) || staff) return ok(person);
  return refuse(REFUSAL[who]);
}

function lotGuard(ctx: AppContext, who: LotAccess): MiddlewareHandler<AppEnv> {
  const roles: Role[] = ['manager', ...otherRoles(who)];
  const readsForRegulators = roles.includes('regulator');
  return async (c, next) => {
    // The routes for managers (and admins) name the role first, before the lot (their handlers did);
    // reads open to regulators are answered by the lot.
    const person = unwrap(
      readsForRegulators ? requireSignedIn(c.get('person')) : requireAnyRole(c.get('person'), roles),
    );
    const id = Number(c.req.param('id'));
    if (isRowId(id)) unwrap(mayActOnLot(person, await getLotRow(ctx.db, id), who));
    else unwrap(requireAnyRole(person, roles));
    await next();
  };
}

/** Spread into createRoute: lot-scoped access (see `access` in identity/auth-middleware.ts). */
export function lotAccess(ctx: AppContext, who: LotAccess, ...more: MiddlewareHandler<AppEnv>[]): RouteAccess {
  return { middleware: [lotGuard(ctx, who), ...more], 'x-access': who };
}
