// Starts the real platform as a separate process (node server/main.ts), the way `npm start` runs it,
// on a free port, and waits for /api/health. Used by tests of start-up, shutdown, storms and crashes.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GENEROUS_BOUNDS } from './bounds.ts';
import { TEST_PERSON_HASH_KEY, TEST_PERSONAL_DATA_KEY } from './person-hash-key.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  port: number;
  output(): string;
  /** Sends a signal and resolves with the exit code (or signal) once the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export interface StartOptions {
  port?: number;
  timeoutMs?: number;
  /** `npm start` runs the package script (npm, a shell, then node); default: node server/main.ts. */
  launcher?: 'node' | 'npm start';
}

export async function startServerProcess(
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'auction-proc-'));
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DEMO_DATA: 'false',
    AUCTION_MIN_BIDDING_MINUTES: '0',
    ...GENEROUS_BOUNDS,
    PERSON_HASH_KEY: TEST_PERSON_HASH_KEY,
    PERSONAL_DATA_KEY: TEST_PERSONAL_DATA_KEY,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    ...env,
  };
  const [command, args]: [string, string[]] =
    options.launcher === 'npm start' ? ['npm', ['start']] : [process.execPath, [path.join(ROOT, 'server', 'main.ts')]];
  const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    base,
    port,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        const started = Date.now();
        if (child.exitCode !== null || child.signalCode !== null)
          return resolve({ code: child.exitCode, signal: child.signalCode, ms: 0 });
        child.once('exit', (code, sig) => resolve({ code, signal: sig, ms: Date.now() - started }));
        child.kill(signal);
      }),
  };
}
