// The manager's registrations, live: the platform sends `lotRegistration` to the lot's own manager's
// sockets (never to its watchers) when someone registers or a deposit is confirmed. Events missed
// while the socket was down are not replayed, so on every (re)connection the list is read again
// over HTTP, which also covers anything that happened between the page's load and the first connect.
import { io, type Socket } from 'socket.io-client';
import { api, call } from '../../api/client.ts';
import type { ClientToServerEvents, LotRegistration, ServerToClientEvents } from '../../api/types.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RegistrationFeed {
  stop(): void;
}

export interface FeedHandlers {
  /** One registration, new or changed. */
  onRegistration(registration: LotRegistration): void;
  /** The whole list, read again after a (re)connection. */
  onList(registrations: LotRegistration[]): void;
  onConnection(up: boolean): void;
}

/** Follows one lot's registrations for its manager until stopped. */
export function followRegistrations(lotId: number, handlers: FeedHandlers): RegistrationFeed {
  const socket: Client = io({
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
    timeout: 5000,
  });
  let stopped = false;
  socket.on('connect', () => {
    handlers.onConnection(true);
    void call((signal) => api.GET('/lots/{id}/registrations', { params: { path: { id: lotId } }, signal }), {
      timeoutMs: 8000,
    }).then((res) => {
      if (!stopped && res.ok) handlers.onList(res.data.items);
    });
  });
  socket.on('disconnect', (reason) => {
    handlers.onConnection(false);
    // socket.io reconnects by itself, except after the server's own disconnect (a role change, the end of a session).
    if (reason === 'io server disconnect' && !stopped) setTimeout(() => !stopped && socket.connect(), 2000);
  });
  socket.on('lotRegistration', (event) => {
    if (event.lotId === lotId) handlers.onRegistration(event.registration);
  });
  return {
    stop() {
      stopped = true;
      socket.close();
    },
  };
}
