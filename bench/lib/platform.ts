// The platform under test as a real server process (node server/main.ts, as `npm start` runs it)
// with the bench's event-loop probe preloaded, and the storm's lot set up through the real API:
// a manager creates and publishes the lot, every bidder registers, the manager approves the deposits
// of the approved share, and the lot goes live.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { wrapChild, type ChildHandle } from './ipc.ts';
import type { BenchIdp } from './idp.ts';
import type { PriceRules } from './schedule.ts';

// One copy of the repository root and the free-port probe, shared with the tests' process starter.
import { freePort, ROOT } from '../../test/support/server-process.ts';
export { ROOT };

export interface ServerUnderTest {
  handle: ChildHandle;
  base: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The bench offers thousands of bids a second from a few hundred bidders on one (loopback) address,
 * up to 80 a second per bidder in the overload step, and opens thousands of watcher sockets at once:
 * far past the platform's per-person and per-address limits, which are sized for people. The bench
 * measures the bid path and its shedding, not those limits, so it lifts them.
 */
const BENCH_RATE_LIMITS: Record<string, string> = {
  RATE_LIMIT_PERSON_PER_SECOND: '1000000',
  RATE_LIMIT_PERSON_BURST: '10000000',
  RATE_LIMIT_ADDRESS_PER_SECOND: '1000000',
  RATE_LIMIT_ADDRESS_BURST: '10000000',
  SOCKET_CONNECTS_PERSON_PER_MINUTE: '60000000',
  SOCKET_CONNECTS_PERSON_BURST: '10000000',
  SOCKET_CONNECTS_ADDRESS_PER_MINUTE: '60000000',
  SOCKET_CONNECTS_ADDRESS_BURST: '10000000',
};

/**
 * Starts a Node server script with the probe preloaded and waits until `ready` answers. `platformLimits`
 * leaves the platform's own rate limits in force (the day scenario's measured parts, whose simulated
 * people each have an address of their own) instead of lifting them.
 */
export async function startServer(
  script: string,
  env: Record<string, string>,
  logFile: string,
  ready: (base: string) => Promise<boolean>,
  nodeArgs: string[] = [],
  options: { platformLimits?: boolean } = {},
): Promise<ServerUnderTest> {
  const port = await freePort();
  const log = fs.openSync(logFile, 'a');
  const proc = spawn(process.execPath, [...nodeArgs, '--import', path.join(ROOT, 'bench', 'server-probe.ts'), script], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(options.platformLimits ? {} : BENCH_RATE_LIMITS),
      ...env,
    },
    stdio: ['ignore', log, log, 'ipc'],
  });
  fs.closeSync(log);
  const handle = wrapChild(proc, path.basename(script));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${script} exited with ${proc.exitCode}; see ${logFile}`);
    try {
      if (await ready(base)) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`${script} did not become ready; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { handle, base, pid: proc.pid!, stop: () => handle.stop() };
}

/** One JSON API call; anything but 2xx throws with the answer's start (and `status`, `retryAfter`). */
export async function api<T>(
  base: string,
  method: string,
  p: string,
  token: string | undefined,
  body?: unknown,
): Promise<T> {
  const res = await fetch(base + p, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok)
    throw Object.assign(new Error(`${method} ${p} answered ${res.status}: ${text.slice(0, 300)}`), {
      status: res.status,
      retryAfter: Number(res.headers.get('retry-after')) || undefined,
    });
  return JSON.parse(text) as T;
}

/** Runs fn over the items, at most `width` at a time; results in the items' order. */
export async function inParallel<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

export interface Person {
  pid: string;
  name: string;
  token: string;
}

export interface LotSetup {
  lotId: number;
  /** Per bidder: registration id and bidder code. */
  registrations: Map<string, { id: number; bidderCode: string }>;
  setupMs: { registerMs: number; approveMs: number; totalMs: number };
}

/**
 * Creates the storm's lot through the API. Registration stays open for `registrationSeconds` (the
 * registrations must fit in it), then bidding opens and stays open for `biddingMinutes`.
 */
export async function setUpLot(options: {
  base: string;
  idp: BenchIdp;
  admin: Person;
  manager: Person;
  approved: Person[];
  unapproved: Person[];
  rules: PriceRules;
  registrationSeconds: number;
  biddingMinutes: number;
  /** Fields of the lot's body to set or (undefined) drop: another method's terms, e.g. a descending lot's. */
  lot?: Record<string, unknown>;
}): Promise<LotSetup> {
  const { base, admin, manager, rules } = options;
  const started = Date.now();
  await api(base, 'GET', '/api/me', manager.token);
  // A manager of the platform's first organisation (issue 19: adding one grants the manager role).
  const [organisation] = (await api<{ items: { id: number }[] }>(base, 'GET', '/api/organisations', undefined)).items;
  await api(base, 'POST', `/api/organisations/${organisation.id}/managers`, admin.token, { pid: manager.pid });
  const now = Date.now();
  const startsAt = new Date(now + options.registrationSeconds * 1000);
  const lot = await api<{ id: number }>(base, 'POST', '/api/lots', manager.token, {
    title: 'Licence plate 51K-888.88 (benchmark storm)',
    description: 'The closing-seconds storm of the benchmark.',
    startingPrice: rules.startingPrice,
    priceStep: rules.priceStep,
    deposit: Math.ceil(rules.startingPrice / 10),
    registrationOpensAt: new Date(now - 60_000).toISOString(),
    registrationClosesAt: startsAt.toISOString(),
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + options.biddingMinutes * 60_000).toISOString(),
    ...options.lot,
  });
  await api(base, 'POST', `/api/lots/${lot.id}/publish`, manager.token);
  const registrations = new Map<string, { id: number; bidderCode: string }>();
  const everyone = [...options.approved, ...options.unapproved];
  const regStarted = Date.now();
  const regs = await inParallel(everyone, 16, (p) =>
    api<{ id: number; bidderCode: string }>(base, 'POST', `/api/lots/${lot.id}/registrations`, p.token, {
      acceptRules: true,
    }),
  );
  everyone.forEach((p, i) => registrations.set(p.pid, { id: regs[i].id, bidderCode: regs[i].bidderCode }));
  const registerMs = Date.now() - regStarted;
  const approveStarted = Date.now();
  await inParallel(options.approved, 16, (p) =>
    api(base, 'POST', `/api/lots/${lot.id}/registrations/${registrations.get(p.pid)!.id}/approve`, manager.token),
  );
  const approveMs = Date.now() - approveStarted;
  if (Date.now() >= startsAt.getTime())
    throw new Error(
      `setting up the lot took longer than its registration window (${options.registrationSeconds} s): raise --registration-seconds`,
    );
  // Wait for bidding to open (the lot reads as live from startsAt by the server clock).
  for (;;) {
    const l = await api<{ status: string }>(base, 'GET', `/api/lots/${lot.id}`, undefined);
    if (l.status === 'live') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { lotId: lot.id, registrations, setupMs: { registerMs, approveMs, totalMs: Date.now() - started } };
}
