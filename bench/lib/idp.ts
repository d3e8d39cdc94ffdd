// A loopback e-ID provider for the benchmark: the tests' provider (test/support/eid.ts) on 127.0.0.1,
// with its ES256 key, OpenID discovery document and JWKS, and two ways in:
//  - API tokens minted directly (`token`), which the platform under test verifies against the JWKS
//    exactly as it would the national provider's: every bid of the storm carries one;
//  - browser sign-in (the day scenario's opening rush): a real authorization endpoint (code + PKCE
//    S256, state, nonce) and token endpoint (the PKCE verifier checked, codes single-use, an ID token
//    signed with the provider's key for the platform's client id, the nonce echoed). The bench's
//    browsers add `login_hint=<personal id>` to the authorization URL, standing for the person typing
//    their id into the provider's form.
import { startTestIdp } from '../../test/support/eid.ts';

export const BENCH_AUDIENCE = 'auction-platform';
/** The platform's client id at the provider (browser sign-in); the ID tokens' audience. */
export const BENCH_CLIENT_ID = BENCH_AUDIENCE;

export interface BenchIdp {
  issuer: string;
  /** The platform's e-ID settings: API tokens, and browser sign-in with the bench's client id. */
  env(): Record<string, string>;
  /** A token valid for two hours for the given 12-digit personal id at level 2. */
  token(pid: string, name: string): Promise<string>;
  /** Requests of the browser sign-in so far (authorization, token): how many the provider answered. */
  signInRequests(): { authorize: number; token: number };
  close(): Promise<void>;
}

export async function startBenchIdp(): Promise<BenchIdp> {
  const idp = await startTestIdp();
  const counts = { authorize: 0, token: 0 };
  return {
    issuer: idp.issuer,
    env: () => ({ ...idp.env(), EID_AUDIENCE: BENCH_AUDIENCE, EID_CLIENT_ID: BENCH_CLIENT_ID }),
    token: (pid, name) => {
      // The provider's people: signing in later by login_hint, a person keeps this name.
      idp.names.set(pid, name);
      const now = Math.floor(Date.now() / 1000);
      return idp.token({ sub: pid, name, loa: 2, aud: BENCH_AUDIENCE, iat: now, exp: now + 7200 });
    },
    signInRequests: () => {
      // The tests' provider keeps every request path; count the new ones and let them go.
      for (const r of idp.requests.splice(0)) {
        if (r.startsWith('/authorize?')) counts.authorize++;
        else if (r === '/token') counts.token++;
      }
      return { ...counts };
    },
    close: () => idp.close(),
  };
}

/** Personal ids for the bench population: Hồ Chí Minh City (079), born 1995, then a serial. */
export function benchPid(group: number, i: number): string {
  return `0792950${group}${String(i).padStart(4, '0')}`;
}
