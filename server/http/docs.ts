// The OpenAPI description (/api/openapi.json), generated from the routes' zod schemas, and the API
// reference (/api/docs), an HTML page rendered here from that same document (server/http/docs-page.ts):
// no script, no web fonts, nothing from another host.
import type { ApiApp } from './app.ts';
import { renderApiReference, STYLE_HASH, type ApiDocument } from './docs-page.ts';

const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Online asset auctions API',
    version: '1.0.0',
    description:
      'Identity-verified live bidding. Money is an integer number of VND; times are ISO-8601 UTC. Errors are {"error":{"code","message"}}, and carry `reason` (which refusal, stable, to translate by), `params` (the values its text names) and, for VALIDATION_FAILED, `fields` (English, per field) and `fieldErrors` (a code with parameters per field): see the Error model. Socket acks carry the same error object. Authenticate with an e-ID token as `Authorization: Bearer …`, or with the browser session cookie plus the `x-csrf-token` header.',
  },
  servers: [{ url: '/api' }],
};

/** The reference page allows its one style element and nothing else: no script, no fetch, no fonts. */
const PAGE_POLICY = `default-src 'none'; style-src '${STYLE_HASH}'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

export function mountDocs(app: ApiApp): void {
  app.doc31('/openapi.json', DOCUMENT);
  app.openAPIRegistry.registerComponent('securitySchemes', 'eid', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A level-1 or level-2 e-ID token (compact JWS).',
  });

  // Rendered once, at the first request: every route is registered by then, and they do not change.
  let page: string | undefined;
  app.get('/docs', (c) => {
    page ??= renderApiReference(app.getOpenAPI31Document(DOCUMENT) as unknown as ApiDocument, {
      openapi: '/api/openapi.json',
    });
    c.header('content-security-policy', PAGE_POLICY);
    c.header('cache-control', 'no-cache');
    return c.html(page);
  });
}
