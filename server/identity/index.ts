// The identity domain's wiring: the token verifier (the configured e-ID provider, or the built-in
// demo provider), authentication middleware, the identity routes, and the start-up role grants.
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import type { Hono, MiddlewareHandler } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseCookies } from 'hono/utils/cookie';
import type { AppEnv, Person } from './person.ts';
import {
  bearerAuth,
  personFromBearer,
  PersonCache,
  requestLimits,
  resolvePerson,
  sessionAuth,
} from './auth-middleware.ts';
import { AppError } from '../shared/errors.ts';
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
   * Authenticates a socket.io handshake: a token is verified like a Bearer token, else a session
   * cookie is looked up, else the socket is anonymous (ok without a person). A bad token is not ok.
   * `recheck`: a socket's bid checking its credentials again, which may read the session from the
   * short-lived cache (SessionStore.findCached); the handshake itself always reads it afresh.
   */
  authenticateSocket(handshake: SocketHandshake, options?: { recheck?: boolean }): Promise<SocketAuthResult>;
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
/** `sessionIdHash`: the browser session the socket stands for (its sockets share a room, to end them together). */
export type SocketAuthResult =
  { ok: true; person?: Person; sessionIdHash?: string } | { ok: false; code?: 'UNAUTHENTICATED' | 'RATE_LIMITED' };

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
        grants.push({ pid: p.pid, name: p.name, level: p.level, role, source: 'demo persona' });
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

  async function authenticateSocket(
    handshake: SocketHandshake,
    options: { recheck?: boolean } = {},
  ): Promise<SocketAuthResult> {
    const ip = handshake.ip ?? 'unknown';
    if (handshake.token !== undefined && handshake.token !== null && handshake.token !== '') {
      if (typeof handshake.token !== 'string') {
        limits.tokenFailures.hit(ip);
        return { ok: false, code: limits.tokenFailures.retryAfter(ip) ? 'RATE_LIMITED' : 'UNAUTHENTICATED' };
      }
      try {
        return {
          ok: true,
          person: await personFromBearer(
            ctx,
            verifier,
            personCache,
            limits,
            handshake.token.replace(/^Bearer\s+/i, ''),
            ip,
          ),
        };
      } catch (err) {
        if (err instanceof AppError && (err.code === 'UNAUTHENTICATED' || err.code === 'RATE_LIMITED'))
          return { ok: false, code: err.code };
        throw err;
      }
    }
    const value = handshake.cookieHeader
      ? parseCookies(handshake.cookieHeader, names.session)[names.session]
      : undefined;
    const session = value ? await (options.recheck ? sessions.findCached(value) : sessions.find(value)) : undefined;
    if (session)
      return {
        ok: true,
        person: await resolvePerson(ctx, personCache, session, 'session'),
        sessionIdHash: session.idHash,
      };
    return { ok: true };
  }

  return {
    verifier,
    personCache,
    sessions,
    limits,
    authenticate: [
      bearerAuth(ctx, verifier, personCache, limits),
      sessionAuth(ctx, sessions, personCache, names.session),
      requestLimits(ctx, limits),
    ],
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
