// The socket.io adapter: in memory for one process, or the maintained Redis adapter
// (@socket.io/redis-adapter over node-redis) when REDIS_URL is set, so that several processes behind a
// load balancer share rooms: a personal event emitted in one process reaches the person's sockets on
// every process, and committed entries are relayed between processes (server-side emits) to be
// written in order by each process's lot streams. Pub/sub channels are prefixed with REDIS_KEY_PREFIX
// so that separate deployments (or test runs) can share one Redis without hearing each other.
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Server } from 'socket.io';
import type { Logger } from '../shared/log.ts';

export interface AdapterHandle {
  kind: 'memory' | 'redis';
  close(): Promise<void>;
}

export interface AdapterOptions {
  redisUrl?: string;
  keyPrefix: string;
  log: Logger;
  /** How long start-up waits for Redis before giving up with a clear error. */
  connectTimeoutMs?: number;
}

/** Attaches the adapter to the server; with a Redis URL, fails (rejects) when Redis cannot be reached. */
export async function attachAdapter<S extends Server>(io: S, options: AdapterOptions): Promise<AdapterHandle> {
  if (!options.redisUrl) return { kind: 'memory', close: async () => {} };
  const { log } = options;
  const timeout = options.connectTimeoutMs ?? 5_000;
  const pub = createClient({
    url: options.redisUrl,
    // Shown by CLIENT LIST, so an operator can tell which process holds which connection.
    name: `${options.keyPrefix}:${process.pid}`,
    socket: { connectTimeout: timeout, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000) },
  });
  const sub = pub.duplicate();
  // node-redis reconnects on its own; errors are logged (at most once a second per client) rather than
  // crashing the process, and broadcasts resume when Redis is back.
  let lastError = 0;
  for (const [name, client] of [['publisher', pub], ['subscriber', sub]] as const) {
    client.on('error', (err: Error) => {
      if (Date.now() - lastError < 1_000) return;
      lastError = Date.now();
      log.error({ err, client: name }, 'realtime: Redis connection error');
    });
  }
  const where = new URL(options.redisUrl);
  const connect = Promise.all([pub.connect(), sub.connect()]);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([connect, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeout)))]);
  } catch (err) {
    pub.destroy();
    sub.destroy();
    throw new Error(`REDIS_URL: cannot reach Redis at ${where.hostname}:${where.port || 6379} (${(err as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
  // The adapter publishes without handling the promise: a publish that fails while Redis restarts
  // would be an unhandled rejection (fatal in Node). The broadcast is lost either way; watchers on
  // other processes recover it from the ledger (gap fill, sync). Log it and carry on.
  const publisher = pub as unknown as { publish: (channel: string, message: string | Buffer) => Promise<number> };
  const publish = publisher.publish.bind(pub);
  let lastPublishError = 0;
  publisher.publish = (channel, message) =>
    publish(channel, message).catch((err: unknown) => {
      if (Date.now() - lastPublishError > 1_000) log.warn({ err }, 'realtime: a Redis publish failed');
      lastPublishError = Date.now();
      return 0;
    });
  io.adapter(createAdapter(pub, sub, { key: options.keyPrefix, publishOnSpecificResponseChannel: true }));
  log.info({ redis: `${where.hostname}:${where.port || 6379}`, key: options.keyPrefix }, 'realtime: Redis adapter attached');
  return {
    kind: 'redis',
    close: async () => {
      // io.close() has already unsubscribed the adapter; close() lets queued publishes finish, unless
      // Redis is unreachable, in which case the connections are dropped after a short wait.
      const closed = Promise.allSettled([pub.close(), sub.close()]);
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([closed.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 2_000)))]);
      clearTimeout(timer);
      if (late) {
        pub.destroy();
        sub.destroy();
      }
    },
  };
}
