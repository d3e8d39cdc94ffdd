// The published results' routes, public (no sign-in) and briefly cacheable: the JSON feed, a lot's
// notices, one signed notice at its stable URL (immutable: cacheable for good), and the Atom feed,
// registered here as /api/results.atom and served at the site's root as /results.atom too
// (server/platform.ts). Handlers only validate (zod), read (feed.ts) and answer.
import { createRoute } from '@hono/zod-openapi';
import { etag } from 'hono/etag';
import type { Context } from 'hono';
import { z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access } from '../identity/auth-middleware.ts';
import type { AppEnv } from '../identity/person.ts';
import { documentPayload } from '../records/lot-documents.ts';
import { FlattenedJwsSchema } from '../records/jws-schema.ts';
import type { ResultNotice } from '../records/lot-fact-format.ts';
import { unwrap } from '../shared/errors.ts';
import { ATOM_CONTENT_TYPE, ATOM_PATH, atomFeed } from './atom.ts';
import { allNotices, lotNotices, resultFeed, signedNotice } from './feed.ts';
import { LotNoticesSchema, NoticeParams, ResultFeedSchema, ResultLotParam, ResultPageQuery } from './schemas.ts';

const tags = ['results'];
/** Feeds change when a notice is published: shared caches may keep them a minute. */
const FEED_CACHE = 'public, max-age=60';
/** A signed notice never changes once issued. */
const NOTICE_CACHE = 'public, max-age=31536000, immutable';

export function resultRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();
  /** The base of the URLs the answers carry: PUBLIC_ORIGIN, else the origin the request came to. */
  const originOf = (c: Context<AppEnv>): string =>
    (ctx.config.publicOrigin ?? new URL(c.req.url).origin).replace(/\/+$/, '');

  app.openapi(
    createRoute({
      method: 'get',
      path: '/results',
      ...access('anyone', etag()),
      tags,
      summary: 'Published results: the JSON feed',
      description:
        "Each ended lot's latest result notice, the latest published first, paged like the catalogue (`limit`, `offset`; `nextOffset` for the next page). A notice states the lot's status, its award (DESIGN.md §8), the price the award stands at, when bidding started and ended and when the winning price was recorded, and nothing personal; it is issued at the close and superseded by a newer notice, one sequence further, whenever the award changes. `url` is the signed notice's stable address; `digest` the SHA-256 of its bytes. The same notices as Atom: `/results.atom`.",
      request: { query: ResultPageQuery },
      responses: { 200: json(ResultFeedSchema, 'Latest notices, newest first'), ...errorResponses(422) },
    }),
    async (c) => {
      const feed = await resultFeed(ctx.db, c.req.valid('query'), originOf(c));
      c.header('cache-control', FEED_CACHE);
      return c.json(feed, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/results/{lotId}',
      ...access('anyone', etag()),
      tags,
      summary: "A lot's result notices",
      description:
        'Every result notice of the lot, the latest first; every one but the latest is `superseded`, and names the notice that superseded it. 404 `lot_not_found` for no such (public) lot, `result_not_published` for a lot that has not ended.',
      request: { params: ResultLotParam },
      responses: { 200: json(LotNoticesSchema, "The lot's notices, latest first"), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const notices = unwrap(await lotNotices(ctx.db, c.req.valid('param').lotId, originOf(c)));
      c.header('cache-control', FEED_CACHE);
      return c.json(notices, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/results/{lotId}/notices/{sequence}',
      ...access('anyone'),
      tags,
      summary: 'A signed result notice (its stable URL)',
      description:
        'The notice exactly as issued: a flattened JWS signed with the record-signing key (`kid` in /api/.well-known/jwks.json), `cty` `result-notice+json`, whose payload is `{type: "result-notice", version, issuedAt, issuer, lot: {id, title}, record: {finalHash}, sequence, supersedes, status, award, price, biddingStartedAt, biddingEndedAt, priceRecordedAt, rerunAs}`. The SHA-256 (base64url) of these bytes is the notice\'s `digest`, which the next notice names in `supersedes`. Never changes: cacheable for good. Check it with POST /api/records/verify or `npm run verify-record`. 404 `result_notice_not_found` for a sequence the lot has not reached.',
      request: { params: NoticeParams },
      responses: {
        200: { description: 'The signed notice', content: { 'application/json': { schema: FlattenedJwsSchema } } },
        ...errorResponses(404, 422),
      },
    }),
    async (c) => {
      const { lotId, sequence } = c.req.valid('param');
      const row = unwrap(await signedNotice(ctx.db, lotId, sequence));
      c.header('cache-control', NOTICE_CACHE);
      c.header('etag', `"${row.digest}"`);
      // The stored bytes, not a re-serialisation: their digest is the notice's.
      return c.body(row.document, 200, { 'content-type': 'application/json; charset=utf-8' }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: ATOM_PATH,
      ...access('anyone', etag()),
      tags,
      summary: 'Published results: the Atom feed (also at /results.atom)',
      description:
        "Every result notice as an Atom 1.0 entry (RFC 4287), the latest first, paged by `limit` and `offset` (RFC 5005 `first` and `next` links). An entry's id is a tag: URI that never changes; its alternate link is the signed notice's stable URL, its related link the lot's page; its summary and content say the outcome, the price and the times in Vietnamese and English. Served at the site's root as `/results.atom`.",
      request: { query: ResultPageQuery },
      responses: {
        200: { description: 'An Atom feed', content: { 'application/atom+xml': { schema: z.string() } } },
        ...errorResponses(422),
      },
    }),
    async (c) => {
      const page = c.req.valid('query');
      const { rows, total } = await allNotices(ctx.db, page);
      const xml = atomFeed({
        notices: rows.map((row) => ({ notice: documentPayload<ResultNotice>(row), digest: row.digest })),
        origin: originOf(c),
        ...page,
        total,
        now: ctx.clock.now(),
      });
      c.header('cache-control', FEED_CACHE);
      return c.body(xml, 200, { 'content-type': ATOM_CONTENT_TYPE }) as never;
    },
  );

  return app;
}
