// HTTP routes of authorisation documents (issue 19): the registrant of an organisation's registration
// by document uploads it; the lot's manager reads it (audited, with a purpose) and decides; the
// registrant may read their own. The service (authorisation-documents.ts) decides the rest.
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { declareBodyLimit } from '../http/body-limits.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { Purpose, sameSiteOnly } from '../http/same-site.ts';
import { access, requireRole, signedIn } from '../identity/auth-middleware.ts';
import { requireSignedIn } from '../identity/authorize.ts';
import type { AppEnv } from '../identity/person.ts';
import { lotAccess } from '../auctions/lot-access.ts';
import { AppError, unwrap } from '../shared/errors.ts';
import { isRowId, LotIdParam, pathId } from '../shared/validation.ts';
import {
  AUTHORISATION_DOCUMENT_TYPES,
  AuthorisationDecisionSchema,
  AuthorisationReadSchema,
  AuthorisationStateSchema,
  MAX_AUTHORISATION_DOCUMENT_BYTES,
} from './authorisation-schemas.ts';
import {
  decideAuthorisationDocument,
  mayReadDocument,
  readAuthorisationDocument,
  uploadAuthorisationDocument,
} from './authorisation-documents.ts';

const tags = ['registrations'];
const security = [{ eid: [] }];
const RegParams = LotIdParam.extend({ rid: pathId('rid') });
const MAX_MB = MAX_AUTHORISATION_DOCUMENT_BYTES / 1024 / 1024;
const ReadQuery = z.object({
  purpose: Purpose.optional().openapi({
    param: { name: 'purpose', in: 'query' },
    description: 'Required of the lot’s manager (10–500 characters); the registrant sends none.',
    example: 'Reviewing the authorisation document sent for this registration',
  }),
});

/** The lot's manager or the registration's registrant, decided before the query is validated. */
function readerGuard(ctx: AppContext): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const person = unwrap(requireSignedIn(c.get('person')));
    const id = Number(c.req.param('id'));
    const rid = Number(c.req.param('rid'));
    if (isRowId(id) && isRowId(rid)) unwrap(await mayReadDocument(ctx, person, id, rid));
    await next();
  };
}

export function authorisationRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  // The upload's body is the document: its own limit, larger than a JSON body's.
  declareBodyLimit(app, {
    path: '/lots/:id{[0-9]+}/registrations/:rid{[0-9]+}/authorisation',
    maxBytes: MAX_AUTHORISATION_DOCUMENT_BYTES,
    tooLarge: (maxBytes) => AppError.of('authorisation_document_too_large', { maxMegabytes: maxBytes / 1024 / 1024 }),
  });
  app.openapi(
    createRoute({
      method: 'put',
      path: '/lots/{id}/registrations/{rid}/authorisation',
      ...access('level-2'),
      tags,
      security,
      summary: `Upload the authorisation document of an organisation’s registration (its registrant; PDF, PNG or JPEG, at most ${MAX_MB} MB)`,
      description: `For a registration made for an organisation by a person whose e-ID did not say they act for it (authority \`document\`). The request body is the document itself with its Content-Type (${AUTHORISATION_DOCUMENT_TYPES.join(', ')}; else 415 \`authorisation_document_type\`, also when the bytes are not of that type), at most ${MAX_MB} MB (413 \`authorisation_document_too_large\`). Only the person who registered (403 \`not_registrant\`); 409 \`no_document_expected\` for a registration that takes none (e-ID authority, or approved already), \`document_pending_review\` while one awaits the manager, \`registration_closed\` once bidding has started. The registration's authorisation becomes \`pending_review\`; audited with the document's SHA-256. A rejected document may be followed by another.`,
      request: {
        params: RegParams,
        body: {
          description: 'The document’s bytes',
          content: Object.fromEntries(
            AUTHORISATION_DOCUMENT_TYPES.map((t) => [t, { schema: z.string().openapi({ format: 'binary' }) }]),
          ),
        },
      },
      responses: {
        200: json(AuthorisationStateSchema, 'Stored: the registration (with its organisation) and the document'),
        ...errorResponses(401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const { id, rid } = c.req.valid('param');
      const result = await uploadAuthorisationDocument(ctx, person, id, rid, {
        declaredType: c.req.header('content-type'),
        declaredLength: Number(c.req.header('content-length') ?? '0'),
        read: async () => new Uint8Array(await c.req.arrayBuffer()),
      });
      return c.json(unwrap(result), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/registrations/{rid}/authorisation',
      middleware: [readerGuard(ctx), sameSiteOnly()],
      'x-access': 'manager-of-lot|registrant',
      tags,
      security,
      summary:
        'Read the authorisation document of an organisation’s registration (its lot’s manager, stating why: audited; or its registrant)',
      description:
        "The latest document (bytes base64 in `document.contentBase64`) with who it authorises: the registrant's `pid` and `name`, the organisation and the role. For the lot's manager this is the explicit identity read of the registration: `purpose` (10–500 characters) is required (422 without it) and the read is written to the audit log in the same transaction (`authorisation.document_viewed`); regulators see it among the registration's `identityReads`. The registrant reads their own without a purpose (not audited). Everyone else: 403. 404 `document_not_found` before any upload. Cross-site browser requests are refused (403).",
      request: { params: RegParams, query: ReadQuery },
      responses: {
        200: json(AuthorisationReadSchema, 'The document and who it authorises'),
        ...errorResponses(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const { id, rid } = c.req.valid('param');
      return c.json(unwrap(await readAuthorisationDocument(ctx, person, id, rid, c.req.valid('query').purpose)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/registrations/{rid}/authorisation/decision',
      ...lotAccess(ctx, 'manager-of-lot'),
      tags,
      security,
      summary: 'The lot’s manager approves or rejects the authorisation document pending review',
      description:
        'Only while a document awaits review (409 `no_document_to_decide`) and before bidding starts (409 `registration_closed`). `reason` (10–500 characters) is required to reject. Approved: the registrant is recorded as acting for the organisation, and a registration whose deposit was received (`pending_authorisation`) is approved and may bid. Rejected: the registrant may upload another document. Audited (`authorisation.approved` / `authorisation.rejected`); the registrant is told.',
      request: {
        params: RegParams,
        body: { required: true, content: { 'application/json': { schema: AuthorisationDecisionSchema } } },
      },
      responses: {
        200: json(AuthorisationStateSchema, 'Decided: the registration and the document'),
        ...errorResponses(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const { id, rid } = c.req.valid('param');
      return c.json(unwrap(await decideAuthorisationDocument(ctx, person, id, rid, c.req.valid('json'))), 200);
    },
  );
  return app;
}
