// Keeps each signed-in socket's person current for as long as the socket is open, and ends the socket
// with its credentials. A socket is never quietly downgraded to anonymous: it is disconnected, which
// also stops its personal events, and the client reconnects with whatever credentials it holds now.
// - Sign-out and role changes (the post-commit 'access-changed' event) disconnect the session's
//   sockets (a room per session) or the person's (their personal room): on this process at once, and
//   through the adapter on every other one. While Redis is away the others do not hear of it; the
//   sweep below and the check on every bid cover them.
// - A token's socket is disconnected at the token's `exp`, by a timer. A session's sockets are
//   disconnected when it expires (idle or absolute), by a sweep every second that re-reads, in one
//   statement, the sessions held here whose end (as last read) has come. A new socket's session is
//   re-read at the next sweep as well: a sign-out committed between the handshake's read and the
//   socket joining its rooms would otherwise never reach it.
// - While Redis is down, once it is back, and when another process announces that it is back, the
//   sweep re-reads every session held here: a sign-out on another process may not have been relayed.
// - Every bid checks the credentials again (the session from a cache of a few seconds) within the
//   bid's own deadline; credentials that no longer check out end the socket after that answer.
import type { Namespace } from 'socket.io';
import type { AppContext } from '../context.ts';
import type { Identity } from '../identity/index.ts';
import type { Person } from '../identity/person.ts';
import type { DomainEventMap } from '../shared/events.ts';
import { DeadlineExceeded, isUnavailable, withDeadline } from '../shared/unavailable.ts';
import type { ShedReason } from '../bidding/shed-reasons.ts';
import { refuse } from '../shared/errors.ts';
import { reasonMessage } from '../shared/reasons.ts';
import { errorObject } from '../http/error-body.ts';
import { authenticateSocket, type SocketAuth } from './auth.ts';
import type { Authenticated } from '../identity/authenticate.ts';
import type { AckError, ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events.ts';
import type { GatewaySocket } from './gateway.ts';
import { personRoom, sessionRoom } from './rooms.ts';

/** How often the sessions of this process's sockets are looked at (ms). */
export const SESSION_SWEEP_MS = 1_000;

export const SESSION_ENDED_MESSAGE = reasonMessage('session_ended');

/** What a bid may go ahead with: the person (undefined: anonymous), or the refusal (`shed`: the platform's own reason, counted). */
export type BidCredentials = { ok: true; person?: Person } | { ok: false; error: AckError; shed?: ShedReason };

type GatewayNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketPeopleOptions {
  ctx: AppContext;
  identity: Identity;
  nsp: GatewayNamespace;
  /** Disconnections also go through the adapter to the other processes (Redis). */
  relay: boolean;
  /** Whether Redis carries messages now ('off' without Redis). */
  redis: () => 'up' | 'down' | 'off';
  sweepMs?: number;
}

export class SocketPeople {
  private readonly options: SocketPeopleOptions;
  /** Sessions with a socket here → when each ends by the clock, as last read (ms; 0: read it at the next sweep). */
  private readonly sessions = new Map<string, number>();
  /** The next sweep re-reads every session held here. */
  private everyone = false;
  private sweeping = false;
  private failing = false;
  private readonly timer: NodeJS.Timeout;

  constructor(options: SocketPeopleOptions) {
    this.options = options;
    this.timer = setInterval(() => void this.sweep(), options.sweepMs ?? SESSION_SWEEP_MS);
    this.timer.unref();
  }

  /** Records the handshake's person (middleware: the socket is not connected yet). */
  adopt(socket: GatewaySocket, auth: Authenticated): void {
    socket.data.person = auth.person;
    socket.data.sessionIdHash = auth.person ? auth.sessionIdHash : undefined;
    socket.data.expiresAtMs = auth.person ? auth.expiresAtMs : undefined;
  }

  /** On connection: joins the person's and the session's rooms, and arranges the token's expiry. */
  connected(socket: GatewaySocket): void {
    const { person, sessionIdHash, expiresAtMs } = socket.data;
    if (!person) return;
    void socket.join(personRoom(person.pid));
    if (sessionIdHash) {
      void socket.join(sessionRoom(sessionIdHash));
      this.sessions.set(sessionIdHash, 0);
    }
    if (expiresAtMs !== undefined) this.endAt(socket, expiresAtMs);
  }

  /**
   * After a sign-out or a role change: disconnects that session's or person's sockets, here at once
   * (even while Redis is away) and on the other processes through the adapter.
   */
  revoke(change: DomainEventMap['access-changed']): void {
    const room = change.kind === 'session' ? sessionRoom(change.idHash) : personRoom(change.pid);
    const here = this.options.nsp.adapter.rooms.get(room)?.size ?? 0;
    this.options.nsp.local.in(room).disconnectSockets(true);
    if (this.options.relay) this.options.nsp.in(room).disconnectSockets(true);
    if (change.kind === 'session') this.sessions.delete(change.idHash);
    if (here)
      this.options.ctx.log.info(
        { sockets: here, reason: change.kind === 'session' ? 'signed out' : 'roles changed' },
        'realtime: disconnected the sockets of a revoked sign-in',
      );
  }

  /** Has the next sweep re-read every session held here (Redis is back, or another process is). */
  recheckAll(): void {
    this.everyone = true;
  }

  /** The person who may bid on this socket now, checked again within the bid's deadline (performance.now() ms). */
  async forBid(socket: GatewaySocket, deadline: number): Promise<BidCredentials> {
    const person = socket.data.person;
    if (!person) return { ok: true };
    if (socket.data.expiresAtMs !== undefined && Date.now() >= socket.data.expiresAtMs) return this.refuse(socket);
    const { ctx } = this.options;
    // As the bid engine would: while the database is known to be down, refused at once.
    if (!ctx.database.health.up) return shed('database_unavailable');
    let again: SocketAuth;
    try {
      again = await withDeadline(
        authenticateSocket(this.options.identity, socket.data.credentials, { recheck: true }),
        Math.max(0, deadline - performance.now()),
        'socket credentials check',
      );
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      ctx.database.health.report(err);
      ctx.log.warn({ err, socket: socket.id }, 'realtime: a bid could not check its credentials; refused, not placed');
      return shed(err instanceof DeadlineExceeded ? 'timeout' : 'database_unavailable');
    }
    if (!again.ok || again.value.person?.pid !== person.pid) return this.refuse(socket);
    socket.data.person = again.value.person;
    return { ok: true, person: again.value.person };
  }

  close(): void {
    clearInterval(this.timer);
    this.sessions.clear();
  }

  /** Refuses a bid whose credentials ended, and disconnects the socket once that answer is sent. */
  private refuse(socket: GatewaySocket): BidCredentials {
    const via = socket.data.person?.via;
    this.end(socket);
    return { ok: false, error: errorObject(refuse(via === 'session' ? 'session_ended' : 'token_invalid')) };
  }

  /** Ends a socket whose credentials ended: nothing personal reaches it from now, and it is disconnected. */
  private end(socket: GatewaySocket): void {
    const person = socket.data.person;
    socket.data.person = undefined;
    if (person) void socket.leave(personRoom(person.pid));
    // A bid's answer is sent from a promise callback, which runs before this.
    setImmediate(() => socket.disconnect(true));
  }

  /** Ends the socket at `atMs` (a token's expiry; timers are capped at about 24 days, so re-armed). */
  private endAt(socket: GatewaySocket, atMs: number): void {
    const timer = setTimeout(
      () => {
        if (!socket.connected) return;
        if (Date.now() < atMs) this.endAt(socket, atMs);
        else this.end(socket);
      },
      Math.max(0, Math.min(atMs - Date.now(), 2 ** 31 - 1)),
    );
    timer.unref();
    socket.once('disconnect', () => clearTimeout(timer));
  }

  /** Re-reads the sessions that may have ended, and disconnects the sockets of those that did. */
  private async sweep(): Promise<void> {
    const { ctx, nsp } = this.options;
    if (this.sweeping || !this.sessions.size || !ctx.database.health.up) return;
    const everyone = this.everyone || this.options.redis() === 'down';
    this.everyone = false;
    const now = ctx.clock.now().getTime();
    const due = new Map<string, number>();
    for (const [idHash, endsAt] of this.sessions) {
      if (!nsp.adapter.rooms.has(sessionRoom(idHash))) this.sessions.delete(idHash);
      else if (everyone || endsAt <= now) due.set(idHash, endsAt);
    }
    if (!due.size) return;
    this.sweeping = true;
    try {
      const live = await withDeadline(
        this.options.identity.sessions.liveAmong([...due.keys()]),
        ctx.config.limits.requestTimeoutMs,
        'session sweep',
      );
      let ended = 0;
      for (const [idHash, before] of due) {
        const endsAt = live.get(idHash);
        if (!endsAt) {
          ended += nsp.adapter.rooms.get(sessionRoom(idHash))?.size ?? 0;
          nsp.local.in(sessionRoom(idHash)).disconnectSockets(true);
          this.sessions.delete(idHash);
        } else if (this.sessions.get(idHash) === before) {
          // Unless a socket joined meanwhile (0: read again after its join).
          this.sessions.set(idHash, endsAt.getTime());
        }
      }
      if (ended)
        ctx.log.info(
          { sockets: ended, sessions: due.size - live.size },
          'realtime: disconnected the sockets of ended sessions',
        );
      if (this.failing) ctx.log.info('realtime: the sessions of open sockets are checked again');
      this.failing = false;
    } catch (err) {
      if (everyone) this.everyone = true;
      ctx.database.health.report(err);
      if (!this.failing)
        ctx.log.warn({ err }, 'realtime: the sessions of open sockets could not be checked; retrying every second');
      this.failing = true;
    } finally {
      this.sweeping = false;
    }
  }
}

function shed(reason: ShedReason): BidCredentials {
  return { ok: false, shed: reason, error: errorObject(refuse(reason)) };
}
