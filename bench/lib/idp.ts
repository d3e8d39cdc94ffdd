// A loopback e-ID provider for the benchmark: one ES256 key, an OpenID discovery document and a JWKS
// on 127.0.0.1, and token minting with jose. The platform under test verifies every bid's token
// against it exactly as it would against the national provider.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export const BENCH_AUDIENCE = 'auction-platform';

export interface BenchIdp {
  issuer: string;
  env(): Record<string, string>;
  /** A token valid for two hours for the given 12-digit personal id at level 2. */
  token(pid: string, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startBenchIdp(): Promise<BenchIdp> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `bench-${Date.now().toString(36)}`;
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
  let issuer = '';
  const server = http.createServer((req, res) => {
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
      res.end(jwks);
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    env: () => ({ EID_ISSUER: issuer, EID_AUDIENCE: BENCH_AUDIENCE, EID_JWKS_URL: `${issuer}/jwks.json` }),
    token: (pid, name) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ loa: 2, name, jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
        .setIssuer(issuer)
        .setAudience(BENCH_AUDIENCE)
        .setSubject(pid)
        .setIssuedAt(now)
        .setExpirationTime(now + 7200)
        .sign(privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Personal ids for the bench population: Hồ Chí Minh City (079), born 1995, then a serial. */
export function benchPid(group: number, i: number): string {
  return `0792950${group}${String(i).padStart(4, '0')}`;
}
