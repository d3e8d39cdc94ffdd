// Lot-scoped access for routes under /lots/{id}: the lot's own manager (and, for some reads,
// regulators). Decided before the route validates its body or query, so the manager of another lot
// learns nothing about a route's input rules: the same 404 or 403 the service would answer, first.
// The services keep their own checks (they run in the transaction that acts); this guard only moves
// the refusal ahead of validation. An id that is not a lot id is left to the route's validator, once
// the caller holds a role that could call the route.
import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../context.ts';
import { requireAnyRole, requireSignedIn } from '../identity/authorize.ts';
import type { RouteAccess } from '../identity/auth-middleware.ts';
import type { AppEnv, Person } from '../identity/person.ts';
import { ok, refuse, unwrap, type Result } from '../shared/errors.ts';
import { isRowId } from '../shared/validation.ts';
import { managesLot, visibleTo } from './lot-service.ts';
import { getLotRow, type LotRow } from './public-lot.ts';

/** `manager-of-lot`: the lot's manager only; `manager-of-lot|regulator`: also any regulator. */
export type LotAccess = 'manager-of-lot' | 'manager-of-lot|regulator';

/** Whether `person` may act on `lot` with this access (undefined: no such lot): the services' own order. */
export function mayActOnLot(
  person: Person,
  lot: Pick<LotRow, 'managerPid' | 'status'> | undefined,
  who: LotAccess,
): Result<Person> {
  const regulator = who === 'manager-of-lot|regulator' && person.roles.includes('regulator');
  if (!lot || (!visibleTo(person, lot) && !regulator)) return refuse('lot_not_found');
  if (managesLot(person, lot) || regulator) return ok(person);
  return refuse(who === 'manager-of-lot' ? 'not_lot_manager' : 'not_lot_manager_or_regulator');
}

function lotGuard(ctx: AppContext, who: LotAccess): MiddlewareHandler<AppEnv> {
  const roles = who === 'manager-of-lot' ? (['manager'] as const) : (['manager', 'regulator'] as const);
  return async (c, next) => {
    // The manager-only routes named the role first, before the lot (their handlers did); reads open to
    // regulators answered by the lot.
    const person = unwrap(
      who === 'manager-of-lot' ? requireAnyRole(c.get('person'), roles) : requireSignedIn(c.get('person')),
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
