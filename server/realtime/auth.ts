// Socket handshake authentication. Anonymous sockets are welcome (they may watch). A socket that
// presents credentials (auth.token, an e-ID token; or the browser's session cookie) is checked like an
// HTTP request: bad credentials refuse the connection with UNAUTHENTICATED rather than silently
// downgrading it to anonymous, so a client never believes it can bid when it cannot.
import type { Socket } from 'socket.io';
import type { AppContext } from '../context.ts';
import type { Identity } from '../identity/index.ts';
import type { Person } from '../identity/person.ts';
import { GENERIC_AUTH_MESSAGE, resolvePerson } from '../identity/auth-middleware.ts';
import type { AckError } from './events.ts';

export type SocketAuth = { ok: true; person?: Person; expiresAtMs?: number } | { ok: false };

/** What the identity domain offers for sockets (session cookies as well as Bearer tokens). */
type SocketAuthenticator = (input: { token?: string; cookieHeader?: string }) => Promise<{ ok: true; person?: Person; expiresAtMs?: number } | { ok: false }>;

/** An Error whose `data` socket.io sends to the client with connect_error. */
export class HandshakeError extends Error {
  readonly data: { error: AckError };
  constructor(error: AckError) {
    super(error.code);
    this.data = { error };
  }
}

/** Authenticates one handshake. */
export async function authenticateHandshake(ctx: AppContext, identity: Identity, socket: Socket): Promise<SocketAuth> {
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  const token = auth.token;
  if (token !== undefined && token !== null && typeof token !== 'string') return { ok: false };
  const given = typeof token === 'string' && token.length > 0 ? token : undefined;
  const withSocket = identity as Identity & { authenticateSocket?: SocketAuthenticator };
  if (typeof withSocket.authenticateSocket === 'function') {
    return withSocket.authenticateSocket({ token: given, cookieHeader: socket.handshake.headers.cookie });
  }
  if (!given) return { ok: true };
  const outcome = await identity.verifier.verify(given);
  if (!outcome.ok) return { ok: false };
  const person = await resolvePerson(ctx, identity.personCache, outcome.token, 'bearer');
  return { ok: true, person, expiresAtMs: outcome.token.expiresAt * 1000 };
}

export const UNAUTHENTICATED: AckError = { code: 'UNAUTHENTICATED', message: GENERIC_AUTH_MESSAGE };
