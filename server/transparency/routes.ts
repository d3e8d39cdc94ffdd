// The transparency log's public routes (DESIGN.md §8): the signed tree head, inclusion proofs by a
// document's digest, consistency proofs between two sizes, and the leaves. No sign-in: anyone may
// monitor the log. Handlers only validate (zod), ask the log (log-service.ts) and answer.
import { createRoute } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access } from '../identity/auth-middleware.ts';
import { unwrap } from '../shared/errors.ts';
import type { TransparencyLog } from './log-service.ts';
import {
  ConsistencyProofSchema,
  ConsistencyQuery,
  InclusionProofSchema,
  InclusionQuery,
  LeavesQuery,
  LeavesSchema,
  SignedTreeHeadSchema,
  TreeHeadQuery,
} from './schemas.ts';

const tags = ['transparency log'];
/** Proofs against a named tree head and old leaves never change; the latest head does. */
const NO_STORE = 'no-store';

export function transparencyRoutes(_ctx: AppContext, log: TransparencyLog): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/log/sth',
      ...access('anyone'),
      tags,
      summary: 'The signed tree head',
      description:
        "The log's latest signed tree head (signed on demand when the tree has grown since the last one), or, with `treeSize`, one signed earlier. Every signed document the platform issues (records, money trails, confirmations, countersignatures, suspensions, result notices, export seals) is a leaf: the SHA-256 of its bytes. A monitor keeps the last head it saw and checks the next with GET /api/log/proof/consistency (`npm run monitor`).",
      request: { query: TreeHeadQuery },
      responses: { 200: json(SignedTreeHeadSchema, 'A signed tree head'), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const { treeSize } = c.req.valid('query');
      const head = treeSize === undefined ? await log.treeHead() : unwrap(await log.treeHeadOfSize(treeSize));
      c.header('cache-control', NO_STORE);
      return c.json(head, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/log/proof/inclusion',
      ...access('anyone'),
      tags,
      summary: 'The inclusion proof of a document',
      description:
        "Proves that a signed document is in the log: its leaf index and audit path against the tree head named by `treeSize` (signed earlier) or the latest, which the answer carries. `hash` is the document's digest (base64url SHA-256 of its bytes as served; records and documents answer it in `Transparency-Log-Digest`) or its leaf hash. 404 `leaf_not_found` for a document the log does not hold, `leaf_not_in_tree` when it came after the named head, `tree_head_not_found` for a size never signed. The offline verifier checks it: `npm run verify-record -- doc.json --jwks … --inclusion proof.json`.",
      request: { query: InclusionQuery },
      responses: { 200: json(InclusionProofSchema, 'The inclusion proof'), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const { hash, treeSize } = c.req.valid('query');
      const proof = unwrap(await log.inclusion(hash, treeSize));
      c.header('cache-control', NO_STORE);
      return c.json(proof, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/log/proof/consistency',
      ...access('anyone'),
      tags,
      summary: 'The consistency proof between two tree sizes',
      description:
        'Proves that the tree of `first` leaves is a prefix of the tree of `second` leaves (RFC 9162 §2.1.4): nothing logged before was changed or removed. 404 `tree_size_unknown` when `second` is beyond the log, 422 when `first` > `second`.',
      request: { query: ConsistencyQuery },
      responses: { 200: json(ConsistencyProofSchema, 'The consistency proof'), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const { first, second } = c.req.valid('query');
      return c.json(unwrap(await log.consistency(first, second)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/log/leaves',
      ...access('anyone'),
      tags,
      summary: 'The leaves',
      description:
        'Leaves `start` to `end` (exclusive), oldest first, at most 1,000 a request (`end` in the answer says where it stopped; ask again from there). A monitor recomputes the root from them and compares it with the signed tree head. Never personal data: a digest, its leaf hash, what kind of document, which lot, when.',
      request: { query: LeavesQuery },
      responses: { 200: json(LeavesSchema, 'The leaves'), ...errorResponses(422) },
    }),
    async (c) => {
      const { start, end } = c.req.valid('query');
      return c.json(unwrap(await log.leaves(start, end)), 200);
    },
  );

  return app;
}
