// The OpenID Connect relying party for browser sign-in, through oauth4webapi: the authorization
// request (authorization code, PKCE S256, state, nonce) and the code exchange. The ID token that
// comes back is then checked by the platform's own jose verifier (see signin-routes.ts), so browser
// and API tokens pass one set of rules.
import * as oauth from 'oauth4webapi';
import type { Config } from '../config.ts';
import { fail, ok, type Result } from '../shared/errors.ts';

/** What the browser keeps (in a short-lived httpOnly cookie) between sign-in and callback. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  returnTo: string;
}

export interface SignInClient {
  clientId: string;
  issuer: string;
  /** The provider URL to send the browser to, and what to remember until the callback. */
  /**
   * `fresh`: the person must authenticate again now (prompt=login, and max_age so the ID token carries
   * auth_time): a signature after the close asks for it.
   */
  start(
    redirectUri: string,
    returnTo: string,
    opts?: { fresh?: { maxAgeSeconds: number } },
  ): Promise<{ url: URL; pending: PendingSignIn }>;
  /**
   * Checks the callback parameters and exchanges the code; returns the raw ID token.
   * `tokenOrigin` (demo provider) sends the token request straight to this process.
   */
  finish(
    callbackUrl: URL,
    pending: PendingSignIn,
    options?: { tokenOrigin?: string },
  ): Promise<Result<{ idToken: string }>>;
}

export interface SignInClientOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  /** Known metadata (the demo provider); otherwise discovered from the issuer. */
  metadata?: oauth.AuthorizationServer;
  /** Ask the provider to show its sign-in page even when it has a session (demo persona switching). */
  forceLogin?: boolean;
  allowHttp: boolean;
}

export function createSignInClient(options: SignInClientOptions): SignInClient {
  const client: oauth.Client = { client_id: options.clientId };
  const auth = options.clientSecret ? oauth.ClientSecretBasic(options.clientSecret) : oauth.None();
  const http = { [oauth.allowInsecureRequests]: options.allowHttp };
  let metadata: Promise<oauth.AuthorizationServer> | undefined = options.metadata
    ? Promise.resolve(options.metadata)
    : undefined;
  const server = (): Promise<oauth.AuthorizationServer> =>
    (metadata ??= (async () => {
      const issuer = new URL(options.issuer);
      const res = await oauth.discoveryRequest(issuer, {
        algorithm: 'oidc',
        signal: AbortSignal.timeout(5_000),
        ...http,
      });
      return oauth.processDiscoveryResponse(issuer, res);
    })().catch((err: unknown) => {
      metadata = undefined;
      throw err;
    }));

  return {
    clientId: options.clientId,
    issuer: options.issuer,
    async start(redirectUri, returnTo, opts = {}) {
      const as = await server();
      if (!as.authorization_endpoint) throw new Error('the provider has no authorization endpoint');
      const pending: PendingSignIn = {
        state: oauth.generateRandomState(),
        nonce: oauth.generateRandomNonce(),
        verifier: oauth.generateRandomCodeVerifier(),
        redirectUri,
        returnTo,
      };
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set(
        'scope',
        options.scopes.split(/\s+/).includes('openid') ? options.scopes : `openid ${options.scopes}`,
      );
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      url.searchParams.set('state', pending.state);
      url.searchParams.set('nonce', pending.nonce);
      if (options.forceLogin || opts.fresh) url.searchParams.set('prompt', 'login');
      if (opts.fresh) url.searchParams.set('max_age', String(opts.fresh.maxAgeSeconds));
      return { url, pending };
    },
    async finish(callbackUrl, pending, finishOptions = {}) {
      const as = await server();
      let params: URLSearchParams;
      try {
        params = oauth.validateAuthResponse(as, client, callbackUrl, pending.state);
      } catch (err) {
        const e = err as { error?: string; message: string; cause?: URLSearchParams };
        const providerError = e.cause instanceof URLSearchParams ? e.cause.get('error') : undefined;
        return fail(
          providerError === 'access_denied' ? 'FORBIDDEN' : 'UNAUTHENTICATED',
          `sign-in response refused: ${providerError ?? e.message}`,
        );
      }
      const tokenOrigin = finishOptions.tokenOrigin;
      const fetchImpl: typeof fetch = tokenOrigin
        ? (input, init) => {
            const url = new URL(input instanceof Request ? input.url : String(input));
            return fetch(new URL(url.pathname + url.search, tokenOrigin), init);
          }
        : fetch;
      try {
        const res = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          params,
          pending.redirectUri,
          pending.verifier,
          { ...http, [oauth.customFetch]: fetchImpl, signal: AbortSignal.timeout(10_000) },
        );
        const result = await oauth.processAuthorizationCodeResponse(as, client, res, {
          expectedNonce: pending.nonce,
          requireIdToken: true,
        });
        if (!result.id_token) return fail('UNAUTHENTICATED', 'the provider returned no ID token');
        return ok({ idToken: result.id_token });
      } catch (err) {
        return fail('UNAUTHENTICATED', `code exchange failed: ${(err as Error).message}`);
      }
    },
  };
}

/** The demo provider's metadata, known without a network round trip. */
export function demoMetadata(issuer: string): oauth.AuthorizationServer {
  return {
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    id_token_signing_alg_values_supported: ['ES256'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
}

/** The sign-in client for the configured provider, or undefined when browser sign-in is not set up. */
export function configuredSignInClient(config: Config): SignInClient | undefined {
  const { eid } = config;
  if (!eid.issuer || !eid.clientId) return undefined;
  return createSignInClient({
    issuer: eid.issuer,
    clientId: eid.clientId,
    clientSecret: eid.clientSecret,
    scopes: eid.scopes,
    allowHttp: config.env !== 'production',
  });
}
