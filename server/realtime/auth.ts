// Socket handshake authentication. Anonymous sockets are welcome (they may watch). A socket that
// presents credentials (auth.token, an e-ID token; or the browser's session cookie) is checked by the
// identity domain's authentication core, as an HTTP request is: bad credentials refuse the connection
// (the same error as over HTTP, made by server/http/error-body.ts) rather than silently downgrading it
// to anonymous, so a client never believes it can bid when it cannot. A socket lives longer than a
// request: ./socket-people.ts keeps its person current (and ends it with its credentials).
import type { Socket } from 'socket.io';
import type { AppContext } from '../context.ts';
import type { Identity } from '../identity/index.ts';
import type { Authenticated } from '../identity/authenticate.ts';
import type { Result } from '../shared/errors.ts';
import type { AckError } from './events.ts';

export interface SocketCredentials {
  token?: unknown;
  /** Only when the handshake came from an allowed origin (cross-site WebSocket hijacking guard). */
  cookieHeader?: string;
  ip: string;
}

/** `sessionIdHash`: the browser session behind the socket; `expiresAtMs`: its token's expiry. */
export type SocketAuth = Result<Authenticated>;

/** An Error whose `data` socket.io sends to the client with connect_error. */
export class HandshakeError extends Error {
  readonly data: { error: AckError };
  constructor(error: AckError) {
    super(error.code);
    this.data = { error };
  }
}

/**
 * The handshake's credentials. A browser sends its cookies with any WebSocket handshake, even one a
 * hostile page opened, so the session cookie counts only when the Origin is the platform's own (or an
 * allowed CORS origin); non-browser clients send no Origin and authenticate with a token.
 */
export function credentialsOf(ctx: AppContext, socket: Socket): SocketCredentials {
  const headers = socket.handshake.headers;
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  const forwarded = typeof headers['x-forwarded-for'] === 'string' ? headers['x-forwarded-for'] : undefined;
  const ip =
    ctx.config.trustProxy && forwarded
      ? (forwarded
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .pop() ?? socket.handshake.address)
      : socket.handshake.address;
  const origin = headers.origin;
  const allowed = new Set([ctx.config.publicOrigin, ...ctx.config.corsOrigins].filter((o): o is string => Boolean(o)));
  const sameHost =
    origin !== undefined &&
    headers.host !== undefined &&
    (origin === `http://${headers.host}` || origin === `https://${headers.host}`);
  const cookieOk = origin === undefined || allowed.has(origin) || (sameHost && !ctx.config.publicOrigin);
  return { token: auth.token, cookieHeader: cookieOk ? headers.cookie : undefined, ip };
}

/**
 * Authenticates a socket's credentials with the identity domain: at the handshake, and again before
 * every bid (`recheck`: the session may come from a cache of a few seconds).
 */
export function authenticateSocket(
  identity: Identity,
  creds: SocketCredentials,
  options: { recheck?: boolean } = {},
): Promise<SocketAuth> {
  return identity.authenticateSocket({ token: creds.token, cookieHeader: creds.cookieHeader, ip: creds.ip }, options);
}
