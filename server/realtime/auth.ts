// Socket handshake authentication. Anonymous sockets are welcome (they may watch). A socket that
// presents credentials (auth.token, an e-ID token; or the browser's session cookie) is checked like an
// HTTP request: bad credentials refuse the connection with UNAUTHENTICATED rather than silently
// downgrading it to anonymous, so a client never believes it can bid when it cannot. A socket lives
// longer than a request, so its credentials are checked again before a bid once they are older than
// RECHECK_MS, and a Bearer token's own expiry is enforced.
import type { Socket } from 'socket.io';
import { decodeJwt } from 'jose';
import type { AppContext } from '../context.ts';
import type { Identity } from '../identity/index.ts';
import type { Person } from '../identity/person.ts';
import { GENERIC_AUTH_MESSAGE } from '../identity/auth-middleware.ts';
import type { AckError } from './events.ts';
import type { GatewaySocket } from './handlers.ts';
import { personRoom } from './rooms.ts';

/** How long a socket's authentication is trusted before a bid checks it again. */
export const RECHECK_MS = 60_000;

export interface SocketCredentials {
  token?: unknown;
  /** Only when the handshake came from an allowed origin (cross-site WebSocket hijacking guard). */
  cookieHeader?: string;
  ip: string;
}

export type SocketAuth = { ok: true; person?: Person; expiresAtMs?: number } | { ok: false; code: 'UNAUTHENTICATED' | 'RATE_LIMITED' };

/** An Error whose `data` socket.io sends to the client with connect_error. */
export class HandshakeError extends Error {
  readonly data: { error: AckError };
  constructor(error: AckError) {
    super(error.code);
    this.data = { error };
  }
}

export const authError = (code: 'UNAUTHENTICATED' | 'RATE_LIMITED'): AckError =>
  code === 'RATE_LIMITED' ? { code, message: 'Too many failed sign-in attempts; wait a moment.' } : { code, message: GENERIC_AUTH_MESSAGE };

/**
 * The handshake's credentials. A browser sends its cookies with any WebSocket handshake, even one a
 * hostile page opened, so the session cookie counts only when the Origin is the platform's own (or an
 * allowed CORS origin); non-browser clients send no Origin and authenticate with a token.
 */
export function credentialsOf(ctx: AppContext, socket: Socket): SocketCredentials {
  const headers = socket.handshake.headers;
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  const forwarded = typeof headers['x-forwarded-for'] === 'string' ? headers['x-forwarded-for'] : undefined;
  const ip = ctx.config.trustProxy && forwarded ? (forwarded.split(',').map((s) => s.trim()).filter(Boolean).pop() ?? socket.handshake.address) : socket.handshake.address;
  const origin = headers.origin;
  const allowed = new Set([ctx.config.publicOrigin, ...ctx.config.corsOrigins].filter((o): o is string => Boolean(o)));
  const sameHost = origin !== undefined && headers.host !== undefined && (origin === `http://${headers.host}` || origin === `https://${headers.host}`);
  const cookieOk = origin === undefined || allowed.has(origin) || (sameHost && !ctx.config.publicOrigin);
  return { token: auth.token, cookieHeader: cookieOk ? headers.cookie : undefined, ip };
}

/** Authenticates a socket's credentials (at the handshake, and again before a bid once stale) with the identity domain. */
export async function authenticateSocket(identity: Identity, creds: SocketCredentials): Promise<SocketAuth> {
  const given = creds.token === undefined || creds.token === null || creds.token === '' ? undefined : creds.token;
  const r = await identity.authenticateSocket({ token: given, cookieHeader: creds.cookieHeader, ip: creds.ip });
  const result: SocketAuth = r.ok ? { ok: true, person: r.person } : { ok: false, code: r.code ?? 'UNAUTHENTICATED' };
  if (result.ok && result.person && typeof given === 'string') {
    // Verified already; only the expiry is read here.
    const exp = decodeJwt(given.replace(/^Bearer\s+/i, '')).exp;
    if (typeof exp === 'number') result.expiresAtMs = exp * 1000;
  }
  return result;
}

/**
 * Keeps a socket's person current: a Bearer token past its expiry, or credentials that no longer check
 * out (a revoked session), leave the socket anonymous and out of its personal room.
 */
export class SocketPeople {
  private readonly identity: Identity;
  constructor(identity: Identity) {
    this.identity = identity;
  }

  /** Records the handshake's person (middleware: the socket is not connected yet). */
  adopt(socket: GatewaySocket, auth: Extract<SocketAuth, { ok: true }>): void {
    socket.data.person = auth.person;
    socket.data.expiresAtMs = auth.expiresAtMs;
    socket.data.authCheckedAt = Date.now();
  }

  /** On connection: joins the person's room, and arranges the token's expiry. */
  connected(socket: GatewaySocket): void {
    const { person, expiresAtMs } = socket.data;
    if (!person) return;
    void socket.join(personRoom(person.pid));
    if (expiresAtMs !== undefined) {
      const timer = setTimeout(() => this.forget(socket), Math.max(0, Math.min(expiresAtMs - Date.now(), 2 ** 31 - 1)));
      timer.unref();
      socket.once('disconnect', () => clearTimeout(timer));
    }
  }

  forget(socket: GatewaySocket): void {
    const person = socket.data.person;
    if (!person) return;
    socket.data.person = undefined;
    void socket.leave(personRoom(person.pid));
  }

  /** The person who may bid on this socket now (undefined: anonymous), or why not. */
  async forBid(socket: GatewaySocket): Promise<{ ok: true; person?: Person } | { ok: false; error: AckError }> {
    const person = socket.data.person;
    if (!person) return { ok: true };
    if (socket.data.expiresAtMs !== undefined && Date.now() >= socket.data.expiresAtMs) {
      this.forget(socket);
      return { ok: false, error: authError('UNAUTHENTICATED') };
    }
    if (Date.now() - socket.data.authCheckedAt < RECHECK_MS) return { ok: true, person };
    const again = await authenticateSocket(this.identity, socket.data.credentials);
    if (!again.ok || again.person?.pid !== person.pid) {
      this.forget(socket);
      return { ok: false, error: authError(again.ok ? 'UNAUTHENTICATED' : again.code) };
    }
    socket.data.person = again.person;
    socket.data.authCheckedAt = Date.now();
    return { ok: true, person: again.person };
  }
}
