// HTTP routes of the eligibility screening (issue 19; Law on Property Auction, Art. 38): the exclusion
// list (staff read; regulators, admins and managers add and lift within their reach), and the people an
// asset's owner bars from one lot (its managers and admins change them until registration closes;
// regulators read). Registration itself refuses the people these name (403 NOT_ELIGIBLE).
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, signedIn } from '../identity/auth-middleware.ts';
import type { AppEnv } from '../identity/person.ts';
import { Pid } from '../identity/identity-schemas.ts';
import { lotAccess } from '../auctions/lot-access.ts';
import { unwrap } from '../shared/errors.ts';
import { isRowId, LotIdParam, pathId } from '../shared/validation.ts';
import {
  AddExclusionSchema,
  AddLotExclusionSchema,
  ExclusionQuery,
  ExclusionSchema,
  ExclusionsSchema,
  LiftExclusionSchema,
  LotExclusionSchema,
  LotExclusionsSchema,
} from './eligibility-schemas.ts';
import { addExclusion, liftExclusion, listExclusions, mayLift } from './exclusion-service.ts';
import { addLotExclusion, listLotExclusions, removeLotExclusion } from './lot-exclusion-service.ts';

const tags = ['eligibility'];
const security = [{ eid: [] }];
const STAFF = { roles: ['manager', 'regulator', 'admin'] } as const;
const IdParam = z.object({ id: pathId('id') });
const LotPidParams = LotIdParam.extend({ pid: Pid.openapi({ param: { name: 'pid', in: 'path' } }) });

/** Lifting: the entry is looked up, and the caller's right to lift it decided, before the body is read. */
function liftGuard(ctx: AppContext): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = Number(c.req.param('id'));
    if (isRowId(id)) unwrap(await mayLift(ctx, signedIn(c), id));
    await next();
  };
}

export function eligibilityRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/exclusions',
      ...access(STAFF),
      tags,
      security,
      summary: 'The exclusion list: people who may not bid (staff)',
      description:
        "Newest first. Managers see their organisations' entries and the platform-wide ones; a regulator scoped to a province, that province's organisations' entries and the platform-wide ones; regulators for the whole country and admins, every entry.",
      request: { query: ExclusionQuery },
      responses: { 200: json(ExclusionsSchema, 'The entries'), ...errorResponses(401, 403, 422) },
    }),
    async (c) => c.json(unwrap(await listExclusions(ctx, signedIn(c), c.req.valid('query'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/exclusions',
      ...access(STAFF),
      tags,
      security,
      summary: 'Add a person to the exclusion list (Art. 38)',
      description:
        "Regulators for the whole country and admins add entries for every lot (no `organisationId`, or null) or for any organisation; a regulator scoped to a province, for its organisations; a manager, for their own organisation (the only one by default; 422 `EXCLUSION_ORGANISATION_REQUIRED` when they manage several and named none). 403 `exclusion_platform_wide`, `outside_scope` or `not_organisation_manager` beyond that. `endsAt` must be in the future (422 `NOT_IN_FUTURE`); without it the entry holds until lifted. While in force it refuses the person's registrations (403 NOT_ELIGIBLE `excluded`, naming the source and the end, never the reason). Audited (`exclusion.added`).",
      request: { body: { required: true, content: { 'application/json': { schema: AddExclusionSchema } } } },
      responses: { 201: json(ExclusionSchema, 'Added'), ...errorResponses(400, 401, 403, 404, 422) },
    }),
    async (c) => c.json(unwrap(await addExclusion(ctx, signedIn(c), c.req.valid('json'))), 201),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/exclusions/{id}/lift',
      ...access(STAFF, liftGuard(ctx)),
      tags,
      security,
      summary: 'Lift an exclusion',
      description:
        'By whoever may add such an entry. The entry stays on the list, lifted (who and when); lifting it again is 409 `exclusion_already_lifted`. Optional body `{note}`, kept in the audit log (`exclusion.lifted`).',
      request: {
        params: IdParam,
        body: { required: false, content: { 'application/json': { schema: LiftExclusionSchema } } },
      },
      responses: { 200: json(ExclusionSchema, 'Lifted'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json') as { note?: string } | undefined;
      return c.json(unwrap(await liftExclusion(ctx, signedIn(c), c.req.valid('param').id, body?.note)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/exclusions',
      ...lotAccess(ctx, 'manager-of-lot|regulator|admin'),
      tags,
      security,
      summary: 'The people the asset’s owner bars from this lot',
      description: 'The lot’s managers, regulators whose scope covers it, and admins.',
      request: { params: LotIdParam },
      responses: { 200: json(LotExclusionsSchema, 'The people named'), ...errorResponses(401, 403, 404, 422) },
    }),
    async (c) => c.json(unwrap(await listLotExclusions(ctx, signedIn(c), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/exclusions',
      ...lotAccess(ctx, 'manager-of-lot|admin'),
      tags,
      security,
      summary: 'Name a person the asset’s owner bars from this lot (Art. 38)',
      description:
        'The lot’s managers or an admin, until its registration closes (409 `lot_exclusions_closed` after). The person’s registration is then refused (403 NOT_ELIGIBLE `owner_excluded`). Audited on the lot (`lot_exclusion.added`); the same person twice is 409 `lot_exclusion_exists`.',
      request: {
        params: LotIdParam,
        body: { required: true, content: { 'application/json': { schema: AddLotExclusionSchema } } },
      },
      responses: { 201: json(LotExclusionSchema, 'Named'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) =>
      c.json(unwrap(await addLotExclusion(ctx, signedIn(c), c.req.valid('param').id, c.req.valid('json'))), 201),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/lots/{id}/exclusions/{pid}',
      ...lotAccess(ctx, 'manager-of-lot|admin'),
      tags,
      security,
      summary: 'Remove a person from the people the asset’s owner bars from this lot',
      description:
        'The lot’s managers or an admin, until its registration closes. Audited on the lot (`lot_exclusion.removed`).',
      request: { params: LotPidParams },
      responses: { 200: json(LotExclusionsSchema, 'The people named now'), ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { id, pid } = c.req.valid('param');
      return c.json(unwrap(await removeLotExclusion(ctx, signedIn(c), id, pid)), 200);
    },
  );

  return app;
}
