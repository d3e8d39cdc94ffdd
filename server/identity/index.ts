// The identity domain's wiring: the token verifier (the configured e-ID provider, or the built-in
// demo provider), authentication middleware, the identity routes, and the start-up role grants.
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import type { Hono, MiddlewareHandler } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseCookies } from 'hono/utils/cookie';
import type { AppEnv } from './person.ts';
import { authenticateRequest, requestLimits } from './auth-middleware.ts';
import { authenticate, PersonCache, type Authenticated, type AuthenticatorDeps } from './authenticate.ts';
import type { Result } from '../shared/errors.ts';
import { admitSocket, createLimits, type IdentityLimits } from './rate-limit.ts';
import { SessionStore } from './sessions.ts';
import { configuredSignInClient, createSignInClient, demoMetadata, type SignInClient } from './oidc-client.ts';
import { cookieNames, signInRoutes } from './signin-routes.ts';
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
  /**
   * The socket adapter of ./authenticate.ts: a socket.io handshake's token is verified like a Bearer
   * token, else its session cookie is looked up, else the socket is anonymous (ok without a person).
   * A bad token is refused, as over HTTP. `recheck`: a socket's bid checking its credentials again,
   * which may read the session from the short-lived cache (SessionStore.findCached); the handshake
   * itself always reads it afresh.
   */
  authenticateSocket(handshake: SocketHandshake, options?: { recheck?: boolean }): Promise<Result<Authenticated>>;
  /**
   * Counts one socket.io connection against its person (signed in) or its address (anonymous,
   * loopback excepted): 0 when admitted, else the seconds until one more would be.
   */
  admitSocket(ip: string, pid: string | undefined): number;
  sessions: SessionStore;
  limits: IdentityLimits;
  close(): Promise<void>;
}

export interface SocketHandshake {
  token?: unknown;
  cookieHeader?: string;
  /** The client's address, for the token-failure limit (from the handshake, with TRUST_PROXY rules). */
  ip?: string;
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
    organisationClaims: config.eid.organisationClaims,
    trustProxy: config.trustProxy,
    db: ctx.db,
    log: ctx.log,
  });
}

function startupGrants(ctx: AppContext): StartupGrant[] {
  const grants: StartupGrant[] = ctx.config.adminPids.map((pid) => ({
    pid,
    name: null,
    level: 1,
    role: 'admin',
    source: 'ADMIN_PIDS',
  }));
  if (ctx.config.eid.demo) {
    for (const p of DEMO_PERSONAS)
      for (const role of p.roles)
        grants.push({
          pid: p.pid,
          name: p.name,
          level: p.level,
          role,
          source: 'demo persona',
          ...(p.manages ? { organisation: p.manages } : {}),
        });
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
  const limits = createLimits(ctx.config.rateLimits);
  const sessions = new SessionStore(ctx);
  const names = cookieNames(ctx.config.publicOrigin?.startsWith('https://') ?? false);
  let client: SignInClient | undefined;
  if (demo)
    client = createSignInClient({
      issuer: demo.issuer,
      clientId: demo.clientId,
      scopes: eid.scopes,
      metadata: demoMetadata(demo.issuer),
      forceLogin: true,
      allowHttp: true,
    });
  else client = configuredSignInClient(ctx.config);
  const granted = await grantAtStart(ctx, startupGrants(ctx));
  if (granted) ctx.log.info({ granted }, 'roles granted at start');

  const core: AuthenticatorDeps = { ctx, verifier, cache: personCache, limits, sessions };
  function authenticateSocket(
    handshake: SocketHandshake,
    options: { recheck?: boolean } = {},
  ): Promise<Result<Authenticated>> {
    const given =
      handshake.token === undefined || handshake.token === null || handshake.token === '' ? undefined : handshake.token;
    return authenticate(core, {
      token: given === undefined ? undefined : typeof given === 'string' ? given.replace(/^Bearer\s+/i, '') : null,
      sessionCookie: handshake.cookieHeader
        ? parseCookies(handshake.cookieHeader, names.session)[names.session]
        : undefined,
      ip: handshake.ip ?? 'unknown',
      recheck: options.recheck,
    });
  }

  return {
    verifier,
    personCache,
    sessions,
    limits,
    authenticate: [authenticateRequest(core, names.session), requestLimits(ctx, limits)],
    routers: [{ path: '/', app: identityRoutes(ctx, { personCache }) }],
    rootRouters: [
      {
        path: '/auth',
        app: signInRoutes(ctx, {
          client,
          verifier,
          sessions,
          limits,
          callbackUrls: callbackUrls(ctx.config),
          localTokenRequests: !!demo,
        }),
      },
    ],
    nodeMounts: demo ? [{ prefix: DEMO_IDP_PREFIX, handle: demo.handle }] : [],
    authenticateSocket,
    admitSocket: (ip, pid) => admitSocket(limits, ip, pid),
    close: async () => {},
  };
}
