// HTTP routes of relatedness flags (issue 19): a lot's registrations that look related, for its manager
// (bidder codes only) and regulators (with the organisations and people), and the manager's decision.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { sameSiteOnly } from '../http/same-site.ts';
import { requireRole, signedIn } from '../identity/auth-middleware.ts';
import { lotAccess } from '../auctions/lot-access.ts';
import { unwrap } from '../shared/errors.ts';
import { LotIdParam } from '../shared/validation.ts';
import { FlagDecisionSchema, RegistrationFlagSchema, RegistrationFlagsSchema } from './relatedness-schemas.ts';
import { decideRegistrationFlag, listRegistrationFlags } from './relatedness.ts';

const tags = ['eligibility'];
const security = [{ eid: [] }];
const FlagParams = LotIdParam.extend({
  key: z
    .string()
    .min(1)
    .max(2000)
    .openapi({ param: { name: 'key', in: 'path' }, example: 'same_organisation:B-7K3Q,B-9XYZ' }),
});

export function relatednessRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/registration-flags',
      ...lotAccess(ctx, 'manager-of-lot|regulator', sameSiteOnly()),
      tags,
      security,
      summary: "A lot's relatedness flags: registrations that look related, for its manager to decide on",
      description:
        'Computed from the lot\'s registrations (rejected ones left out) and who is known to act for which organisation (e-ID claims seen, authorisation documents approved): `same_organisation` (one organisation through two or more people), `one_person_two_organisations`, `representative_personal` (one person for an organisation and for themselves). Flags are never refusals: the lot\'s manager clears one or rejects one of its registrations. The manager\'s flags name bidder codes only (`identities: "hidden"`); regulators whose scope covers the lot also get `organisations` and `pids`, and their read is audited (`registrations.viewed`, purpose "registration flags viewed"). A decided flag stays listed with its decision. Cross-site browser requests are refused (403).',
      request: { params: LotIdParam },
      responses: { 200: json(RegistrationFlagsSchema, 'The flags'), ...errorResponses(401, 403, 404, 422) },
    }),
    async (c) => c.json(unwrap(await listRegistrationFlags(ctx, signedIn(c), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/registration-flags/{key}/decision',
      ...lotAccess(ctx, 'manager-of-lot'),
      tags,
      security,
      summary: "The lot's manager decides a relatedness flag: cleared, or one of its registrations rejected",
      description:
        "`cleared`: the registrations stay. `rejected`: `registrationId` (one of the flag's; 422 otherwise) is rejected as by POST …/registrations/{rid}/reject (before bidding starts; 409 `registration_not_rejectable`). `reason` (10–500 characters) is required. 404 `flag_not_found` for a key the lot has no flag for; 409 `flag_already_decided`. Audited (`registration.flag_decided`).",
      request: {
        params: FlagParams,
        body: { required: true, content: { 'application/json': { schema: FlagDecisionSchema } } },
      },
      responses: { 200: json(RegistrationFlagSchema, 'Decided'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const { id, key } = c.req.valid('param');
      return c.json(unwrap(await decideRegistrationFlag(ctx, person, id, key, c.req.valid('json'))), 200);
    },
  );
  return app;
}
