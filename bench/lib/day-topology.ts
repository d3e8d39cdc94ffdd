// The platform as the day scenario measures it: one or two real server processes (node
// server/main.ts, the bench's event-loop probe preloaded) sharing the bench database, and with two
// also Redis (the socket.io adapter, a key prefix of the run's own), behind HAProxy
// (lib/balancer.ts) when asked. Readings summed over the processes: CPU time and resident memory
// from /proc, event-loop delay from each probe; and the balancer's and Redis's own CPU.
import path from 'node:path';
import { createClient } from 'redis';
import { startBalancer, type Balancer } from './balancer.ts';
import { cpuSecondsOf, rssOf } from './proc.ts';
import { ROOT, startServer, type ServerUnderTest } from './platform.ts';
import type { ProbeReading } from '../server-probe.ts';
import { freePort } from '../../test/support/server-process.ts';

export interface Topology {
  /** Where clients go: the balancer, or the one process. */
  base: string;
  servers: ServerUnderTest[];
  balancer?: Balancer;
  /** Server processes' CPU seconds so far, summed (and each). */
  cpu(): { total: number; each: number[] };
  /** Server processes' resident memory, bytes, summed. */
  rss(): number;
  /** HAProxy's CPU seconds and resident bytes (0 without a balancer). */
  balancerCpu(): number;
  balancerRss(): number;
  /** Redis's CPU seconds (the whole instance: INFO cpu), or null with one process. */
  redisCpu(): Promise<number | null>;
  /** Resets every process's event-loop histogram. */
  resetLoops(): Promise<void>;
  /** Event-loop delay per process since the last reset. */
  readLoops(): Promise<ProbeReading[]>;
  stop(): Promise<void>;
}

export async function startTopology(options: {
  processes: 1 | 2;
  balancer: boolean;
  env: Record<string, string>;
  redisUrl: string;
  redisKeyPrefix: string;
  logDir: string;
  log: (line: string) => void;
}): Promise<Topology> {
  const { processes, logDir } = options;
  // The balancer's port is chosen first: the platform's sign-in callback (PUBLIC_ORIGIN) is on it.
  const balancerPort = options.balancer ? await freePort() : undefined;
  const env: Record<string, string> = {
    ...options.env,
    ...(processes > 1 ? { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: options.redisKeyPrefix } : {}),
    // Behind the balancer: the client's address is the one HAProxy appends to X-Forwarded-For, and
    // the browser's sign-in returns through the balancer, not to one process.
    ...(balancerPort ? { TRUST_PROXY: 'true', PUBLIC_ORIGIN: `http://127.0.0.1:${balancerPort}` } : {}),
  };
  const health = async (base: string): Promise<boolean> => (await fetch(`${base}/api/health`)).ok;
  const servers: ServerUnderTest[] = [];
  let balancer: Balancer | undefined;
  const redis = processes > 1 ? createClient({ url: options.redisUrl }) : undefined;
  const stop = async (): Promise<void> => {
    await balancer?.stop();
    await Promise.allSettled(servers.map((s) => s.stop()));
    if (redis?.isOpen) await redis.close();
  };
  try {
    // One after the other: the first applies the migrations, the second finds them done.
    for (let i = 0; i < processes; i++) {
      servers.push(
        await startServer(
          path.join(ROOT, 'server', 'main.ts'),
          env,
          path.join(logDir, `platform-${i + 1}.log`),
          health,
          [],
          { platformLimits: true },
        ),
      );
      options.log(`  platform process ${i + 1} (pid ${servers[i].pid}) on ${servers[i].base}`);
    }
    if (balancerPort) {
      balancer = await startBalancer({
        backends: servers.map((s, i) => {
          const u = new URL(s.base);
          return { name: `p${i + 1}`, host: u.hostname, port: Number(u.port) };
        }),
        port: balancerPort,
        logFile: undefined,
      });
      for (const b of balancer.backends) await balancer.waitFor(b.name, 'UP', 30_000);
      options.log(`  HAProxy (pid ${balancer.pid}) on ${balancer.base} in front of ${servers.length}`);
    }
    if (redis) await redis.connect();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    base: balancer?.base ?? servers[0].base,
    servers,
    balancer,
    cpu: () => {
      const each = servers.map((s) => cpuSecondsOf(s.pid));
      return { total: each.reduce((a, b) => a + b, 0), each };
    },
    rss: () => servers.reduce((a, s) => a + rssOf(s.pid).rss, 0),
    balancerCpu: () => (balancer ? cpuSecondsOf(balancer.pid) : 0),
    balancerRss: () => (balancer ? rssOf(balancer.pid).rss : 0),
    redisCpu: async () => {
      if (!redis) return null;
      const info = await redis.info('cpu');
      const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
      return field('used_cpu_sys') + field('used_cpu_user');
    },
    resetLoops: async () =>
      void (await Promise.all(servers.map((s) => s.handle.call<ProbeReading>('probe:read', { reset: true })))),
    readLoops: () => Promise.all(servers.map((s) => s.handle.call<ProbeReading>('probe:read'))),
    stop,
  };
}
