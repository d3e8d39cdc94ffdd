// The platform's process lifecycle: `npm start` stops with the signal it is sent (no orphaned server),
// one process at a time on an embedded database's data directory, and a busy port refused with one
// line before anything is opened.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, ROOT, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { GENEROUS_BOUNDS } from '../support/bounds.ts';
import { createPostgresDatabase, onPostgres } from '../support/db.ts';
import { migratedDataDir } from '../support/migrated-data-dir.ts';

const started: ServerProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop('SIGKILL');
  for (const c of cleanups.splice(0)) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auction-lifecycle-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(
  env: Record<string, string>,
  options: Parameters<typeof startServerProcess>[1] = {},
): Promise<ServerProcess> {
  const server = await startServerProcess(env, { timeoutMs: 120_000, ...options });
  started.push(server);
  return server;
}

/** Every process below `pid` (Linux /proc), with its state letter. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* ended meanwhile */
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, parent] of parents)
      if (parent === p && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
  }
  return found;
}

/** Whether a process still runs (a zombie, ended but not yet reaped, does not). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Runs node server/main.ts to its end (bounded), for starts that must refuse. */
function runToExit(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string; ms: number }> {
  const childEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DEMO_DATA: 'false',
    AUCTION_MIN_BIDDING_MINUTES: '0',
    HOST: '127.0.0.1',
    ...GENEROUS_BOUNDS,
    ...env,
  };
  const began = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'server', 'main.ts')], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - began });
    });
  });
}

const lines = (output: string): string[] => output.trim().split('\n');

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops the server with it on %s (no orphan left running)',
    async (signal) => {
      const server = await start({}, { launcher: 'npm start' });
      const below = descendants(server.child.pid!);
      cleanups.push(() => below.filter(running).forEach((pid) => process.kill(pid, 'SIGKILL')));
      // The node process running the launcher (argv: node server/start.mjs), not a shell around it.
      const servers = below.filter(
        (pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1] === 'server/start.mjs',
      );
      expect(servers).toHaveLength(1);

      server.child.kill(signal);
      await expect.poll(() => below.filter(running), { timeout: 10_000, interval: 100 }).toEqual([]);
      expect(server.output()).toContain('shut down cleanly');
    },
    180_000,
  );
});

describe('one process per embedded data directory', () => {
  it('refuses a second process at once, with one line, while the first keeps serving', async () => {
    const dataDir = tempDir();
    const first = await start({ DATA_DIR: dataDir });

    const second = await runToExit({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(lines(second.output)).toEqual([
      `The data directory ${dataDir} is in use by another process (pid ${first.child.pid}): two processes on one embedded database would corrupt it. Stop that process, or give this one its own DATA_DIR.`,
    ]);
    // Refused before the web build check and the database: well under a normal start.
    expect(second.ms).toBeLessThan(10_000);

    expect((await fetch(`${first.base}/api/health`)).status).toBe(200);
    expect((await fetch(`${first.base}/api/lots`)).status).toBe(200);

    // A clean stop releases the directory for the next process.
    expect((await first.stop('SIGTERM')).code).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'platform.lock'))).toBe(false);
    const next = await start({ DATA_DIR: dataDir });
    expect((await fetch(`${next.base}/api/health`)).status).toBe(200);
  }, 240_000);

  it('takes over the directory of a process that crashed', async () => {
    // The database already migrated (../support/migrated-data-dir.ts): this is about the lock, and the
    // first process is killed, never stopped. (A clean stop on such a directory takes a few seconds
    // more than on a new one, too close to the 10 s the tests above allow.)
    const dataDir = await migratedDataDir(tempDir());
    const crashed = await start({ DATA_DIR: dataDir });
    await crashed.stop('SIGKILL');
    expect(fs.readFileSync(path.join(dataDir, 'platform.lock'), 'utf8')).toMatch(
      new RegExp(`^${crashed.child.pid}\\b`),
    );

    const next = await start({ DATA_DIR: dataDir });
    expect((await fetch(`${next.base}/api/health`)).status).toBe(200);
    expect(fs.readFileSync(path.join(dataDir, 'platform.lock'), 'utf8')).toMatch(new RegExp(`^${next.child.pid}\\b`));
  }, 240_000);

  it.runIf(onPostgres())(
    'takes no lock on PostgreSQL: two processes share one DATA_DIR',
    async () => {
      const pg = await createPostgresDatabase();
      cleanups.push(pg.drop);
      const dataDir = tempDir();
      const env = { DATA_DIR: dataDir, DATABASE_URL: pg.url, DEMO: 'true' };
      const a = await start(env);
      const b = await start(env);
      expect((await fetch(`${a.base}/api/health`)).status).toBe(200);
      expect((await fetch(`${b.base}/api/health`)).status).toBe(200);
      expect(fs.existsSync(path.join(dataDir, 'platform.lock'))).toBe(false);
    },
    240_000,
  );
});

describe('a busy port', () => {
  it('is refused with one line and exit code 1 before the data directory is opened', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const dataDir = path.join(tempDir(), 'data');

    const result = await runToExit({ DATA_DIR: dataDir, PORT: String(port) });
    expect(result.code).toBe(1);
    expect(lines(result.output)).toEqual([
      `Cannot listen on 127.0.0.1:${port}: another process is already listening there (EADDRINUSE). Stop it, or set PORT to a free port.`,
    ]);
    // Nothing was created: no database files, no keys, no lock left behind.
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
