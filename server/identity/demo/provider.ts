// The built-in demo identity provider: a real OpenID provider (panva's oidc-provider) mounted under
// /demo-idp, standing in for the national e-ID when EID_ISSUER is unset outside production. People
// sign in by choosing a demo persona on its interaction page; ID tokens are ES256 and carry `loa`,
// and for the personas who act for an organisation its claims (EID_ORGANISATION_*_CLAIM, issue 19).
// Its grants, codes and sessions are kept in the platform database (adapter.ts) and its signing key
// in DATA_DIR (keys.ts), so sign-ins and tokens survive restarts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../../shared/log.ts';
import { DEMO_PERSONAS, findPersona } from './personas.ts';
import { publicJwk, type DemoKeys } from './keys.ts';
import { personaPage, readForm } from './persona-page.ts';
import { databaseAdapter } from './adapter.ts';
import type { Db } from '../../../db/client.ts';
import type { Config } from '../../config.ts';

export const DEMO_IDP_PREFIX = '/demo-idp';
/** The browser sign-in client the platform registers with its own demo provider. */
export const DEMO_CLIENT_ID = 'auction-platform-web';

export interface DemoProvider {
  issuer: string;
  clientId: string;
  /** The public signing keys, for the verifier (no network hop). */
  jwks: { keys: Record<string, unknown>[] };
  /** The plain Node handler for everything under /demo-idp. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export interface DemoProviderOptions {
  issuer: string;
  keys: DemoKeys;
  /** Redirect URIs of the platform's sign-in client (…/auth/callback). */
  redirectUris: string[];
  /** The level-of-assurance claim name (EID_LEVEL_CLAIM). */
  levelClaim: string;
  /** The organisation claims' names (EID_ORGANISATION_*_CLAIM). */
  organisationClaims: Config['eid']['organisationClaims'];
  trustProxy: boolean;
  /** Where the provider keeps its state; omitted: oidc-provider's in-memory store (one process). */
  db?: Db;
  log: Logger;
}

/** The demo provider's issuer: the platform's public origin, or localhost on its port. */
export function demoIssuer(config: { publicOrigin?: string; port: number }): string {
  return `${config.publicOrigin ?? `http://localhost:${config.port}`}${DEMO_IDP_PREFIX}`;
}

export function createDemoProvider(options: DemoProviderOptions): DemoProvider {
  const { issuer, keys, levelClaim, organisationClaims: org, log } = options;
  // Released with the `openid` scope (EID_SCOPES' default), so every sign-in's ID token carries them.
  const released = ['sub', 'name', 'birthdate', levelClaim, org.identifier, org.name, org.role];
  const configuration: Configuration = {
    ...(options.db ? { adapter: databaseAdapter(options.db) } : {}),
    clients: [
      {
        client_id: DEMO_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        redirect_uris: options.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [keys.signing as never] },
    // Cookies become Secure by themselves when the request is https (behind a proxy: TRUST_PROXY).
    cookies: { keys: keys.cookieKeys },
    pkce: { required: () => true },
    responseTypes: ['code'],
    // Every claim rides in the ID token: the platform reads name, level and the organisation the person
    // acts for from it, never userinfo.
    conformIdTokenClaims: false,
    claims: { openid: released },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      revocation: { enabled: false },
      introspection: { enabled: false },
    },
    interactions: { url: (_ctx, interaction) => `${DEMO_IDP_PREFIX}/interaction/${interaction.uid}` },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, IdToken: 600, AccessToken: 600 },
    findAccount: async (_ctx, sub) => {
      const persona = findPersona(sub);
      if (!persona) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          name: persona.name,
          birthdate: persona.birthdate,
          [levelClaim]: persona.level,
          ...(persona.organisation
            ? {
                [org.identifier]: persona.organisation.identifier,
                [org.name]: persona.organisation.name,
                [org.role]: persona.organisation.role,
              }
            : {}),
        }),
      };
    },
    // The platform is a first-party client: no consent screen, the grant covers what was asked.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope([...(ctx.oidc.requestParamScopes ?? new Set(['openid']))].join(' '));
      grant.addOIDCClaims(released);
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><meta charset="utf-8"><title>Lỗi đăng nhập</title><p>Đăng nhập không thành công (sign-in failed): ${escapeHtml(String(out.error))}</p><p><a href="/">Về trang chủ (home)</a></p>`;
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = options.trustProxy;
  provider.on('server_error', (_ctx, err) => log.error({ err }, 'demo identity provider error'));
  const callback = provider.callback();
  const formAction = ["'self'", ...new Set(options.redirectUris.map((u) => new URL(u).origin))].join(' ');

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, rest: string): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction cookie does not match the page');
    if (rest === '' && req.method === 'GET') {
      if (details.prompt.name !== 'login') {
        // Consent is implied for the first-party client (see loadExistingGrant).
        return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
      }
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.setHeader(
        'content-security-policy',
        `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
      );
      res.setHeader('x-frame-options', 'DENY');
      res.end(personaPage({ uid: details.uid, personas: DEMO_PERSONAS, prefix: DEMO_IDP_PREFIX }));
      return;
    }
    if (rest === '/login' && req.method === 'POST') {
      const form = await readForm(req);
      const persona = findPersona(form.get('pid') ?? '');
      if (!persona) {
        res.statusCode = 400;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('Không có người dùng mẫu này (no such demo persona).');
        return;
      }
      const returnTo = await provider.interactionResult(
        req,
        res,
        { login: { accountId: persona.pid } },
        { mergeWithLastSubmission: false },
      );
      // Switching persona: the provider would first run a script-driven sign-out of the previous
      // one. Instead its session forgets the previous persona (and grants) before it resumes.
      if (details.session?.accountId && details.session.accountId !== persona.pid && details.session.uid) {
        const previous = await provider.Session.findByUid(details.session.uid);
        if (previous) {
          previous.accountId = undefined;
          previous.authorizations = undefined;
          await previous.persist();
        }
      }
      res.statusCode = 303;
      res.setHeader('location', returnTo);
      res.end();
      return;
    }
    if (rest === '/abort' && req.method === 'POST') {
      return provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The person cancelled the sign-in.' },
        { mergeWithLastSubmission: false },
      );
    }
    res.statusCode = 404;
    res.end('Not found');
  }

  return {
    issuer,
    clientId: DEMO_CLIENT_ID,
    jwks: { keys: [publicJwk(keys.signing) as Record<string, unknown>] },
    handle(req, res) {
      const original = req.url ?? '/';
      const stripped = original.slice(DEMO_IDP_PREFIX.length) || '/';
      const match = /^\/interaction\/([\w-]+)(\/login|\/abort)?(?:\?.*)?$/.exec(stripped);
      if (match) {
        interaction(req, res, match[1], match[2] ?? '').catch((err: unknown) => {
          log.info({ err }, 'demo sign-in interaction failed');
          if (res.headersSent) return void res.end();
          res.statusCode = 400;
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end(
            `<!doctype html><meta charset="utf-8"><p>Phiên đăng nhập đã hết hạn hoặc không hợp lệ (the sign-in expired or is invalid).</p><p><a href="/auth/signin">Đăng nhập lại (sign in again)</a></p>`,
          );
        });
        return;
      }
      // oidc-provider finds its mount path the way Express mounts apps: originalUrl minus url.
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = original;
      req.url = stripped;
      void callback(req, res);
    },
  };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
