// Browser sign-in under /auth: GET /auth/signin sends the browser to the e-ID provider (code + PKCE,
// state and nonce kept in a short-lived httpOnly cookie), GET /auth/callback exchanges the code,
// checks the ID token with the platform's jose verifier (audience = the client id, the nonce sent),
// opens a server-side session and redirects home; POST /auth/signout revokes the session.
import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import type { AppContext } from '../context.ts';
import { AppError, refuse } from '../shared/errors.ts';
import { limitBody } from '../http/body-limits.ts';
import { errorBody } from '../http/error-body.ts';
import type { AppEnv } from './person.ts';
import type { TokenVerifier } from './token-verifier.ts';
import type { SignInClient, PendingSignIn } from './oidc-client.ts';
import { clientIp, rateLimited, type IdentityLimits } from './rate-limit.ts';
import { sameSecret, type SessionStore } from './sessions.ts';
import { pageLocale, signInErrorPage } from './signin-error-page.ts';

export interface CookieNames {
  session: string;
  signIn: string;
}

export function cookieNames(secure: boolean): CookieNames {
  // __Host- cookies are only accepted when Secure, with Path=/ and no Domain: no subdomain can set them.
  return secure
    ? { session: '__Host-auction_session', signIn: '__Host-auction_signin' }
    : { session: 'auction_session', signIn: 'auction_signin' };
}

export interface SignInDeps {
  client: SignInClient | undefined;
  verifier: TokenVerifier;
  sessions: SessionStore;
  limits: IdentityLimits;
  /** Allowed redirect URIs; the first is the default, others are picked by the request's Host. */
  callbackUrls: string[];
  /** Demo provider in this process: send the token request straight to the local socket. */
  localTokenRequests: boolean;
}

const RETURN_TO = /^\/(?![/\\])[^\s\\]{0,500}$/;

function wantsHtml(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('text/html');
}

export function signInRoutes(ctx: AppContext, deps: SignInDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const secure = ctx.config.publicOrigin?.startsWith('https://') ?? false;
  const names = cookieNames(secure);
  const cookieBase = { httpOnly: true, secure, sameSite: 'Lax' as const, path: '/' };

  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
      },
      strictTransportSecurity: secure ? 'max-age=31536000; includeSubDomains' : false,
      xFrameOptions: 'DENY',
      // The callback URL carries the authorization code: never send it on as a referrer.
      referrerPolicy: 'no-referrer',
    }),
  );
  // The API's body limit, checked before anything is read (a sign-out form is a few bytes).
  const limit = ctx.config.bodyLimitBytes;
  app.use(
    '*',
    limitBody(limit, () => {
      throw AppError.of('body_too_large', { maxBytes: limit });
    }),
  );

  const limitSignIn = (c: Context): void => {
    const ip = clientIp(c, ctx.config.trustProxy);
    const wait = deps.limits.signIn.retryAfter(ip);
    if (wait) throw rateLimited(wait, 'sign-in attempts');
    deps.limits.signIn.hit(ip);
  };
  const client = (): SignInClient => {
    if (!deps.client) throw AppError.of('signin_not_configured');
    return deps.client;
  };
  const redirectUriFor = (c: Context): string => {
    const host = c.req.header('host');
    return deps.callbackUrls.find((u) => new URL(u).host === host) ?? deps.callbackUrls[0];
  };

  app.get('/signin', async (c) => {
    limitSignIn(c);
    const returnTo = c.req.query('returnTo') ?? '/';
    // ?fresh=1: authenticate again now, for an act that needs a fresh sign-in (signing the record).
    const fresh = c.req.query('fresh') === '1';
    const { url, pending } = await client().start(
      redirectUriFor(c),
      RETURN_TO.test(returnTo) && !returnTo.startsWith('/auth/') ? returnTo : '/',
      fresh ? { fresh: { maxAgeSeconds: ctx.config.award.freshSignInMaxAgeSeconds } } : {},
    );
    setCookie(c, names.signIn, Buffer.from(JSON.stringify(pending)).toString('base64url'), {
      ...cookieBase,
      maxAge: 600,
    });
    c.header('cache-control', 'no-store');
    return c.redirect(url.href, 302);
  });

  app.get('/callback', async (c) => {
    limitSignIn(c);
    const raw = getCookie(c, names.signIn);
    deleteCookie(c, names.signIn, cookieBase);
    c.header('cache-control', 'no-store');
    const pending = raw ? parsePending(raw) : undefined;
    if (!pending || !deps.callbackUrls.includes(pending.redirectUri)) throw AppError.of('signin_expired');
    const current = new URL(c.req.url);
    const callback = new URL(pending.redirectUri);
    callback.search = current.search;
    if (c.req.query('error') === 'access_denied') return c.redirect('/?signin=cancelled', 303);
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const tokenOrigin =
      deps.localTokenRequests && incoming?.socket.localPort
        ? `http://${formatHost(incoming.socket.localAddress)}:${incoming.socket.localPort}`
        : undefined;
    const exchanged = await client().finish(callback, pending, { tokenOrigin });
    if (!exchanged.ok) {
      ctx.log.info({ reason: exchanged.message }, 'sign-in refused');
      throw AppError.of(exchanged.code === 'FORBIDDEN' ? 'signin_refused' : 'signin_not_confirmed');
    }
    const verified = await deps.verifier.verify(exchanged.value.idToken, {
      audience: client().clientId,
      nonce: pending.nonce,
    });
    if (!verified.ok) {
      deps.limits.tokenFailures.hit(clientIp(c, ctx.config.trustProxy));
      throw AppError.of('signin_not_confirmed');
    }
    const session = await deps.sessions.create(verified.token, client().issuer);
    if (!session.ok) {
      ctx.log.warn({ reason: session.message }, 'sign-in refused');
      throw AppError.of('signin_reused');
    }
    // A session this browser held before is ended, so a cookie planted earlier is worth nothing now.
    const previous = getCookie(c, names.session);
    const old = previous ? await deps.sessions.find(previous) : undefined;
    if (old) await deps.sessions.revoke(old);
    setCookie(c, names.session, session.value.id, { ...cookieBase, maxAge: ctx.config.session.maxHours * 3600 });
    // The session keeps the ID token's organisation claims (issue 19): the person acts for it while signed in.
    const representing = verified.token.level === 2 ? verified.token.organisation : undefined;
    ctx.log.info(
      {
        pid: verified.token.pid,
        level: verified.token.level,
        ...(representing ? { organisation: representing.identifier, organisationRole: representing.role } : {}),
      },
      'signed in',
    );
    return c.redirect(pending.returnTo, 303);
  });

  app.post('/signout', async (c) => {
    const value = getCookie(c, names.session);
    const session = value ? await deps.sessions.find(value) : undefined;
    if (session) {
      let sent = c.req.header('x-csrf-token');
      if (!sent && (c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
        const form = await c.req.parseBody();
        sent = typeof form.csrf === 'string' ? form.csrf : undefined;
      }
      if (!sent || !sameSecret(sent, session.csrfToken)) throw AppError.of('csrf_signout');
      await deps.sessions.revoke(session);
    }
    deleteCookie(c, names.session, cookieBase);
    c.header('cache-control', 'no-store');
    return wantsHtml(c) ? c.redirect('/', 303) : c.body(null, 204);
  });

  app.notFound((c) => c.json(errorBody(refuse('endpoint_unknown', { method: c.req.method, path: c.req.path })), 404));
  app.onError((err, c) => {
    const e = err instanceof AppError ? err : AppError.from(refuse('signin_unavailable'));
    if (e !== err) ctx.log.error({ err, path: c.req.path }, 'sign-in error');
    for (const [k, v] of Object.entries(e.headers ?? {})) c.header(k, v);
    c.header('cache-control', 'no-store');
    return wantsHtml(c)
      ? c.html(signInErrorPage(e, pageLocale(getCookie(c, 'lang'))), e.status as 400)
      : c.json(errorBody(e), e.status as 400);
  });
  return app;
}

function formatHost(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  if (address === '::' || address === '0.0.0.0') return '127.0.0.1';
  return address.includes(':') ? `[${address}]` : address;
}

function parsePending(raw: string): PendingSignIn | undefined {
  try {
    const p = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<PendingSignIn>;
    const fields = [p.state, p.nonce, p.verifier, p.redirectUri, p.returnTo];
    if (!fields.every((f) => typeof f === 'string' && f.length > 0 && f.length < 1000)) return undefined;
    if (!RETURN_TO.test(p.returnTo!)) return undefined;
    return p as PendingSignIn;
  } catch {
    return undefined;
  }
}
