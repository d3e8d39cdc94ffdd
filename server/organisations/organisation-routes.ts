// HTTP routes of the organisations (issue 19; DESIGN.md §8): the list and each organisation (public:
// licensed auction organisations are a public register), their creation and edits (admins), their
// managers (admins add and remove; the organisation's own managers read), and regulators' scopes.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, signedIn } from '../identity/auth-middleware.ts';
import type { PersonCache } from '../identity/authenticate.ts';
import { Pid } from '../identity/identity-schemas.ts';
import { unwrap } from '../shared/errors.ts';
import {
  AddManagerSchema,
  CreateOrganisationSchema,
  OrganisationManagersSchema,
  OrganisationSchema,
  OrganisationsSchema,
  RegulatorScopeResultSchema,
  RegulatorScopeSchema,
  UpdateOrganisationSchema,
} from './organisation-schemas.ts';
import {
  addManager,
  createOrganisation,
  getOrganisation,
  listManagers,
  listOrganisations,
  removeManager,
  setRegulatorScope,
  updateOrganisation,
} from './organisation-service.ts';

const tags = ['organisations'];
const security = [{ eid: [] }];
const IdParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const ManagerParams = IdParam.extend({ pid: Pid });

export function organisationRoutes(ctx: AppContext, deps: { personCache: PersonCache }): ApiApp {
  const app = createRouter();
  const cache = deps.personCache;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/organisations',
      ...access('anyone'),
      tags,
      summary: 'The auction organisations on the platform',
      responses: { 200: json(OrganisationsSchema, 'Every organisation, oldest first') },
    }),
    async (c) => c.json({ items: await listOrganisations(ctx) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/organisations',
      ...access({ roles: ['admin'] }),
      tags,
      security,
      summary: 'Create an auction organisation (admin)',
      description: '409 INVALID_STATE `organisation_exists` when its tax code or licence number is taken.',
      request: { body: { required: true, content: { 'application/json': { schema: CreateOrganisationSchema } } } },
      responses: { 201: json(OrganisationSchema, 'Created'), ...errorResponses(400, 401, 403, 409, 422) },
    }),
    async (c) => c.json(unwrap(await createOrganisation(ctx, signedIn(c), c.req.valid('json'))), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/organisations/{id}',
      ...access('anyone'),
      tags,
      summary: 'An auction organisation',
      request: { params: IdParam },
      responses: { 200: json(OrganisationSchema, 'The organisation'), ...errorResponses(404, 422) },
    }),
    async (c) => c.json(unwrap(await getOrganisation(ctx, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/organisations/{id}',
      ...access({ roles: ['admin'] }),
      tags,
      security,
      summary: 'Edit an auction organisation (admin)',
      request: {
        params: IdParam,
        body: { required: true, content: { 'application/json': { schema: UpdateOrganisationSchema } } },
      },
      responses: { 200: json(OrganisationSchema, 'Edited'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) =>
      c.json(
        unwrap(await updateOrganisation(ctx, cache, signedIn(c), c.req.valid('param').id, c.req.valid('json'))),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/organisations/{id}/managers',
      ...access({ roles: ['manager', 'admin'] }),
      tags,
      security,
      summary: "An organisation's managers (admins, and its own managers)",
      request: { params: IdParam },
      responses: { 200: json(OrganisationManagersSchema, 'Its managers'), ...errorResponses(401, 403, 404, 422) },
    }),
    async (c) => c.json(unwrap(await listManagers(ctx, signedIn(c), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/organisations/{id}/managers',
      ...access({ roles: ['admin'] }),
      tags,
      security,
      summary: 'Add a manager to an organisation (admin)',
      description:
        "Grants the `manager` role if the person lacks it. The person need not have signed in yet: the membership is recorded against their identification number and holds from their first sign-in (with e-ID level 2, as every staff member's).",
      request: {
        params: IdParam,
        body: { required: true, content: { 'application/json': { schema: AddManagerSchema } } },
      },
      responses: {
        200: json(OrganisationManagersSchema, 'Its managers now'),
        ...errorResponses(400, 401, 403, 404, 422),
      },
    }),
    async (c) =>
      c.json(unwrap(await addManager(ctx, cache, signedIn(c), c.req.valid('param').id, c.req.valid('json').pid)), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/organisations/{id}/managers/{pid}',
      ...access({ roles: ['admin'] }),
      tags,
      security,
      summary: 'Remove a manager from an organisation (admin)',
      request: { params: ManagerParams },
      responses: { 200: json(OrganisationManagersSchema, 'Its managers now'), ...errorResponses(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id, pid } = c.req.valid('param');
      return c.json(unwrap(await removeManager(ctx, cache, signedIn(c), id, pid)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/admin/regulators/{pid}/scope',
      ...access({ roles: ['admin'] }),
      tags,
      security,
      summary: "Set a regulator's scope (admin)",
      description:
        "A province's organisations, or the whole country (`province: null`, the default). Applies while the person holds the regulator role; may be set before their first sign-in.",
      request: {
        params: z.object({ pid: Pid }),
        body: { required: true, content: { 'application/json': { schema: RegulatorScopeSchema } } },
      },
      responses: { 200: json(RegulatorScopeResultSchema, 'The scope now'), ...errorResponses(400, 401, 403, 422) },
    }),
    async (c) =>
      c.json(
        unwrap(await setRegulatorScope(ctx, cache, signedIn(c), c.req.valid('param').pid, c.req.valid('json'))),
        200,
      ),
  );

  return app;
}
