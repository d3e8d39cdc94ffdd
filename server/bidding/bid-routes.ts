// HTTP routes for the bid path: place a bid (Idempotency-Key), read the ledger in pages, withdraw
// one's own standing highest bid. The socket.io gateway calls the same BidEngine.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, signedIn } from '../identity/auth-middleware.ts';
import { lotAccess } from '../auctions/lot-access.ts';
import {
  IdempotencyKey,
  LotIdParam,
  OrganisationIdentifier,
  pathId,
  seqAfterQuery,
  Vnd,
} from '../shared/validation.ts';
import { getLot } from '../auctions/lot-reads.ts';
import { unwrap } from '../shared/errors.ts';
import { BidAckSchema, LedgerPageSchema, ShedSummarySchema, WithdrawAckSchema } from './bid-schemas.ts';
import { shedBidsOf, summarizeShed } from './shed-reads.ts';
import type { BidEngine } from './bid-engine.ts';
import { listEntries } from './ledger-queries.ts';
import { clientOfRequest } from '../supervision/client-hash.ts';
import { noteClient } from '../supervision/client-sightings.ts';

const tags = ['bids'];
const security = [{ eid: [] }];

const ON_BEHALF_OF = {
  description:
    'Act for an organisation’s registration (issue 19): the organisation’s e-ID identifier. Absent: your own registration.',
};
const BidBody = z
  .object({ amount: Vnd, onBehalfOf: OrganisationIdentifier().optional().openapi(ON_BEHALF_OF) })
  .strict()
  .openapi('PlaceBid');
const WithdrawBody = z
  .object({ onBehalfOf: OrganisationIdentifier().optional().openapi(ON_BEHALF_OF) })
  .strict()
  .openapi('WithdrawBid');
const BidHeaders = z.object({
  'idempotency-key': IdempotencyKey().optional().openapi({
    description: 'A retried request with the same key returns the first answer and never places a second bid.',
  }),
});
const EntriesQuery = z.object({
  after: seqAfterQuery(),
  limit: z.coerce
    .number({ error: 'a whole number from 1 to 1000' })
    .int('a whole number from 1 to 1000')
    .min(1, 'a whole number from 1 to 1000')
    .max(1000, 'a whole number from 1 to 1000')
    .default(200),
});
const SeqParams = LotIdParam.extend({ seq: pathId('seq') });

export function bidRoutes(ctx: AppContext, engine: BidEngine): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/bids',
      ...access('level-2'),
      tags,
      security,
      summary: 'Place a bid, or accept a descending price (answered after its durable commit)',
      description:
        'On a descending lot a bid is the acceptance of the price asked: `amount` must be the price asked when the server receives it (409 PRICE_CHANGED with params {currentPrice, nextPriceAt} otherwise; 409 LOT_NOT_LIVE reason lot_sold once someone accepted). In an extension round only bidders with a valid bid in the period before may bid (403 NOT_IN_ROUND). A sealed lot takes POST /lots/{id}/sealed-bids instead (409 INVALID_STATE reason sealed_lot_bid). Answered within BID_TIMEOUT_MS (2 s by default): 201 accepted, a 4xx refusal, or 503 UNAVAILABLE with Retry-After. A 503 message says whether the bid was placed: "NOT placed" (shed for overload, the database unreachable, or still queued at the deadline), or "may or may not have been placed" (its commit was in flight). Retry with the same Idempotency-Key: it returns the committed answer if the first try was committed, and otherwise places the bid now; it never places two.',
      request: {
        params: LotIdParam,
        headers: BidHeaders,
        body: { required: true, content: { 'application/json': { schema: BidBody } } },
      },
      responses: {
        201: json(BidAckSchema, 'Accepted and committed'),
        ...errorResponses(400, 401, 403, 404, 409, 422, 503),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const deadline = c.get('startedAt') + ctx.config.limits.bidTimeoutMs;
      const { onBehalfOf } = c.req.valid('json');
      // Live supervision: the client this registrant bids from, as keyed hashes, noted in memory only.
      noteClient(
        ctx,
        c.req.valid('param').id,
        person.pid,
        onBehalfOf ? { as: 'organisation', identifier: onBehalfOf } : { as: 'own' },
        clientOfRequest(c, ctx.config.trustProxy),
      );
      const result = await engine.place({
        lotId: c.req.valid('param').id,
        person,
        amount: c.req.valid('json').amount,
        onBehalfOf,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        deadline,
      });
      return c.json(unwrap(result), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/bids',
      ...access('anyone'),
      tags,
      summary: 'Ledger entries after a seq, in seq order, in pages (ask again with the last seq until a page is empty)',
      request: { params: LotIdParam, query: EntriesQuery },
      responses: {
        200: json(LedgerPageSchema, 'A page of entries'),
        ...errorResponses(404, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      unwrap(await getLot(ctx, c.get('person'), id));
      const { after, limit } = c.req.valid('query');
      return c.json({ items: await listEntries(ctx.db, id, after, limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/bids/{seq}/withdraw',
      ...access('level-2'),
      tags,
      security,
      summary: 'Withdraw your standing highest bid: the price falls back, you are barred, your deposit is forfeited',
      request: {
        params: SeqParams,
        body: { required: false, content: { 'application/json': { schema: WithdrawBody } } },
      },
      responses: {
        201: json(WithdrawAckSchema, 'The withdrawal entry'),
        ...errorResponses(401, 403, 404, 409, 422, 503),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const { id, seq } = c.req.valid('param');
      const { onBehalfOf } = c.req.valid('json') ?? {};
      return c.json(unwrap(await engine.withdraw(person, id, seq, onBehalfOf)), 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/shed-bids',
      ...lotAccess(ctx, 'manager-of-lot|regulator'),
      tags,
      security,
      summary:
        "Bids the platform refused for its own reasons (overload, database outage, deadline), per minute and reason: the lot's manager and regulators",
      description:
        "Counts are written within a few seconds of the refusals (while the database answers). The same counts are part of the lot's signed record (technicalFaults).",
      request: { params: LotIdParam },
      responses: { 200: json(ShedSummarySchema, 'The counts'), ...errorResponses(401, 403, 404, 422, 503) },
    }),
    async (c) => {
      // The lot's manager or a regulator: decided by the route's lotAccess, before the id was validated.
      const { id } = c.req.valid('param');
      return c.json({ lotId: id, ...summarizeShed(await shedBidsOf(ctx.db, [id])) }, 200);
    },
  );
  return app;
}
