// The OpenAPI description (/api/openapi.json), generated from the routes' zod schemas, and an
// interactive reference (/api/docs) rendered by Scalar from a bundle served locally (no CDN).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Scalar } from '@scalar/hono-api-reference';
import type { MiddlewareHandler } from 'hono';
import type { ApiApp } from './app.ts';
import type { AppEnv } from '../identity/person.ts';

const require = createRequire(import.meta.url);

export function mountDocs(app: ApiApp): void {
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Online asset auctions API',
      version: '1.0.0',
      description:
        'Identity-verified live bidding. Money is an integer number of VND; times are ISO-8601 UTC. Errors are {"error":{"code","message"}}. Authenticate with an e-ID token as `Authorization: Bearer …`, or with the browser session cookie plus the `x-csrf-token` header.',
    },
    servers: [{ url: '/api' }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'eid', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A level-1 or level-2 e-ID token (compact JWS).' });

  let bundle: Buffer | undefined;
  app.get('/docs/scalar.js', (c) => {
    bundle ??= fs.readFileSync(require.resolve('@scalar/api-reference/browser/standalone.js'));
    c.header('cache-control', 'public, max-age=86400');
    return c.body(new Uint8Array(bundle), 200, { 'content-type': 'text/javascript; charset=utf-8' });
  });
  app.get('/docs', async (c, next) => {
    const nonce = crypto.randomUUID().replaceAll('-', '');
    const render = Scalar({ url: '/api/openapi.json', cdn: '/api/docs/scalar.js', pageTitle: 'Auction platform API', nonce }) as unknown as MiddlewareHandler<AppEnv>;
    c.header('content-security-policy', `default-src 'none'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'`);
    return render(c, next);
  });
}
