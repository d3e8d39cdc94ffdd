// HTTP routes for lots: the public catalogue and lot pages' data, and the managers' lifecycle
// actions. Handlers only validate (zod), authorise, call the service and unwrap its result.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, requireRole } from '../identity/auth-middleware.ts';
import { lotAccess } from './lot-access.ts';
import { unwrap } from '../shared/errors.ts';
import {
  CancelLotSchema,
  CreateLotSchema,
  ListLotsQuery,
  LotListSchema,
  LotSchema,
  ResultSchema,
  UpdateLotSchema,
} from './lot-schemas.ts';
import { cancelLot, createLot, publishLot, updateLot } from './lot-service.ts';
import { getLot, getResult, listLots } from './lot-reads.ts';
import { LotIdParam } from '../shared/validation.ts';

const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
});
const tags = ['lots'];
const security = [{ eid: [] }];

export function lotRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots',
      ...access({ roles: ['manager'] }),
      tags,
      security,
      summary: 'Create a lot (draft)',
      request: body(CreateLotSchema),
      responses: { 201: json(LotSchema, 'The new draft lot'), ...errorResponses(400, 401, 403, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      return c.json(unwrap(await createLot(ctx, person, c.req.valid('json'))), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots',
      ...access('anyone'),
      tags,
      summary: 'The catalogue',
      request: { query: ListLotsQuery },
      responses: { 200: json(LotListSchema, 'Lots, open ones first'), ...errorResponses(400, 422) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(unwrap(await listLots(ctx, c.get('person'), { ...q, mine: q.mine === 'true' })), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}',
      ...access('anyone'),
      tags,
      summary: 'One lot',
      description:
        "Read with a signed-in registrant's credentials within the bidding window (as the lot page does), this counts as attending the auction (GET /api/lots/{id}/attendance).",
      request: { params: LotIdParam },
      responses: { 200: json(LotSchema, 'The lot'), ...errorResponses(404, 422) },
    }),
    async (c) => c.json(unwrap(await getLot(ctx, c.get('person'), c.req.valid('param').id, { view: true })), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/lots/{id}',
      ...lotAccess(ctx, 'manager-of-lot'),
      tags,
      security,
      summary: 'Edit a lot until its registration opens',
      request: { params: LotIdParam, ...body(UpdateLotSchema) },
      responses: { 200: json(LotSchema, 'The edited lot'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      return c.json(unwrap(await updateLot(ctx, person, c.req.valid('param').id, c.req.valid('json'))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/publish',
      ...lotAccess(ctx, 'manager-of-lot'),
      tags,
      security,
      summary: 'Publish a draft: it becomes scheduled',
      request: { params: LotIdParam },
      responses: { 200: json(LotSchema, 'The scheduled lot'), ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      return c.json(unwrap(await publishLot(ctx, person, c.req.valid('param').id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/cancel',
      ...lotAccess(ctx, 'manager-of-lot'),
      tags,
      security,
      summary: 'Cancel a lot with a stated reason',
      request: { params: LotIdParam, ...body(CancelLotSchema) },
      responses: { 200: json(LotSchema, 'The cancelled lot'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      return c.json(unwrap(await cancelLot(ctx, person, c.req.valid('param').id, c.req.valid('json').reason)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/result',
      ...access('anyone'),
      tags,
      summary: 'The outcome of a lot',
      request: { params: LotIdParam },
      responses: { 200: json(ResultSchema, 'The result (nulls until the lot closes)'), ...errorResponses(404, 422) },
    }),
    async (c) => c.json(unwrap(await getResult(ctx, c.get('person'), c.req.valid('param').id)), 200),
  );

  return app;
}
