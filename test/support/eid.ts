// A loopback e-ID provider for tests: an ES256 key pair, an OpenID discovery document and a JWKS
// served on 127.0.0.1, and token minting with jose. Claims and headers can be overridden to build
// every kind of bad token.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
} from 'jose';

export const TEST_AUDIENCE = 'auction-platform';

export interface TestIdp {
  issuer: string;
  jwksUrl: string;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /** Every request path the provider received. */
  requests: string[];
  /** Mints a token; claims and header are merged over valid defaults (undefined removes a claim). */
  token(
    claims?: Partial<Record<string, unknown>> & { sub?: string; loa?: unknown },
    header?: Partial<JWTHeaderParameters>,
    key?: { privateKey: CryptoKey; kid: string },
  ): Promise<string>;
  /** Adds a new signing key (ES256 unless told) to the published JWKS and returns it. */
  rotate(alg?: string): Promise<{ privateKey: CryptoKey; kid: string }>;
  env(): Record<string, string>;
  /**
   * Browser sign-in (authorization code + PKCE) as a real provider does it: /authorize redirects back
   * with a code for `signInAs` (default: a new level-2 person), /token checks the PKCE verifier and
   * returns an ID token for the client. `reusableCodes` makes codes redeemable more than once (a
   * broken provider), to test that the platform itself refuses a replayed ID token.
   */
  signInAs: { sub?: string; loa?: unknown; name?: string; email?: string; email_verified?: boolean };
  /** Names by personal id, for people signed in by `login_hint` (else signInAs.name). */
  names: Map<string, string>;
  reusableCodes: boolean;
  close(): Promise<void>;
}

let pidCounter = 0;
/** A fresh 12-digit personal identification number, unique within the run. */
export function newPid(): string {
  pidCounter++;
  return `0${String(process.pid % 1000).padStart(3, '0')}${String(Date.now() % 100000).padStart(5, '0')}${String(pidCounter).padStart(3, '0')}`.slice(
    0,
    12,
  );
}

export async function startTestIdp(): Promise<TestIdp> {
  const keys: { privateKey: CryptoKey; kid: string; jwk: JWK }[] = [];
  const addKey = async (alg = 'ES256'): Promise<{ privateKey: CryptoKey; kid: string }> => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `k${keys.length + 1}-${Math.random().toString(36).slice(2, 8)}`;
    keys.push({ privateKey, kid, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } });
    return { privateKey, kid };
  };
  await addKey();
  let fetches = 0;
  const requests: string[] = [];
  let issuer = '';
  const codes = new Map<
    string,
    {
      clientId: string;
      redirectUri: string;
      challenge: string;
      nonce?: string;
      claims: Record<string, unknown>;
      idToken?: string;
    }
  >();
  const handleAuthorize = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const q = new URL(req.url ?? '/', issuer).searchParams;
    const redirect = new URL(q.get('redirect_uri') ?? '');
    const code = crypto.randomUUID();
    // `login_hint` (a personal id) stands for the person typing their own id into the provider's form:
    // the benchmark's browsers sign in as thousands of people at once (bench/lib/idp.ts).
    const hint = q.get('login_hint');
    const who = hint ? { ...idp.signInAs, sub: hint, name: idp.names.get(hint) ?? idp.signInAs.name } : idp.signInAs;
    codes.set(code, {
      clientId: q.get('client_id') ?? '',
      redirectUri: redirect.href,
      challenge: q.get('code_challenge') ?? '',
      nonce: q.get('nonce') ?? undefined,
      claims: {
        sub: who.sub ?? newPid(),
        loa: who.loa ?? 2,
        name: who.name ?? 'Nguyễn Văn An',
        ...(who.email !== undefined ? { email: who.email } : {}),
        ...(who.email_verified !== undefined ? { email_verified: who.email_verified } : {}),
      },
    });
    redirect.searchParams.set('code', code);
    redirect.searchParams.set('state', q.get('state') ?? '');
    res.statusCode = 302;
    res.setHeader('location', redirect.href);
    res.end();
  };
  const handleToken = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const entry = codes.get(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString(
      'base64url',
    );
    if (
      !entry ||
      entry.redirectUri !== form.get('redirect_uri') ||
      challenge !== entry.challenge ||
      form.get('grant_type') !== 'authorization_code'
    ) {
      res.statusCode = 400;
      return void res.end(JSON.stringify({ error: 'invalid_grant' }));
    }
    if (!idp.reusableCodes) codes.delete(form.get('code')!);
    entry.idToken ??= await idp.token({ ...entry.claims, aud: entry.clientId, nonce: entry.nonce });
    res.setHeader('cache-control', 'no-store');
    res.end(
      JSON.stringify({
        access_token: crypto.randomUUID(),
        token_type: 'Bearer',
        expires_in: 300,
        id_token: entry.idToken,
      }),
    );
  };
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      res.end(
        JSON.stringify({
          issuer,
          jwks_uri: `${issuer}/jwks.json`,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
        }),
      );
    } else if (req.url === '/jwks.json') {
      fetches++;
      res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
    } else if (req.url?.startsWith('/authorize?')) {
      handleAuthorize(req, res);
    } else if (req.url === '/token' && req.method === 'POST') {
      handleToken(req, res).catch(() => {
        res.statusCode = 500;
        res.end('{}');
      });
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const idp: TestIdp = {
    issuer,
    jwksUrl: `${issuer}/jwks.json`,
    signInAs: {},
    names: new Map(),
    reusableCodes: false,
    jwksFetches: () => fetches,
    requests,
    async token(claims = {}, header = {}, key = keys[0]) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = {
        iss: issuer,
        aud: TEST_AUDIENCE,
        sub: newPid(),
        loa: 2,
        name: 'Nguyễn Văn An',
        iat: now,
        exp: now + 900,
        jti: crypto.randomUUID(),
        ...claims,
      };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: key.kid, ...header } as JWTHeaderParameters)
        .sign(key.privateKey);
    },
    rotate: (alg?: string) => addKey(alg),
    env: () => ({ EID_ISSUER: issuer, EID_AUDIENCE: TEST_AUDIENCE, EID_JWKS_URL: `${issuer}/jwks.json` }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return idp;
}
