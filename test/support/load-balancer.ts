// Helpers for tests that run the platform behind a real load balancer (HAProxy, bench/lib/balancer.ts):
// the rule for skipping when HAProxy is missing, sockets that reconnect through the balancer as a
// browser's do, and which backend HAProxy sent each of their WebSocket handshakes to (from the
// X-Served-By header the test balancer adds to every response, the 101 of an upgrade included).
import diagnostics_channel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { io } from 'socket.io-client';
import { haproxyPath } from '../../bench/lib/balancer.ts';
import type { ClientSocket } from '../realtime/support.ts';

/**
 * Undefined when HAProxy is installed; otherwise why the file skips (printed). Under CI=true a missing
 * HAProxy is a failure: .ci/run installs it.
 */
export function haproxyMissing(what: string): string | undefined {
  if (haproxyPath()) return undefined;
  const reason = 'HAProxy is not installed (Debian: apt-get install haproxy, which puts it in /usr/sbin)';
  if (process.env.CI === 'true') throw new Error(`${what} cannot run under CI: ${reason}`);
  console.log(`Skipping the ${what}: ${reason}.`);
  return reason;
}

/** The request header that names a test socket, so its handshakes can be told apart. */
export const TEST_CLIENT_HEADER = 'x-test-client';

/**
 * Records, per test socket, the backend of each of its WebSocket handshakes in order (the first
 * connection, then every reconnection). socket.io-client on Node opens its WebSocket with `ws`, which
 * makes a plain http.request: Node's `http.client.request.start` diagnostics channel hands us that
 * request, and its `upgrade` event the 101 response with HAProxy's X-Served-By.
 */
export class HandshakeTracker {
  private readonly seen = new Map<string, string[]>();
  private readonly onStart = (message: unknown): void => {
    const request = (message as { request: ClientRequest }).request;
    const id = request.getHeader(TEST_CLIENT_HEADER);
    if (typeof id !== 'string') return;
    request.on('upgrade', (res: IncomingMessage) => {
      const server = res.headers['x-served-by'];
      const list = this.seen.get(id) ?? [];
      list.push(typeof server === 'string' ? server : '(no X-Served-By)');
      this.seen.set(id, list);
    });
  };

  constructor() {
    diagnostics_channel.subscribe('http.client.request.start', this.onStart);
  }

  /** The backends of the socket's handshakes, first connection first. */
  history(id: string): string[] {
    return this.seen.get(id) ?? [];
  }

  /** The backend of the socket's latest handshake. */
  current(id: string): string | undefined {
    return this.seen.get(id)?.at(-1);
  }

  close(): void {
    diagnostics_channel.unsubscribe('http.client.request.start', this.onStart);
  }
}

/**
 * A socket through the balancer that reconnects by itself when its connection drops (socket.io's
 * reconnection, quicker than its defaults, as the web app's), named `id` for HandshakeTracker.
 * Resolves at the first connection; rejects if that fails.
 */
export function reconnectingSocket(base: string, id: string, token?: string): Promise<ClientSocket> {
  const socket: ClientSocket = io(base, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: true,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1_000,
    timeout: 5_000,
    auth: token ? { token } : {},
    extraHeaders: { [TEST_CLIENT_HEADER]: id },
  });
  return new Promise((resolve, reject) => {
    // Only the first attempt's outcome settles this; later failures are reconnection's business.
    const failed = (err: Error): void => {
      socket.off('connect', connected);
      socket.close();
      reject(err);
    };
    const connected = (): void => {
      socket.off('connect_error', failed);
      resolve(socket);
    };
    socket.once('connect', connected);
    socket.once('connect_error', failed);
  });
}
