// Identity routes under /api: who am I, and role administration for admins.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { access, signedIn } from './auth-middleware.ts';
import type { PersonCache } from './authenticate.ts';
import { ROLES } from '../../db/schema.ts';
import { MeSchema, Pid, Role, RoleHoldersSchema, RolesResultSchema } from './identity-schemas.ts';
import { errorResponses } from '../http/openapi.ts';
import { unwrap } from '../shared/errors.ts';
import { listRoleHolders, setRoles } from './roles.ts';
import { emailOf } from '../notifications/inbox.ts';
import { listOrganisations } from '../organisations/organisation-service.ts';

const SetRolesBody = z
  .object({ roles: z.array(Role).max(ROLES.length) })
  .strict()
  .openapi('SetRoles', { description: "The person's complete role set; roles not listed are revoked." });

export function identityRoutes(ctx: AppContext, deps: { personCache: PersonCache }): ApiApp {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/me',
      ...access('signed-in'),
      tags: ['identity'],
      summary: 'The signed-in person',
      security: [{ eid: [] }],
      responses: {
        200: { description: 'The verified person', content: { 'application/json': { schema: MeSchema } } },
        ...errorResponses(401, 429),
      },
    }),
    async (c) => {
      const p = signedIn(c);
      c.header('cache-control', 'no-store');
      const csrfToken = p.via === 'session' ? c.get('csrfToken') : undefined;
      const email = await emailOf(ctx, p.pid);
      const organisations = p.organisations.length
        ? (await listOrganisations(ctx, p.organisations)).map((o) => ({ id: o.id, name: o.name, province: o.province }))
        : [];
      const regulatorScope = p.roles.includes('regulator') ? { province: p.scope?.province ?? null } : null;
      return c.json(
        {
          pid: p.idNumber,
          name: p.name,
          level: p.level,
          roles: p.roles,
          organisations,
          regulatorScope,
          email,
          representing: p.representing
            ? { identifier: p.representing.identifier, name: p.representing.name, role: p.representing.role }
            : null,
          ...(csrfToken ? { csrfToken } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/roles',
      ...access({ roles: ['admin'] }),
      tags: ['identity'],
      summary: 'Everyone holding a role (admin)',
      security: [{ eid: [] }],
      responses: {
        200: {
          description: 'Role holders',
          content: { 'application/json': { schema: RoleHoldersSchema } },
        },
        ...errorResponses(401, 403, 429),
      },
    }),
    async (c) => {
      return c.json({ items: await listRoleHolders(ctx) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/admin/roles/{pid}',
      ...access({ roles: ['admin'] }),
      tags: ['identity'],
      summary: "Set a person's roles (admin)",
      description:
        'Grants and revokes so that the person holds exactly the listed roles; every change is written to the audit log. An admin cannot revoke their own admin role, nor that of an ADMIN_PIDS admin (409 INVALID_STATE). Granting `manager` to someone who manages no organisation makes them a manager of the default organisation (the one existing data migrated into; issue 19), so that they can create lots at once; other organisations are joined through POST /api/organisations/{id}/managers. The person need not have signed in yet: the grant is recorded against their identification number and holds from their first sign-in, with e-ID level 2 (staff hold no role below it).',
      security: [{ eid: [] }],
      request: {
        params: z.object({ pid: Pid }),
        body: { required: true, content: { 'application/json': { schema: SetRolesBody } } },
      },
      responses: {
        200: { description: 'The roles now held', content: { 'application/json': { schema: RolesResultSchema } } },
        ...errorResponses(401, 403, 404, 409, 422, 429),
      },
    }),
    async (c) => {
      const actor = signedIn(c);
      const { pid } = c.req.valid('param');
      const { roles } = c.req.valid('json');
      return c.json(unwrap(await setRoles(ctx, deps.personCache, actor, pid, roles)), 200);
    },
  );
  return app;
}
