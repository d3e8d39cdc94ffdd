// A real load balancer in front of several platform processes: HAProxy (Debian's package), started in
// the foreground as a child of this process with a configuration written to a temporary directory.
// The tests (test/realtime/load-balancer.test.ts) and the day benchmark run the platform behind it,
// and the README shows the production form of the same configuration (haproxyConfig with
// `production`), so what is documented is what is tested.
//
// Choices, each argued where it is written below: least connections (sockets are long-lived), health
// checks on the readiness endpoint, retries only where a request cannot have reached a process, no
// sticky sessions (with REDIS_URL the platform speaks WebSocket only), X-Forwarded-For appended for
// TRUST_PROXY, and a tunnel timeout above socket.io's ping interval.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/support/server-process.ts';

/** The HAProxy binary: on PATH, or where Debian installs it (/usr/sbin, often not on a user's PATH). */
export function haproxyPath(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'haproxy');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export interface BalancerBackend {
  /** The server's name in HAProxy (letters, digits, '-', '_', '.'), as stats and X-Served-By show it. */
  name: string;
  host: string;
  port: number;
}

export interface ServerState {
  /** HAProxy's view: 'UP', 'DOWN', 'UP 1/2' (failing, not yet down), 'DOWN 1/2' (recovering), 'MAINT', 'DRAIN'. */
  status: string;
  /** Sessions open on the server now: each WebSocket is one for its whole life, a request one while it runs. */
  currentSessions: number;
  /** Sessions sent to the server since HAProxy started. */
  totalSessions: number;
  /** Connection attempts to the server that failed (refused, timed out). */
  connectionErrors: number;
  /** Responses that failed (the server closed or reset the connection, or answered garbage). */
  responseErrors: number;
  /** Requests retried on this server after a failed connection attempt. */
  retries: number;
  /** Requests sent elsewhere after failing on this server (option redispatch). */
  redispatches: number;
  /** The last health check's result, e.g. 'L7OK', 'L4CON' (refused), 'L7STS' (wrong status), 'L4TOUT'. */
  checkStatus: string;
  /** Seconds since the status last changed. */
  lastChangeSeconds: number;
}

export interface Balancer {
  /** The frontend, e.g. http://127.0.0.1:PORT: the address clients use. */
  base: string;
  backends: BalancerBackend[];
  /** HAProxy's pid (for CPU and memory figures). */
  pid: number;
  /** The configuration HAProxy runs with. */
  config: string;
  /** Per server (by name): HAProxy's state and session counts, read from its stats socket. */
  serverStates(): Promise<Record<string, ServerState>>;
  /** Resolves once HAProxy's health checks show the server exactly in `status`; rejects after `timeoutMs`. */
  waitFor(name: string, status: 'UP' | 'DOWN', timeoutMs: number): Promise<void>;
  /** Sends a command to HAProxy's admin socket (e.g. `set server platform/p1 state drain`) and returns its answer. */
  command(line: string): Promise<string>;
  /** HAProxy's own output so far (alerts, warnings; request logs go to `logFile` when given). */
  output(): string;
  /** Stops HAProxy (open connections are cut) and removes its temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/** The backend section's name, as the stats and admin commands name it (`platform/<server>`). */
export const BACKEND = 'platform';
const FRONTEND = 'auction';

/** socket.io's default ping interval: a WebSocket carries a ping at least this often. */
const SOCKET_IO_PING_INTERVAL_MS = 25_000;

export interface HaproxyConfigOptions {
  backends: BalancerBackend[];
  /**
   * The frontend's address, e.g. `127.0.0.1:8080` or `:80`. Ignored with `production`, which binds
   * :80 (and shows the :443 TLS lines commented).
   */
  bind?: string;
  /** The admin socket HAProxy opens (stats, and state changes such as drain). */
  statsSocket: string;
  /** Health-check interval, ms. Default 1000; tests use 500 for fast failover. */
  checkIntervalMs?: number;
  /** Failed checks in a row before a server is DOWN (default 2), passed checks before it is UP again (default 2). */
  fall?: number;
  rise?: number;
  /** The Host header of health checks (default localhost). */
  checkHost?: string;
  /** Default leastconn (see below). */
  balance?: 'leastconn' | 'roundrobin';
  /**
   * Connections HAProxy accepts at once. Each proxied connection holds two descriptors, and HAProxy
   * refuses to start when its descriptor limit cannot fit them. Default 100,000 in `production`
   * (HAProxy, started as root, raises its own limit), else what this process's limit allows.
   */
  maxconn?: number;
  /** One log line per request (option httplog) on HAProxy's stdout. */
  log?: boolean;
  /**
   * Adds `X-Served-By: <server name>` to every response (WebSocket handshakes included), so tests and
   * benches see where a request went. Off in `production`: it shows clients the topology.
   */
  servedByHeader?: boolean;
  /**
   * Keeps an X-Forwarded-For the client sent instead of appending the client's address
   * (`option forwardfor if-none`). Only for a benchmark whose single-address traffic plays many
   * addresses, on loopback: with it, a client chooses the address the platform's per-address limits
   * count, so never in production.
   */
  keepClientForwardedFor?: boolean;
  /**
   * The form for the README and a real deployment: logs to syslog, Debian's admin socket, :80 with the
   * TLS termination lines (:443 with a certificate, redirect to https) shown commented.
   */
  production?: boolean;
}

/**
 * HAProxy's 502/503/504 answered in the platform's own error shape (`{error: {code, reason, message}}`),
 * so a client reads them as it reads the platform's. 503 from HAProxy means no process took the
 * request (none is up, or none freed up in time): nothing was done, send it again. 502 and 504 mean a
 * process had the request and its answer was lost (it died, or did not answer in time): a bid may or
 * may not have been placed, and only a retry with the same Idempotency-Key tells which.
 */
function errorAnswers(): string[] {
  const body = (reason: string, message: string): string =>
    JSON.stringify({ error: { code: 'UNAVAILABLE', reason, message } });
  const unknown = body(
    'unknown_outcome',
    'The server did not answer, so the request may or may not have been carried out. Retry with the same Idempotency-Key to learn the outcome (a bid is never placed twice).',
  );
  const line = (status: number, json: string): string =>
    `  http-error status ${status} content-type "application/json; charset=utf-8" string '${json}' hdr Retry-After 1`;
  return [
    line(503, body('unavailable', 'The service is temporarily unavailable; nothing was done. Try again in a moment.')),
    line(502, unknown),
    line(504, unknown),
  ];
}

/** The HAProxy configuration for these backends (what startBalancer runs, and what the README shows). */
export function haproxyConfig(opts: HaproxyConfigOptions): string {
  for (const b of opts.backends)
    if (!/^[A-Za-z0-9_.-]+$/.test(b.name)) throw new Error(`backend name ${JSON.stringify(b.name)} is not usable`);
  const inter = opts.checkIntervalMs ?? 1_000;
  const maxconn = opts.maxconn ?? (opts.production ? 100_000 : maxconnWithinLimit());
  const production = opts.production ?? false;
  const lines: string[] = [];
  const add = (...l: string[]): void => void lines.push(...l);

  add('global');
  if (production) add('  log /dev/log local0');
  else if (opts.log) add('  log stdout format raw local0 info');
  add(
    `  stats socket ${opts.statsSocket} mode ${production ? '660' : '600'} level admin`,
    `  maxconn ${maxconn}`,
    '',
    'defaults',
    '  mode http',
  );
  if (production || opts.log) add('  log global', '  option httplog');
  add(
    '  option dontlognull',
    `  maxconn ${maxconn}`,
    // A process that is gone refuses at once; one whose host is gone drops the SYN: 2 s, then another.
    '  timeout connect 2s',
    // A request is answered within the platform's own bounds (a bid 2 s, any request 5 s by default).
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 10s',
    '  timeout queue 5s',
    // An upgraded WebSocket is a tunnel: socket.io pings every 25 s, so 75 s of silence means it is dead.
    `  timeout tunnel ${(SOCKET_IO_PING_INTERVAL_MS * 3) / 1_000}s`,
    '  timeout client-fin 5s',
    // The readiness check waits up to 1 s for the database; leave room for a busy process.
    `  timeout check ${Math.max(2_000, inter * 2) / 1_000}s`,
    // Retry only when the connection could not be made: then the request never reached a process and
    // another may take it. A request that reached one and lost its answer (a process killed mid-bid)
    // is not retried here: the bid may be committed, and only the client, with its Idempotency-Key,
    // may send it again. `redispatch 1`: every retry goes to another server.
    '  retries 2',
    '  retry-on conn-failure',
    '  option redispatch 1',
    ...errorAnswers(),
    '',
    `frontend ${FRONTEND}`,
  );
  if (production) {
    add(
      '  bind :80',
      '  # TLS terminated here (then PUBLIC_ORIGIN=https://…; the platform sets HSTS itself):',
      '  # bind :443 ssl crt /etc/haproxy/certs/auction.pem',
      '  # http-request redirect scheme https code 301 unless { ssl_fc }',
    );
  } else {
    add(`  bind ${opts.bind ?? '127.0.0.1:8080'}`);
  }
  add(
    // TRUST_PROXY takes the last X-Forwarded-For entry: the one appended here, whatever a client sent.
    opts.keepClientForwardedFor ? '  option forwardfor if-none' : '  option forwardfor',
    // Replaced, never passed on: a client must not make the platform think a plain request was https.
    '  http-request set-header X-Forwarded-Proto https if { ssl_fc }',
    '  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }',
    `  default_backend ${BACKEND}`,
    '',
    `backend ${BACKEND}`,
    // WebSockets are long-lived: round robin spreads new connections evenly by count, but after a
    // process restarts it would get only its share of new ones while the others keep the sockets that
    // fled to them; least connections sends new ones to the emptiest process until they are even.
    // For short HTTP requests both behave alike.
    `  balance ${opts.balance ?? 'leastconn'}`,
    // Readiness: 503 while the process cannot reach its database, and no answer at all once it stops
    // listening (SIGTERM); either takes it out of rotation after `fall` checks. WebSockets already
    // open on it are not cut by a failed check (no on-marked-down shutdown-sessions): during a
    // database blip every process fails readiness, yet its watchers keep their live feed.
    // HTTP/1.1 with a Host: Node refuses a request without one (400), HTTP/1.0 included.
    '  option httpchk',
    `  http-check send meth GET uri /api/health ver HTTP/1.1 hdr Host ${opts.checkHost ?? 'localhost'}`,
    '  http-check expect status 200',
  );
  if (opts.servedByHeader ?? !production) add('  http-response set-header X-Served-By %s');
  add(
    `  default-server inter ${inter}ms fastinter ${inter}ms downinter ${inter}ms fall ${opts.fall ?? 2} rise ${opts.rise ?? 2}`,
  );
  for (const b of opts.backends) add(`  server ${b.name} ${b.host}:${b.port} check`);
  return `${lines.join('\n')}\n`;
}

/**
 * The most connections the descriptor limit a child of this process inherits can carry: two per
 * connection, and some for listeners, checks and logs. Linux only (from /proc), else a small default.
 */
export function maxconnWithinLimit(): number {
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
    const hard = m && m[2] !== 'unlimited' ? Number(m[2]) : 200_000;
    return Math.max(100, Math.min(100_000, Math.floor((hard - 200) / 2)));
  } catch {
    return 4_000;
  }
}

/** Parses HAProxy's `show stat` CSV into rows keyed by column name. */
export function parseStats(csv: string): Record<string, string>[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) throw new Error(`not HAProxy stats: ${csv.slice(0, 200)}`);
  const names = header.slice(2).split(',');
  return lines
    .filter((l) => !l.startsWith('#'))
    .map((l) => {
      const cells = l.split(',');
      return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
    });
}

/** Sends one command to HAProxy's admin socket; HAProxy answers and closes the connection. */
function adminCommand(socketPath: string, line: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(socketPath);
    let answer = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`HAProxy's admin socket did not answer "${line}" within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${line}\n`));
    conn.on('data', (d: string) => (answer += d));
    conn.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    conn.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export interface StartBalancerOptions {
  backends: BalancerBackend[];
  /** HAProxy's output and one line per request (option httplog); without it, request logging is off. */
  logFile?: string;
  /** Health-check interval, ms (default 1000); a killed process is DOWN after about fall × this. */
  checkIntervalMs?: number;
  balance?: 'leastconn' | 'roundrobin';
  fall?: number;
  rise?: number;
  /** The frontend's port on 127.0.0.1; default a free one. */
  port?: number;
  maxconn?: number;
  /** See HaproxyConfigOptions.keepClientForwardedFor: loopback benchmarks only. */
  keepClientForwardedFor?: boolean;
  /** How long to wait for HAProxy to listen (default 10 s). */
  timeoutMs?: number;
}

const MAX_OUTPUT = 64 * 1024;

/**
 * Starts HAProxy in the foreground (-db) as a child process in front of `backends`, and resolves once
 * its frontend accepts connections. It does not wait for the backends to be UP: call waitFor.
 * HAProxy is killed when this process exits, however it exits (a watchdog holds a pipe from this
 * process, and kills HAProxy when the pipe closes).
 */
export async function startBalancer(opts: StartBalancerOptions): Promise<Balancer> {
  const binary = haproxyPath();
  if (!binary) throw new Error('HAProxy is not installed (Debian: apt-get install haproxy)');
  if (opts.backends.length === 0) throw new Error('a balancer needs at least one backend');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auction-haproxy-'));
  const statsSocket = path.join(dir, 'admin.sock');
  const port = opts.port ?? (await freePort());
  const config = haproxyConfig({
    backends: opts.backends,
    bind: `127.0.0.1:${port}`,
    statsSocket,
    checkIntervalMs: opts.checkIntervalMs,
    fall: opts.fall,
    rise: opts.rise,
    balance: opts.balance,
    maxconn: opts.maxconn,
    log: Boolean(opts.logFile),
    servedByHeader: true,
    keepClientForwardedFor: opts.keepClientForwardedFor,
  });
  const configFile = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(configFile, config);

  let out = '';
  const logFd = opts.logFile ? fs.openSync(opts.logFile, 'a') : undefined;
  const child: ChildProcess = spawn(binary, ['-db', '-f', configFile], {
    stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
  });
  if (logFd !== undefined) fs.closeSync(logFd);
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-MAX_OUTPUT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = (): string => (opts.logFile ? safeTail(opts.logFile) : out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) throw await spawnFailed;

  // The watchdog: a shell that waits for end-of-file on a pipe only this process writes to. When
  // this process dies (even by SIGKILL, which runs no exit handler) the pipe closes and the shell
  // kills HAProxy, so no balancer outlives its test or benchmark.
  const watchdog = spawn('/bin/sh', ['-c', 'read _ignored; kill -9 "$1" 2>/dev/null', 'sh', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { _handle?: { unref?(): void } })._handle?.unref?.();
  const onExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', onExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.off('exit', onExit);
      // The watchdog first: it must not kill a pid that, once HAProxy is gone, may belong to another.
      watchdog.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) {
        // SIGTERM: HAProxy's hard stop (SIGUSR1 would wait for every tunnel to end).
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(force);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    })());

  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`HAProxy exited (${child.exitCode ?? child.signalCode}) at start:\n${output()}\n${config}`);
    }
    if (fs.existsSync(statsSocket) && (await canConnect(port))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`HAProxy did not listen on 127.0.0.1:${port} within its start bound:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  const command = (line: string): Promise<string> => adminCommand(statsSocket, line);
  const serverStates = async (): Promise<Record<string, ServerState>> => {
    const rows = parseStats(await command('show stat'));
    const states: Record<string, ServerState> = {};
    const n = (v: string | undefined): number => Number(v || 0);
    for (const r of rows) {
      if (r.pxname !== BACKEND || r.svname === 'BACKEND' || r.svname === 'FRONTEND') continue;
      states[r.svname] = {
        status: r.status,
        currentSessions: n(r.scur),
        totalSessions: n(r.stot),
        connectionErrors: n(r.econ),
        responseErrors: n(r.eresp),
        retries: n(r.wretr),
        redispatches: n(r.wredis),
        checkStatus: r.check_status,
        lastChangeSeconds: n(r.lastchg),
      };
    }
    return states;
  };
  const waitFor = async (name: string, status: 'UP' | 'DOWN', timeoutMs: number): Promise<void> => {
    if (!opts.backends.some((b) => b.name === name)) throw new Error(`no backend named ${name}`);
    const until = Date.now() + timeoutMs;
    let last: ServerState | undefined;
    for (;;) {
      last = (await serverStates())[name];
      if (last?.status === status) return;
      if (Date.now() > until)
        throw new Error(
          `HAProxy did not mark ${name} ${status} within ${timeoutMs} ms (now ${last?.status}, last check ${last?.checkStatus})`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    base: `http://127.0.0.1:${port}`,
    backends: opts.backends,
    pid,
    config,
    serverStates,
    waitFor,
    command,
    output,
    stop,
  };
}

function safeTail(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-MAX_OUTPUT);
  } catch {
    return '';
  }
}
