// HTTP routes of the award after the hammer (issue 18; DESIGN.md §8): the winner's signature and
// refusal, the next bidder's answer to Art. 51's offer, the manager's countersignature, and the signed
// documents. Handlers validate, authorise and unwrap the service's result.
import { createRoute } from '@hono/zod-openapi';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, signedIn } from '../identity/auth-middleware.ts';
import { lotAccess } from '../auctions/lot-access.ts';
import { FlattenedJwsSchema } from '../records/jws-schema.ts';
import { unwrap } from '../shared/errors.ts';
import { LotIdParam } from '../shared/validation.ts';
import { AwardOutcomeSchema, RecordExtractSchema, RefusalBodySchema } from './award-schemas.ts';
import { recordExtract } from './record-extract.ts';
import {
  acceptOffer,
  awardDocument,
  confirmAward,
  countersign,
  refuseAward,
  refuseOffer,
  type AwardDeps,
} from './award-service.ts';

const tags = ['award'];
const security = [{ eid: [] }];
const FRESH =
  'Needs a fresh e-ID sign-in: an e-ID token whose `auth_time` is at most FRESH_SIGNIN_MAX_AGE_SECONDS old, or a browser session begun through `/auth/signin?fresh=1` (prompt=login); otherwise 403 `FRESH_SIGNIN_REQUIRED`.';

export function awardRoutes(deps: AwardDeps): ApiApp {
  const app = createRouter();
  const { ctx } = deps;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/confirmation',
      ...access('level-2'),
      tags,
      security,
      summary: 'Sign the auction record as its winner',
      description: `The bidder the award names (the winner, or the next bidder who accepted Art. 51's offer), while the award is \`awaiting_confirmation\` and before its deadline. The award becomes \`awarded\`; the answer carries the signed confirmation, which names the record's final hash and the audit entry. ${FRESH}`,
      request: { params: LotIdParam },
      responses: { 200: json(AwardOutcomeSchema, 'Signed'), ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => c.json(unwrap(await confirmAward(deps, signedIn(c), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/confirmation',
      ...access('signed-in'),
      tags,
      security,
      summary: "The winner's signed confirmation",
      description: "The lot's manager, regulators, admins and the lot's registrants. 404 until the record is signed.",
      request: { params: LotIdParam },
      responses: { 200: json(FlattenedJwsSchema, 'The signed document'), ...errorResponses(401, 403, 404, 422) },
    }),
    async (c) => c.json(unwrap(await awardDocument(ctx, signedIn(c), c.req.valid('param').id, 'confirmation')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/record/extract',
      ...access('signed-in'),
      tags,
      security,
      summary: "What the lot's record states: for the winner to read before signing, and the lot's parties",
      description:
        "The bidding's start and end, the participants as counts, the number of bids, the winning price and the winner by bidder code, the award, and the record's final hash (the bid history is the public ledger, GET /api/lots/{id}/bids, which ends at that hash). No person is named. The lot's manager, regulators, admins and the lot's registrants; 409 `RECORD_NOT_READY` until the lot has closed, failed or been cancelled.",
      request: { params: LotIdParam },
      responses: { 200: json(RecordExtractSchema, 'The extract'), ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => c.json(unwrap(await recordExtract(ctx, signedIn(c), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/refusal',
      ...access('level-2'),
      tags,
      security,
      summary: 'Refuse the result',
      description:
        "The bidder the award names, while it awaits their signature. Their deposit is forfeited (Art. 39). In the ascending method the winner's refusal offers the lot to the next-highest bidder at their own price when their bid plus their deposit is at least the refused price (Art. 51): the award becomes `offered_to_next`; otherwise it is `failed`.",
      request: {
        params: LotIdParam,
        body: { required: false, content: { 'application/json': { schema: RefusalBodySchema } } },
      },
      responses: { 200: json(AwardOutcomeSchema, 'Refused'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json') as { reason?: string } | undefined;
      return c.json(unwrap(await refuseAward(deps, signedIn(c), c.req.valid('param').id, body?.reason || null)), 200);
    },
  );

  for (const [answer, summary, description] of [
    [
      'accept',
      "Accept Art. 51's offer",
      'The next bidder the lot is offered to, before the offer’s deadline. They become the winner at their own price, their deposit counts toward it (its refund withdrawn if not yet sent), they owe the balance, and the award awaits their signature (`awaiting_confirmation`).',
    ],
    ['refuse', "Refuse Art. 51's offer", 'The next bidder the lot is offered to. The award is `failed`.'],
  ] as const)
    app.openapi(
      createRoute({
        method: 'post',
        path: `/lots/{id}/offer/${answer}`,
        ...access('level-2'),
        tags,
        security,
        summary,
        description,
        request: { params: LotIdParam },
        responses: { 200: json(AwardOutcomeSchema, 'Answered'), ...errorResponses(401, 403, 404, 409, 422) },
      }),
      async (c) => {
        const id = c.req.valid('param').id;
        const person = signedIn(c);
        return c.json(
          unwrap(answer === 'accept' ? await acceptOffer(deps, person, id) : await refuseOffer(deps, person, id)),
          200,
        );
      },
    );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/countersignature',
      ...lotAccess(ctx, 'manager-of-lot'),
      tags,
      security,
      summary: 'Countersign the signed record',
      description: `The lot's manager, once the winner signed. The platform signs on the manager's behalf (managers hold no keys) a document naming the manager, the confirmation's digest and the approval's audit entry. ${FRESH}`,
      request: { params: LotIdParam },
      responses: { 201: json(FlattenedJwsSchema, 'Countersigned'), ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => c.json(unwrap(await countersign(deps, signedIn(c), c.req.valid('param').id)), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/countersignature',
      ...access('signed-in'),
      tags,
      security,
      summary: "The manager's signed countersignature",
      description: "The lot's manager, regulators, admins and the lot's registrants. 404 until countersigned.",
      request: { params: LotIdParam },
      responses: { 200: json(FlattenedJwsSchema, 'The signed document'), ...errorResponses(401, 403, 404, 422) },
    }),
    async (c) =>
      c.json(unwrap(await awardDocument(ctx, signedIn(c), c.req.valid('param').id, 'countersignature')), 200),
  );

  return app;
}
