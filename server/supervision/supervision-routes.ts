// HTTP routes of live supervision (issue 20, item 2), for regulators within their scope and admins:
// the live lots with their open signals, one lot's live view with identities (an identity read,
// audited with its stated purpose), its updates for the page to poll (no identities), and the
// audited decision on a signal. Managers, bidders and anyone else: 403; a regulator outside their
// scope: 403 `outside_scope`.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { PurposeQuery, sameSiteOnly } from '../http/same-site.ts';
import { access, signedIn } from '../identity/auth-middleware.ts';
import { unwrap } from '../shared/errors.ts';
import { LotIdParam } from '../shared/validation.ts';
import {
  SignalDecisionBody,
  SignalSchema,
  SupervisedLotListSchema,
  SupervisionUpdatesSchema,
  SupervisionViewSchema,
  UpdatesQuery,
} from './supervision-schemas.ts';
import { decideSignal, listSupervisedLots, supervisedLotUpdates, viewSupervisedLot } from './supervision-service.ts';

const tags = ['supervision'];
const security = [{ eid: [] }];
const STAFF = { roles: ['regulator', 'admin'] } as const;
const SignalParams = LotIdParam.extend({
  key: z
    .string()
    .min(1)
    .max(2000)
    .openapi({ param: { name: 'key', in: 'path' }, example: 'alternating_pair:B-7K3Q,B-9XYZ:12' }),
});

const RULES =
  'Signals (README, "Live supervision"): `shared_client` (one client address or device cookie, as keyed hashes, seen for two or more bidder codes of two or more people), `related_bidders` (the relatedness flags), `alternating_pair` (8 or more consecutive bids alternating between exactly two codes within 5 minutes, no other code in between, on a lot with 3 or more approved bidders), `repeated_withdrawals` (2 or more withdrawals by the same person or organisation on the organisation’s lots within 180 days), `recurring_winners` (3 or more of the organisation’s lots won within 180 days), `closing_shed` (bids shed for overload in the last 5 minutes). Signals inform; none refuses, bars or changes anything.';

export function supervisionRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/supervision/lots',
      ...access(STAFF),
      tags,
      security,
      summary: 'The live lots you oversee, with counts of their anomaly signals (regulators in scope, admins)',
      description: `Lots bidding now (or suspended) whose organisation is in the regulator’s scope (every lot for a regulator of the whole country and for admins). \`signals.open\`: those no regulator has decided on. No identities. ${RULES}`,
      responses: { 200: json(SupervisedLotListSchema, 'The lots'), ...errorResponses(401, 403) },
    }),
    async (c) => c.json({ items: await listSupervisedLots(ctx, signedIn(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/supervision/lots/{id}',
      ...access(STAFF, sameSiteOnly()),
      tags,
      security,
      summary: 'A lot’s live view with identities, its ledger and its anomaly signals with their evidence (audited)',
      description: `Who is behind every bidder code (\`pid\`, \`name\`, the organisation and the people who acted for it), the latest ledger entries and the signals, each with its evidence and latest decision. \`purpose\` (10–500 characters, no control characters) is required (422 without it): the read is written to the audit log (\`supervision.lot_viewed\`: the reader, the purpose, the people shown) in the same transaction, and each person shown sees it under "who viewed my data". 403 \`outside_scope\` for a lot outside the regulator’s scope; 409 \`supervision_not_started\` before bidding starts. Cross-site browser requests are refused (403). ${RULES}`,
      request: { params: LotIdParam, query: PurposeQuery },
      responses: {
        200: json(SupervisionViewSchema, 'The live view, as audited'),
        ...errorResponses(401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(unwrap(await viewSupervisedLot(ctx, signedIn(c), id, c.req.valid('query').purpose)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/supervision/lots/{id}/updates',
      ...access(STAFF),
      tags,
      security,
      summary:
        'What changed on a supervised lot since a seq: its state, new entries and the signals now (no identities)',
      description:
        'For the supervision page to poll every few seconds after one audited live view: bidder codes only, so not an identity read. Same scope refusals as the live view.',
      request: { params: LotIdParam, query: UpdatesQuery },
      responses: { 200: json(SupervisionUpdatesSchema, 'The updates'), ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(unwrap(await supervisedLotUpdates(ctx, signedIn(c), id, c.req.valid('query').afterSeq)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/supervision/lots/{id}/signals/{key}/decision',
      ...access(STAFF),
      tags,
      security,
      summary: 'Dismiss or escalate an anomaly signal, with a note (audited; the lot is never changed)',
      description:
        '`decision`: `dismissed` or `escalated`; `note` (10–500 characters) is required. 404 `signal_not_found` for a key the lot has no signal for now. Written to the audit log (`supervision.signal_dismissed` or `supervision.signal_escalated`) with the signal’s kind, bidder codes and the note; a later decision on the same key supersedes the one shown. A signal is information: deciding it refuses, bars or changes nothing.',
      request: {
        params: SignalParams,
        body: { required: true, content: { 'application/json': { schema: SignalDecisionBody } } },
      },
      responses: { 200: json(SignalSchema, 'Decided'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { id, key } = c.req.valid('param');
      return c.json(unwrap(await decideSignal(ctx, signedIn(c), id, key, c.req.valid('json'))), 200);
    },
  );
  return app;
}
