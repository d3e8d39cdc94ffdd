// The auction day's smoke mode (`npm run bench -- --scenario day --smoke`) run end to end, so the
// scenario cannot rot: real platform processes and PostgreSQL, the opening rush through the real
// OpenID Connect flow, watchers, the bidding window and the checks, at tiny scale; once on one
// process and once on two behind HAProxy (sharing Redis). Only that every part produced its figures
// and the correctness checks are asserted, never timings (the machine is shared).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import type { DayReport } from '../../bench/lib/day-report.ts';
import { LOT_CLASSES } from '../../bench/lib/day-plan.ts';
import { haproxyPath } from '../../bench/lib/balancer.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CI = process.env.CI === 'true';

/** The admin URL the bench will use: that of the test run's PostgreSQL, else the local default. */
function adminUrl(): string {
  const base = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://127.0.0.1:5432/postgres';
  const u = new URL(base);
  u.pathname = '/postgres';
  return u.toString();
}
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

async function postgresAnswers(url: string): Promise<string | null> {
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

async function redisAnswers(url: string): Promise<string | null> {
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

/** Skips with the reason printed, or fails under CI=true where every prerequisite must be present. */
function prerequisite(t: { skip(): void }, problem: string | null, what: string): void {
  if (!problem) return;
  if (CI) throw new Error(`${what} is required under CI: ${problem}`);
  console.log(`skipped: the day benchmark's smoke run needs ${what} (${problem})`);
  t.skip();
}

function runDay(url: string, outDir: string, extra: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bench', 'run.ts'), '--scenario', 'day', '--smoke', '--out', outDir, ...extra],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: url, REDIS_URL: redisUrl }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function smoke(url: string, extra: string[]): Promise<void> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-day-smoke-'));
  try {
    const { code, output } = await runDay(url, outDir, extra);
    expect(code, output).toBe(0);
    const file = fs.readdirSync(outDir).find((f) => f.endsWith('.json'));
    expect(file, output).toBeDefined();
    expect(fs.readdirSync(outDir).some((f) => f.endsWith('.md'))).toBe(true);
    const r = JSON.parse(fs.readFileSync(path.join(outDir, file!), 'utf8')) as DayReport;
    expect(r.correctness, output).toMatchObject({ ok: true, problems: [] });

    // The rush: everyone signed in through the provider and got their own lot page, signed in.
    expect(r.rush.people).toBe(r.plan.people);
    expect(r.rush.signIns).toMatchObject({ ok: r.plan.people, failed: 0 });
    expect(r.rush.pages).toMatchObject({ ok: r.plan.people * r.shape.rushPages, failed: 0 });
    expect(r.rush.pages.showedBidder).toBe(r.rush.pages.ok);
    expect(r.rush.signIns.latency?.count).toBe(r.plan.people);
    expect(r.rush.pages.latency).not.toBeNull();
    expect(r.rush.signIns.perSec).toBeGreaterThan(0);
    expect(r.rush.serverCpuMsPerPerson).toBeGreaterThan(0);
    expect(r.rush.idpRequests).toEqual({ authorize: r.plan.people, token: r.plan.people });
    expect(r.rush.loop).toHaveLength(r.processes);

    // Watchers: every socket connected; memory and idle cost measured.
    expect(r.memory.connected).toBe(r.plan.watchersTotal);
    expect(r.memory.rssAfterMiB).toBeGreaterThan(0);
    expect(Number.isFinite(r.memory.perThousandMiB)).toBe(true);
    expect(Number.isFinite(r.idle.serverCpuMsPerThousandSocketsPerSec)).toBe(true);
    expect(r.idle.background.seconds).toBeGreaterThan(0);

    // Bidding: every class bid, was acknowledged and reached its watchers; costs were measured.
    for (const c of LOT_CLASSES) {
      const x = r.steady.byClass[c];
      expect(x.sent, c).toBe(r.plan.bids[c]);
      expect(x.accepted, c).toBeGreaterThan(0);
      expect(x.errors, c).toBe(0);
      expect(x.ack?.count, c).toBe(x.accepted);
      expect(x.watcher, c).not.toBeNull();
      expect(x.deliveries, c).toBeGreaterThan(0);
    }
    expect(r.steady.drained).toBe(true);
    expect(r.steady.cpu.serverMsPerBid).toBeGreaterThan(0);
    expect(r.steady.cpu.serverUsPerMessage).toBeGreaterThan(0);
    expect(r.steady.db.commits).toBeGreaterThan(0);
    expect(r.steady.loop).toHaveLength(r.processes);

    // Every acknowledged bid is in its lot's ledger; every watcher saw its lot's seqs in order.
    expect(r.correctness.ledger).toMatchObject({ acknowledgedMissing: 0, lotsIntact: r.shape.lots });
    expect(r.correctness.ledger.acknowledged).toBe(r.steady.accepted);
    expect(r.correctness.watchers).toMatchObject({
      sockets: r.plan.watchersTotal,
      complete: r.plan.watchersTotal,
      gaps: 0,
      outOfOrder: 0,
      disconnects: 0,
      unknownAmounts: 0,
    });
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

describe('the auction day benchmark, smoke run', () => {
  it('runs every part on one platform process with all correctness checks passing', async (t) => {
    const url = adminUrl();
    prerequisite(t, await postgresAnswers(url), `PostgreSQL at ${url}`);
    await smoke(url, []);
  }, 300_000);

  it('runs every part on two processes behind HAProxy, sharing Redis', async (t) => {
    const url = adminUrl();
    prerequisite(t, await postgresAnswers(url), `PostgreSQL at ${url}`);
    prerequisite(t, haproxyPath() ? null : 'not installed (Debian: apt-get install haproxy)', 'HAProxy');
    prerequisite(t, await redisAnswers(redisUrl), `Redis at ${redisUrl}`);
    await smoke(url, ['--processes', '2']);
  }, 300_000);
});
