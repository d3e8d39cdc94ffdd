// The identity domain's wiring: the token verifier (the configured e-ID provider, or the built-in
// demo provider), authentication middleware, the identity routes, and the start-up role grants.
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import type { Hono, MiddlewareHandler } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppEnv } from './person.ts';
import { bearerAuth, PersonCache } from './auth-middleware.ts';
import { createTokenVerifier, localKeys, type TokenVerifier } from './token-verifier.ts';
import { identityRoutes } from './routes.ts';
import { grantAtStart, type StartupGrant } from './roles.ts';
import { createDemoProvider, demoIssuer, DEMO_IDP_PREFIX, type DemoProvider } from './demo/provider.ts';
import { loadOrCreateDemoKeys } from './demo/keys.ts';
import { DEMO_PERSONAS } from './demo/personas.ts';

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

/** The redirect URIs of the platform's browser sign-in client. */
export function callbackUrls(config: AppContext['config']): string[] {
  if (config.publicOrigin) return [`${config.publicOrigin}/auth/callback`];
  return [`http://localhost:${config.port}/auth/callback`, `http://127.0.0.1:${config.port}/auth/callback`];
}

async function startDemoProvider(ctx: AppContext): Promise<DemoProvider> {
  const { config } = ctx;
  if (config.env === 'production') throw new Error('the demo identity provider is never run in production');
  return createDemoProvider({
    issuer: demoIssuer(config),
    keys: await loadOrCreateDemoKeys(config.dataDir),
    redirectUris: callbackUrls(config),
    levelClaim: config.eid.levelClaim,
    secureCookies: config.publicOrigin?.startsWith('https://') ?? false,
    trustProxy: config.trustProxy,
    log: ctx.log,
  });
}

function startupGrants(ctx: AppContext): StartupGrant[] {
  const grants: StartupGrant[] = ctx.config.adminPids.map((pid) => ({ pid, name: null, level: 1, role: 'admin', source: 'ADMIN_PIDS' }));
  if (ctx.config.eid.demo) {
    for (const p of DEMO_PERSONAS) for (const role of p.roles) grants.push({ pid: p.pid, name: p.name, level: p.level, role, source: 'demo persona' });
  }
  return grants;
}

export async function createIdentity(ctx: AppContext): Promise<Identity> {
  const { eid } = ctx.config;
  let verifier: TokenVerifier;
  let demo: DemoProvider | undefined;
  if (eid.demo || !eid.issuer) {
    demo = await startDemoProvider(ctx);
    verifier = createTokenVerifier({ eid, issuer: demo.issuer, keys: localKeys(demo.jwks), log: ctx.log });
  } else {
    const keys = eid.jwksUrl ? { jwksUrl: new URL(eid.jwksUrl) } : ({ discover: true } as const);
    verifier = createTokenVerifier({ eid, issuer: eid.issuer, keys, log: ctx.log });
  }
  const personCache = new PersonCache();
  const granted = await grantAtStart(ctx, startupGrants(ctx));
  if (granted) ctx.log.info({ granted }, 'roles granted at start');
  return {
    verifier,
    personCache,
    authenticate: [bearerAuth(ctx, verifier, personCache)],
    routers: [{ path: '/', app: identityRoutes(ctx, { personCache }) }],
    nodeMounts: demo ? [{ prefix: DEMO_IDP_PREFIX, handle: demo.handle }] : [],
    close: async () => {},
  };
}
