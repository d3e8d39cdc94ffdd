// HTTP routes of the records domain: a lot's record (regulators), the published keys and record
// verification (anyone). The bulk exports live in export-routes.ts.
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { createRouter, type ApiApp } from '../http/app.ts';
import { declareBodyLimit, limitBody } from '../http/body-limits.ts';
import { errorResponses } from '../http/openapi.ts';
import { OptionalPurposeQuery } from '../http/same-site.ts';
import { access, requireRole, signedIn } from '../identity/auth-middleware.ts';
import type { AppEnv } from '../identity/person.ts';
import { clientIp, KeyedBuckets, rateLimited } from '../identity/rate-limit.ts';
import { AppError, unwrap } from '../shared/errors.ts';
import { LotIdParam } from '../shared/validation.ts';
import type { RecordService } from './service.ts';
import type { BodyKind } from './verify-body.ts';
import { logHeaders } from '../transparency/headers.ts';
import { FlattenedJwsSchema } from './jws-schema.ts';
import { VerdictSchema } from './verdict-schema.ts';
import type { VerifyPool } from './verify-pool.ts';

const JwkSchema = z
  .object({
    kty: z.string(),
    crv: z.string(),
    x: z.string(),
    y: z.string().optional(),
    kid: z.string(),
    alg: z.string(),
    use: z.literal('sig'),
  })
  .openapi('PublicJwk');
const JwksSchema = z.object({ keys: z.array(JwkSchema) }).openapi('Jwks');

const FormatQuery = z.object({
  format: z
    .enum(['json', 'csv', 'pdf'], { error: 'json, csv or pdf' })
    .default('json')
    .openapi({ param: { name: 'format', in: 'query' } }),
});

const MEDIA_KIND = new Map<string, BodyKind>([
  ['application/json', 'json'],
  ['application/jose', 'record'],
  ['application/jose+json', 'record'],
  ['text/plain', 'record'],
  ['application/x-ndjson', 'ndjson'],
  ['application/ndjson', 'ndjson'],
  ['text/csv', 'csv'],
]);

/**
 * Record exports refuse requests another site started (a link or image on another page would carry
 * a regulator's session cookie on a top-level GET). Browsers say so in Sec-Fetch-Site; API clients
 * send none and are unaffected.
 */
export function sameSiteOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.header('sec-fetch-site') === 'cross-site') throw AppError.of('records_cross_site');
    await next();
  };
}

/**
 * Record verification takes whole signed records and exports, far over a JSON body: this is its outer
 * bound (or the JSON limit, if that is larger), applied before anyone is authenticated; verifyGate
 * applies the smaller anonymous one once it knows who is asking.
 */
export const RECORD_VERIFY_LIMIT = 16 * 1024 * 1024;
/** Anonymous callers verify documents up to this size; signed-in regulators up to RECORD_VERIFY_LIMIT. */
export const ANONYMOUS_VERIFY_LIMIT = 2 * 1024 * 1024;
/** Verifications per address (anonymous) and per person (signed in): a burst, refilled per second. */
export const VERIFY_RATE = { address: { burst: 60, perSecond: 1 }, person: { burst: 120, perSecond: 2 } };
const MIB = 1024 * 1024;

/**
 * Before a verification body is read: the caller's rate (per person, or per address when anonymous),
 * then the body limit that fits them. Everyone but a signed-in regulator gets the small one.
 */
function verifyGate(): MiddlewareHandler<AppEnv> {
  const perAddress = new KeyedBuckets(VERIFY_RATE.address);
  const perPerson = new KeyedBuckets(VERIFY_RATE.person);
  const tooLarge = (limit: number, regulator: boolean) => (): never => {
    throw regulator
      ? AppError.of('document_too_large', { maxMegabytes: limit / MIB })
      : AppError.of('document_too_large_anonymous', {
          maxMegabytes: limit / MIB,
          regulatorMegabytes: RECORD_VERIFY_LIMIT / MIB,
        });
  };
  const anonymousLimit = limitBody(ANONYMOUS_VERIFY_LIMIT, tooLarge(ANONYMOUS_VERIFY_LIMIT, false));
  const regulatorLimit = limitBody(RECORD_VERIFY_LIMIT, tooLarge(RECORD_VERIFY_LIMIT, true));
  return (c, next) => {
    const person = c.get('person');
    const wait = person ? perPerson.take(person.pid) : perAddress.take(clientIp(c, c.get('ctx').config.trustProxy));
    if (wait) throw rateLimited(wait, 'verifications', person ? 'by you' : 'from this address');
    return person?.roles.includes('regulator') ? regulatorLimit(c, next) : anonymousLimit(c, next);
  };
}

export function recordRoutes(service: RecordService, pool: VerifyPool): ApiApp {
  const app = createRouter();
  declareBodyLimit(app, {
    path: '/records/verify',
    maxBytes: (jsonLimit) => Math.max(RECORD_VERIFY_LIMIT, jsonLimit),
    tooLarge: (maxBytes) => AppError.of('document_too_large', { maxMegabytes: maxBytes / MIB }),
  });
  app.use('/records/verify', verifyGate());

  app.openapi(
    createRoute({
      method: 'get',
      path: '/records/lots/{id}',
      // Regulators only, decided before the id and format are validated; never from another site.
      ...access({ roles: ['regulator'] }, sameSiteOnly()),
      tags: ['records'],
      summary: "A lot's auction record (regulators)",
      description:
        "The complete record of a closed, failed or cancelled lot: the lot and its policy, times, every registration with the person behind each bidder code, the full ledger with its hash chain, extensions, history and result. `json` is a signed JWS (verify it with POST /api/records/verify or offline), `csv` the ledger (UTF-8 with BOM), `pdf` a printable Vietnamese record. Every read is written to the audit log as `record.viewed` with the request's Origin and Sec-Fetch-Site; a `json` or `pdf` record names the people behind the bidder codes, so its read is also an identity read: the optional `purpose` (10–500 characters; null when not stated) and every registrant and organisation actor are recorded, each of whom sees it in GET /api/me/data-views, and the record names its requester (`requestedBy`, record version 5) beside `issuedAt`. Once the lot's identities are past their retention (IDENTITY_RETENTION_DAYS after its records became final) `json` and `pdf` are refused with 403 `identity_retention_expired`; the ledger `csv` (bidder codes only) remains. Requests started by another site (`Sec-Fetch-Site: cross-site`) are refused with 403. Before anything is signed the lot's rows are checked against its chains (the ledger, and the registrations and result chained in the audit log): when they contradict them the answer is 409 `RECORD_INCONSISTENT` with the reason, and the refusal is written to the audit log as `record.refused`.",
      security: [{ eid: [] }],
      request: { params: LotIdParam, query: FormatQuery.extend(OptionalPurposeQuery.shape) },
      responses: {
        200: {
          description: 'The record',
          content: {
            'application/json': { schema: FlattenedJwsSchema },
            'text/csv': { schema: z.string() },
            'application/pdf': { schema: z.string().openapi({ format: 'binary' }) },
          },
        },
        ...errorResponses(401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const person = requireRole(c, 'regulator');
      const { id } = c.req.valid('param');
      const { format, purpose } = c.req.valid('query');
      const out = unwrap(
        await service.exportRecord(
          person,
          id,
          format,
          { origin: c.req.header('origin') ?? null, fetchSite: c.req.header('sec-fetch-site') ?? null },
          purpose ?? null,
        ),
      );
      c.header('content-disposition', `attachment; filename="${out.filename}"`);
      c.header('cache-control', 'no-store');
      if (out.format === 'json') {
        logHeaders(c, JSON.stringify(out.jws));
        return c.json(out.jws, 200);
      }
      return c.body(out.bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': out.contentType }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/records/lots/{id}/money-trail',
      ...access({ roles: ['manager', 'regulator', 'admin'] }, sameSiteOnly()),
      tags: ['records'],
      summary: "A lot's signed money trail (the lot's manager, regulators, admins)",
      description:
        'The money trail of a closed, failed or cancelled lot as a signed document beside its record (a later fact: DESIGN.md §8): `{type: "money-trail", version, issuedAt, issuer, lot: {id, title, status}, record: {finalHash}, trail}`, where `record.finalHash` names the record by its ledger\'s final hash and `trail` is what GET /api/lots/:id/money shows (payments by bidder code, credits, refunds, totals; no personal data), as of `issuedAt`. A flattened JWS with `cty` `money-trail+json`; POST /api/records/verify (or `npm run verify-record`) checks the signature and recomputes the totals from the items: received = held + onDeposit + retained + forfeited + dueForRefund + refunded + returned. A trail that does not add up is never signed: 409 `MONEY_TRAIL_UNBALANCED`, written to the audit log as `record.refused`; a record that cannot be issued: 409 `RECORD_INCONSISTENT`. Every read is logged as `record.viewed` with format `money-trail`.',
      security: [{ eid: [] }],
      request: { params: LotIdParam },
      responses: {
        200: { description: 'The signed money trail', content: { 'application/json': { schema: FlattenedJwsSchema } } },
        ...errorResponses(401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const { id } = c.req.valid('param');
      const jws = unwrap(
        await service.exportMoneyTrail(person, id, {
          origin: c.req.header('origin') ?? null,
          fetchSite: c.req.header('sec-fetch-site') ?? null,
        }),
      );
      c.header('content-disposition', `attachment; filename="lot-${id}-money-trail.json"`);
      c.header('cache-control', 'no-store');
      logHeaders(c, JSON.stringify(jws));
      return c.json(jws, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      ...access('anyone'),
      tags: ['records'],
      summary: 'The public record-signing keys',
      description:
        'The keys verifiers accept: the configured record-signing key and the configured retired keys (RECORD_RETIRED_KEYS), so records signed before a rotation still verify; never whatever the database holds. Only the zero-config demo, which has no configured key, publishes the keys it generated into its database.',
      responses: {
        200: { description: 'A JSON Web Key Set', content: { 'application/json': { schema: JwksSchema } } },
      },
    }),
    async (c) => {
      c.header('cache-control', 'public, max-age=300');
      return c.json((await service.jwks()) as z.infer<typeof JwksSchema>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/records/verify',
      ...access('anyone'),
      tags: ['records'],
      summary: 'Verify a record or export',
      description:
        "Send a record exactly as `GET /api/records/lots/{id}?format=json` returned it (`application/json`: the JWS JSON serialization, or a JSON string holding a compact JWS; `application/jose`: a compact JWS), or an NDJSON export (`application/x-ndjson`), or a ledger or audit CSV (`text/csv`, hash chain only). Checks the signature against the published keys, recomputes the hash chains, and compares a record's registrations (bidder code, person hash, time, rules) and result (winner, price) with its chained history; an export is invalid when it carries a record the platform refused to issue or rows it found contradicting the audit chain. Answers 200 with `valid:false`, a `code` and the reason when the document was altered. A CSV file carries no signature: it is `valid` when its chain holds and always `signed:false` (code `NOT_SIGNED`), since anyone who edits a CSV can recompute its chain; a valid signed record names the lot, its title, the number of ledger entries, the final hash, the key and the signing time in `details`. Without signing in a document may be up to 2 MB (signed-in regulators: 16 MB; larger files: `npm run verify-record`, offline, no limit); each address (each signed-in person) may verify 60 documents at once, then one a second (two a second when signed in). Verification runs off the request thread, within the request bound; when the verifier is busy the answer is 503 with Retry-After.",
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.union([FlattenedJwsSchema, z.string(), z.record(z.string(), z.unknown())]),
            },
            'application/jose': { schema: z.string() },
            'application/x-ndjson': { schema: z.string() },
            'text/csv': { schema: z.string() },
          },
        },
      },
      responses: {
        200: { description: 'The verdict', content: { 'application/json': { schema: VerdictSchema } } },
        ...errorResponses(400, 413, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
      const kind = MEDIA_KIND.get(type);
      if (!kind) throw AppError.of('verify_media_type');
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      // Parsing and hashing run in a worker thread, answered within the request's own bound.
      const bound = c.get('ctx').config.limits.requestTimeoutMs - (performance.now() - c.get('startedAt'));
      const outcome = await pool.run(bytes, kind, await service.jwks(), Math.max(0, bound - 50));
      if (!outcome.ok) throw AppError.from(outcome);
      return c.json(outcome.verdict, 200);
    },
  );
  return app;
}
