// The socket.io adapter: in memory for one process, or the maintained Redis adapter
// (@socket.io/redis-adapter over node-redis) when REDIS_URL is set, so that several processes behind a
// load balancer share rooms: a personal event emitted in one process reaches the person's sockets on
// every process, and committed entries are relayed between processes (server-side emits) to be
// written in order by each process's lot streams. Pub/sub channels are prefixed with REDIS_KEY_PREFIX
// so that separate deployments (or test runs) can share one Redis without hearing each other.
// Redis may go away at any time: nothing waits for it or queues behind it (the guard below), the link
// (./redis-link.ts) tells when it is down or back, and the catch-up (./catch-up.ts) repairs from the
// ledger whatever broadcasts were lost meanwhile.
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Server } from 'socket.io';
import type { Logger } from '../shared/log.ts';
import { RedisLink, type LinkClient, type RedisState } from './redis-link.ts';

export interface AdapterHandle {
  kind: 'memory' | 'redis';
  /** The Redis link (./redis-link.ts) when kind is 'redis'. */
  link?: RedisLink;
  close(): Promise<void>;
}

export interface AdapterOptions {
  redisUrl?: string;
  keyPrefix: string;
  log: Logger;
  /** How long start-up waits for Redis before giving up with a clear error. */
  connectTimeoutMs?: number;
  /** A Redis connection that moved no byte for this long is dropped and made again (ms). */
  socketTimeoutMs?: number;
  /** A publish not yet written to Redis after this long fails (ms). */
  commandTimeoutMs?: number;
  /** Publishes sent and not yet answered, beyond which new ones are dropped. */
  maxPendingPublishes?: number;
  /** The link's probe: sent every probeMs while up, lost after probeTimeoutMs. */
  probeMs?: number;
  probeTimeoutMs?: number;
}

export type { RedisState };

/** Waits between reconnection attempts: quick at first, then about once a second (jittered). */
export const reconnectDelay = (retries: number): number =>
  Math.min(50 * 2 ** retries, 1_000) * (0.75 + Math.random() * 0.5);

/** Attaches the adapter to the server; with a Redis URL, fails (rejects) when Redis cannot be reached. */
export async function attachAdapter<S extends Server>(io: S, options: AdapterOptions): Promise<AdapterHandle> {
  if (!options.redisUrl) return { kind: 'memory', close: async () => {} };
  const { log } = options;
  const timeout = options.connectTimeoutMs ?? 5_000;
  const socketTimeout = options.socketTimeoutMs ?? 5_000;
  const probeMs = options.probeMs ?? 1_000;
  const socket = { connectTimeout: timeout, socketTimeout, reconnectStrategy: reconnectDelay };
  // Shown by CLIENT LIST, so an operator can tell which process holds which connection.
  const name = `${options.keyPrefix}:${process.pid}`;
  // The publisher refuses commands at once while disconnected (no offline queue that would grow for
  // as long as Redis is away and then flood it with stale broadcasts), and a command that could not
  // be written within commandTimeoutMs fails rather than waits.
  const pub = createClient({
    url: options.redisUrl,
    name,
    socket,
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs ?? 2_000 },
  });
  // The subscriber only (re)subscribes; node-redis subscribes again by itself after a reconnection.
  const sub = createClient({ url: options.redisUrl, name, socket });
  // node-redis reconnects on its own; errors are logged (at most once a second per client) rather than
  // crashing the process, and broadcasts resume when Redis is back.
  let lastError = 0;
  for (const [client, role] of [
    [pub, 'publisher'],
    [sub, 'subscriber'],
  ] as const) {
    client.on('error', (err: Error) => {
      if (Date.now() - lastError < 1_000) return;
      lastError = Date.now();
      log.error({ err, client: role }, 'realtime: Redis connection error');
    });
  }
  const publish = pub.publish.bind(pub) as (channel: string, message: string | Buffer) => Promise<number>;
  const link = new RedisLink(pub as unknown as LinkClient, sub as unknown as LinkClient, {
    keyPrefix: options.keyPrefix,
    log,
    publish,
    probeMs,
    probeTimeoutMs: options.probeTimeoutMs ?? 3_000,
    downProbeMs: socketTimeout + 3 * probeMs,
  });
  const where = new URL(options.redisUrl);
  const connect = Promise.all([pub.connect(), sub.connect()]).then(() => link.start());
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connect,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeout))),
    ]);
  } catch (err) {
    link.close();
    pub.destroy();
    sub.destroy();
    throw new Error(
      `REDIS_URL: cannot reach Redis at ${where.hostname}:${where.port || 6379} (${(err as Error).message})`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
  // Every publish of the adapter goes through this guard. The adapter publishes without handling the
  // promise: a publish that fails while Redis restarts would be an unhandled rejection (fatal in
  // Node), so failures are logged and swallowed. While the publisher is down or stalled, or too many
  // publishes wait for an answer, publishes are dropped at once instead of queued. A dropped or failed
  // broadcast is not lost to the watchers: the link goes down, and when it is up again every process
  // reads what it missed from the ledger (./catch-up.ts).
  const maxPending = options.maxPendingPublishes ?? 5_000;
  let pending = 0;
  let dropped = 0;
  let lastDropLog = 0;
  const drop = (reason: string, err?: unknown): Promise<number> => {
    dropped++;
    link.fault(reason);
    if (Date.now() - lastDropLog > 1_000) {
      log.warn({ err, reason, dropped }, 'realtime: a Redis publish was dropped');
      lastDropLog = Date.now();
    }
    return Promise.resolve(0);
  };
  (pub as unknown as { publish: typeof publish }).publish = (channel, message) => {
    if (!link.publishAllowed()) return drop('Redis is unreachable');
    if (pending >= maxPending) return drop(`${maxPending} publishes wait for Redis`);
    pending++;
    return publish(channel, message).then(
      (n) => {
        pending--;
        return n;
      },
      (err: unknown) => {
        pending--;
        return drop('a publish failed', err);
      },
    );
  };
  // The adapter (un)subscribes without handling the promise either; while Redis is away those
  // commands wait in the subscriber's queue and fail when it is closed, which must not be fatal.
  const subscriber = sub as unknown as Record<
    'subscribe' | 'unsubscribe' | 'pSubscribe' | 'pUnsubscribe',
    (...args: unknown[]) => Promise<unknown>
  >;
  for (const method of ['subscribe', 'unsubscribe', 'pSubscribe', 'pUnsubscribe'] as const) {
    const original = subscriber[method].bind(sub);
    subscriber[method] = (...args) =>
      original(...args).catch((err: unknown) => {
        log.warn({ err, method }, 'realtime: a Redis subscription change failed');
      });
  }
  io.adapter(createAdapter(pub, sub, { key: options.keyPrefix, publishOnSpecificResponseChannel: true }));
  log.info(
    { redis: `${where.hostname}:${where.port || 6379}`, key: options.keyPrefix },
    'realtime: Redis adapter attached',
  );
  return {
    kind: 'redis',
    link,
    close: async () => {
      link.close();
      // io.close() has already unsubscribed the adapter; close() lets queued publishes finish, unless
      // Redis is unreachable, in which case the connections are dropped after a short wait.
      const closed = Promise.allSettled([pub.close(), sub.close()]);
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        closed.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 2_000))),
      ]);
      clearTimeout(timer);
      if (late) {
        for (const client of [pub, sub]) {
          try {
            client.destroy();
          } catch {
            // Already closed: nothing left to drop.
          }
        }
      }
    },
  };
}
