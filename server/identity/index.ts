// The identity domain's wiring: the token verifier (the configured e-ID provider, or the built-in
// demo provider), authentication middleware, and the identity routes.
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import type { Hono, MiddlewareHandler } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppEnv } from './person.ts';
import { bearerAuth, PersonCache } from './auth-middleware.ts';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.ts';
import { identityRoutes } from './routes.ts';

export interface Identity {
  verifier: TokenVerifier;
  personCache: PersonCache;
  authenticate: MiddlewareHandler<AppEnv>[];
  /** Sub-apps mounted under /api. */
  routers: { path: string; app: ApiApp }[];
  /** Hono apps mounted at the root (browser sign-in under /auth). */
  rootRouters?: { path: string; app: Hono<AppEnv> }[];
  /** Plain Node handlers that own a path prefix (the demo OpenID provider under /demo-idp). */
  nodeMounts?: { prefix: string; handle: (req: IncomingMessage, res: ServerResponse) => void }[];
  close(): Promise<void>;
}

export async function createIdentity(ctx: AppContext): Promise<Identity> {
  const { eid } = ctx.config;
  if (eid.demo || !eid.issuer) throw new Error('the demo identity provider is not built yet: set EID_ISSUER');
  const keys = eid.jwksUrl ? { jwksUrl: new URL(eid.jwksUrl) } : ({ discover: true } as const);
  const verifier = createTokenVerifier({ eid, issuer: eid.issuer, keys, log: ctx.log });
  const personCache = new PersonCache();
  return {
    verifier,
    personCache,
    authenticate: [bearerAuth(ctx, verifier, personCache)],
    routers: [{ path: '/', app: identityRoutes(ctx, { personCache }) }],
    close: async () => {},
  };
}
