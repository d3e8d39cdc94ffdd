// The shared harness for fault-injection tests: real platform processes on a fresh PostgreSQL
// database reached through a TCP proxy that the test cuts, stalls or slows (tcp-proxy.ts), a client
// whose every call has a deadline (a hang is a finding, not a stuck test), and the rule for skipping:
// without PostgreSQL the tests skip with the reason printed.
import type { Json } from './json.ts';
import { inject } from 'vitest';
import { createClient } from 'redis';
import { createPostgresDatabase, onPostgres } from './db.ts';
import { parseJson, type CallOptions } from './http.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/**
 * Undefined when PostgreSQL is there; otherwise why the file skips (printed). CI runs the suite twice,
 * once on PGlite, where these skip, and once on PostgreSQL, whose absence .ci/run itself fails on.
 */
export function postgresMissing(what: string): string | undefined {
  if (onPostgres()) return undefined;
  const reason = `${what} need a real PostgreSQL behind a TCP proxy (set TEST_DATABASE_URL); embedded PGlite has no network to cut`;
  console.log(`Skipping: ${reason}.`);
  return reason;
}

/** The Redis that multi-process tests share (a prefix of their own keeps concurrent runs apart). */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisUnreachable(): Promise<string | undefined> {
  const client = createClient({ url: TEST_REDIS_URL, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    await client.close();
    return undefined;
  } catch (err) {
    client.destroy();
    return `Redis is not reachable at ${TEST_REDIS_URL} (${(err as Error).message})`;
  }
}

/**
 * For tests of several processes: undefined when PostgreSQL and Redis are there; otherwise why the
 * file skips (printed). With PostgreSQL but no Redis under CI=true, that is a failure.
 */
export async function postgresAndRedisMissing(what: string): Promise<string | undefined> {
  const missing = onPostgres()
    ? await redisUnreachable()
    : 'two processes need a shared PostgreSQL (set TEST_DATABASE_URL); embedded PGlite belongs to one process';
  if (missing && onPostgres() && process.env.CI === 'true') throw new Error(`${what} cannot run under CI: ${missing}`);
  if (missing) console.log(`Skipping the ${what}: ${missing}`);
  return missing;
}

export interface TimedAnswer {
  /** 0 when no answer came before the client's own timeout. */
  status: number;
  json: Json;
  headers: Headers | undefined;
  ms: number;
}

/** Calls the API with a client-side deadline; an unanswered call resolves with status 0. */
export async function timedCall(
  base: string,
  method: string,
  path: string,
  options: CallOptions & { timeoutMs?: number } = {},
): Promise<TimedAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const started = performance.now();
  try {
    const res = await fetch(base + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    return { status: res.status, json: parseJson(text), headers: res.headers, ms: performance.now() - started };
  } catch {
    return { status: 0, json: undefined, headers: undefined, ms: performance.now() - started };
  }
}

export interface FaultablePlatform {
  /** The proxy between the platform processes and PostgreSQL. */
  proxy: TcpProxy;
  servers: ServerProcess[];
  /** A URL to the same database that bypasses the proxy (for the test's own reads and locks). */
  directUrl: string;
  /** Starts one more process on the same database, through the proxy. */
  addServer(extraEnv?: Record<string, string>): Promise<ServerProcess>;
  close(): Promise<void>;
}

/**
 * `processes` platform processes sharing a fresh PostgreSQL database, all through one proxy. The
 * first one migrates. `env` is added to every process's environment.
 */
export async function startFaultablePlatform(
  env: Record<string, string>,
  options: { processes?: number } = {},
): Promise<FaultablePlatform> {
  if (!inject('postgresTemplateUrl')) throw new Error('fault tests need PostgreSQL');
  const pg = await createPostgresDatabase();
  const target = new URL(pg.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(pg.url);
  viaProxy.host = proxy.host;
  const servers: ServerProcess[] = [];
  const addServer = async (extraEnv: Record<string, string> = {}): Promise<ServerProcess> => {
    const s = await startServerProcess({ ...env, DATABASE_URL: viaProxy.toString(), ...extraEnv });
    servers.push(s);
    return s;
  };
  for (let i = 0; i < (options.processes ?? 1); i++) await addServer();
  return {
    proxy,
    servers,
    directUrl: pg.url,
    addServer,
    async close() {
      await Promise.all(servers.map((s) => s.stop('SIGKILL')));
      await proxy.close();
      await pg.drop();
    },
  };
}

/** Polls `check` every 50 ms until it returns true; resolves with the milliseconds it took. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The run's Redis behind a TCP proxy the test can cut, stall and restore (the machine's Redis itself
 * is never touched): the proxy, and the URL that reaches Redis through it.
 */
export async function redisThroughProxy(redisUrl: string = TEST_REDIS_URL): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(redisUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  const viaProxy = new URL(redisUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  return { proxy, url: viaProxy.href };
}
