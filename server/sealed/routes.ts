// HTTP routes of the sealed method: submit a sealed bid (its access, CSRF and body limit as for
// POST /api/lots/:id/bids), and read one's own sealed bids with their receipts and amounts.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, signedIn } from '../identity/auth-middleware.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import { unwrap } from '../shared/errors.ts';
import { LotIdParam, OrganisationIdentifier, Vnd } from '../shared/validation.ts';
import { MySealedBidsSchema, SealedBidAckSchema } from './schemas.ts';
import { mySealedBids, submitSealedBid } from './service.ts';

const tags = ['sealed bids'];
const security = [{ eid: [] }];

const ON_BEHALF_OF = {
  description:
    'An organisation’s registration (issue 19): the organisation’s e-ID identifier. Absent: your own registration.',
};
const SealedBidBody = z
  .object({ amount: Vnd, onBehalfOf: OrganisationIdentifier().optional().openapi(ON_BEHALF_OF) })
  .strict()
  .openapi('PlaceSealedBid');
const MineQuery = z.object({
  onBehalfOf: OrganisationIdentifier()
    .optional()
    .openapi({ ...ON_BEHALF_OF, param: { name: 'onBehalfOf', in: 'query' } }),
});

export function sealedRoutes(ctx: AppContext, signer: SigningKey): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/sealed-bids',
      ...access('level-2'),
      tags,
      security,
      summary: "Submit a sealed bid on a sealed lot (the amount stays secret until the lot's end)",
      description:
        "Judged by the server's clock when received: bidding open (startsAt ≤ t < endsAt), an approved registration, not the lot's manager, at least the starting price (in a tie round: only the tied bidders, at least the tied amount; otherwise 403 NOT_IN_ROUND). One live sealed bid per bidder and round: a second is refused with 409 SEALED_BID_EXISTS unless the lot allows replacing, when it replaces the first (`replaced: true`; the earlier receipt no longer counts). The amount is stored encrypted under the lot's own key; the answer's `receipt` is a JWS signed with the record-signing key over {lotId, bidderCode, commitment, submittedAt}. At the end every live bid is revealed into the public ledger with its commitment and salt. A retry after a lost answer: read GET /api/lots/{id}/sealed-bids/mine first.",
      request: {
        params: LotIdParam,
        body: { required: true, content: { 'application/json': { schema: SealedBidBody } } },
      },
      responses: {
        201: json(SealedBidAckSchema, 'Sealed and committed'),
        ...errorResponses(400, 401, 403, 404, 409, 422, 503),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const { amount, onBehalfOf } = c.req.valid('json');
      const result = await submitSealedBid(ctx, signer, person, c.req.valid('param').id, amount, onBehalfOf);
      return c.json(unwrap(result), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/sealed-bids/mine',
      ...access('signed-in'),
      tags,
      security,
      summary: 'Your own live sealed bids on a lot, with their receipts and amounts (nobody else sees them)',
      request: { params: LotIdParam, query: MineQuery },
      responses: {
        200: json(MySealedBidsSchema, 'Your live sealed bids, by round (empty when you have none)'),
        ...errorResponses(401, 404, 409, 422, 503),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const { onBehalfOf } = c.req.valid('query');
      return c.json(
        { items: unwrap(await mySealedBids(ctx, signer, person, c.req.valid('param').id, onBehalfOf)) },
        200,
      );
    },
  );
  return app;
}
