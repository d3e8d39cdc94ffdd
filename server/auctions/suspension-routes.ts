// HTTP routes of a technical suspension and its re-run (issue 18; DESIGN.md §8):
// POST /api/lots/:id/suspend {reason}, POST /api/lots/:id/rerun {startsAt, endsAt} and the signed
// suspension document. Each route decides who may call it before validating anything (the lot's
// manager, regulators and admins as each route says: lot-access.ts; the lot's registrants too for
// the document).
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import type { RouteAccess } from '../identity/auth-middleware.ts';
import { signedIn } from '../identity/auth-middleware.ts';
import { requireSignedIn } from '../identity/authorize.ts';
import type { AppEnv } from '../identity/person.ts';
import { FlattenedJwsSchema } from '../records/jws-schema.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import { unwrap } from '../shared/errors.ts';
import { isRowId, LotIdParam } from '../shared/validation.ts';
import { LotSchema } from './lot-schemas.ts';
import { getLotRow } from './public-lot.ts';
import type { LotQueues } from './scheduler.ts';
import { RerunLotSchema, SuspendLotSchema } from './suspension-schemas.ts';
import { lotAccess } from './lot-access.ts';
import { mayReadSuspension, rerunLot, suspendLot, suspensionDocument, SUSPENSION_ACCESS } from './suspension.ts';

const tags = ['lots'];
const security = [{ eid: [] }];
const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
});

/** The suspension document: the lot's manager, regulators, admins and the lot's registrants. */
function readGuard(ctx: AppContext): RouteAccess {
  const guard: MiddlewareHandler<AppEnv> = async (c, next) => {
    const person = unwrap(requireSignedIn(c.get('person')));
    const id = Number(c.req.param('id'));
    if (isRowId(id)) unwrap(await mayReadSuspension(ctx.db, person, await getLotRow(ctx.db, id)));
    await next();
  };
  return { middleware: [guard], 'x-access': 'manager-of-lot|regulator|admin|registrant' };
}

export function suspensionRoutes(ctx: AppContext, queues: LotQueues, key: SigningKey): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/suspend',
      ...lotAccess(ctx, SUSPENSION_ACCESS.suspend),
      tags,
      security,
      summary: 'Suspend a live lot for a technical fault',
      description:
        'The lot’s manager, a regulator or an admin stops bidding on a lot whose bidding is under way, with a stated reason: the lot becomes `suspended` at once (every bid after it is refused with 409 `LOT_NOT_LIVE`, reason `lot_suspended`; every bid acknowledged before it is in the ledger), watchers get a `lot` event with reason `suspended`, the suspension is written to the audit chain as `lot.suspended`, and a signed suspension document names the ledger as it stood (GET /api/lots/:id/documents/suspension). The scheduler neither closes nor moves on a suspended lot; its manager schedules the re-run (POST /api/lots/:id/rerun). 409 `lot_not_suspendable` for a lot whose bidding is not under way, `bidding_ended` past its end.',
      request: { params: LotIdParam, ...body(SuspendLotSchema) },
      responses: {
        200: json(LotSchema, 'The suspended lot'),
        ...errorResponses(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const { id } = c.req.valid('param');
      return c.json(unwrap(await suspendLot(ctx, queues, key, person, id, c.req.valid('json').reason)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/rerun',
      ...lotAccess(ctx, SUSPENSION_ACCESS.rerun),
      tags,
      security,
      summary: 'Schedule the re-run of a suspended lot',
      description:
        'The lot’s manager (or an admin) schedules the re-run of a suspended lot for the same approved registrants: a new lot with the same terms (title, description, category, province, method and its parameters, prices, deposit, rules) and the given bidding window, published (`scheduled`) with `rerunOf` naming the suspended lot. Its registration is the suspended lot’s, already closed: nobody new registers. Every approved registration is copied to it for the same person, with the same bidder code, approved, and its deposit carried over (its payment, with the same transfer reference, moves to the copy: received, no new transfer). The suspended lot becomes `cancelled`, its `cancelReason` naming the suspension and the re-run, `rerunAs` the new lot; the deposits it carried over are not refunded (others are settled as a cancellation settles them). 409 `lot_not_suspended`, `lot_already_rerun`; 422 for a window not in the future, ending before it starts or too short.',
      request: { params: LotIdParam, ...body(RerunLotSchema) },
      responses: {
        201: json(LotSchema, 'The re-run (a new lot)'),
        ...errorResponses(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const { id } = c.req.valid('param');
      return c.json(unwrap(await rerunLot(ctx, person, id, c.req.valid('json'))), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/documents/suspension',
      ...readGuard(ctx),
      tags,
      security,
      summary: 'The signed suspension document of a lot',
      description:
        'A flattened JWS with `cty` `suspension+json`, signed with the record-signing key (GET /api/.well-known/jwks.json): `{type: "suspension", version, issuedAt, issuer, lot: {id, title}, ledger: {seq, lastHash, bidCount}, suspendedAt, reason, by: {role, personHash}, audit: {id, hash}}`: the ledger as it stood when bidding stopped, who suspended it (role and keyed hash, no personal id) and the audit entry that recorded it. For the lot’s manager, regulators, admins and anyone registered for the lot. 404 `suspension_not_found` for a lot never suspended.',
      request: { params: LotIdParam },
      responses: {
        200: {
          description: 'The signed suspension document',
          content: { 'application/json': { schema: FlattenedJwsSchema } },
        },
        ...errorResponses(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const { id } = c.req.valid('param');
      const jws = unwrap(await suspensionDocument(ctx, person, id));
      c.header('cache-control', 'no-store');
      return c.json(jws, 200);
    },
  );

  return app;
}
