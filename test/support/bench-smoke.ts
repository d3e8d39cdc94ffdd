// What the benchmarks' smoke tests share (test/bench/*-smoke.test.ts): the PostgreSQL and Redis the
// bench will use, skipping with the reason printed when they are absent (a failure under CI=true,
// where every prerequisite must be present), and `npm run bench -- --scenario … --smoke` run as a
// child process into a fresh results directory, whose JSON report the test then reads.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { createClient } from 'redis';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The admin URL the bench will use: that of the test run's PostgreSQL, else the local default. */
export function benchAdminUrl(): string {
  const base = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://127.0.0.1:5432/postgres';
  const u = new URL(base);
  u.pathname = '/postgres';
  return u.toString();
}

export const benchRedisUrl = (): string => process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** Why PostgreSQL at `url` cannot be used, or null when it answers. */
export async function postgresProblem(url: string): Promise<string | null> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** Why Redis at `url` cannot be used, or null when it answers. */
export async function redisProblem(url: string): Promise<string | null> {
  const client = createClient({ url, socket: { connectTimeout: 3_000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    if (client.isOpen) await client.close().catch(() => {});
  }
}

/** Skips the test with the reason printed, or fails under CI=true, when `problem` is not null. */
export function requireOrSkip(t: { skip(): void }, problem: string | null, what: string, who: string): void {
  if (!problem) return;
  if (process.env.CI === 'true') throw new Error(`${what} is required under CI: ${problem}`);
  console.log(`skipped: ${who} needs ${what} (${problem})`);
  t.skip();
}

export interface SmokeRun<R> {
  code: number | null;
  /** Everything the bench printed, for the assertion messages. */
  output: string;
  /** The JSON report it wrote (undefined when it wrote none), and whether a markdown one sits beside it. */
  report: R | undefined;
  markdown: boolean;
}

/**
 * Runs `npm run bench -- <args> --out <fresh dir>` (bench/run.ts) with DATABASE_URL set to the admin
 * URL, reads the report it wrote, and removes the directory.
 */
export async function runBenchSmoke<R>(args: string[], env: Record<string, string> = {}): Promise<SmokeRun<R>> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  try {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'run.ts'), ...args, '--out', outDir], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: benchAdminUrl(), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('exit', (c) => resolve({ code: c, output: out }));
    });
    const files = fs.readdirSync(outDir);
    const json = files.find((f) => f.endsWith('.json'));
    return {
      code,
      output,
      report: json ? (JSON.parse(fs.readFileSync(path.join(outDir, json), 'utf8')) as R) : undefined,
      markdown: files.some((f) => f.endsWith('.md')),
    };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}
