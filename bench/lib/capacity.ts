// Issue 21's capacity figure: the highest offered rate at which every bid is answered within 1 s,
// as a ratio to what PostgreSQL itself does one row per transaction (pgbench, in the same run, on
// the same database and machine, with as many connections as the platform's pool). The platform
// beats one-row-one-transaction by committing a batch of bids per transaction, so the ratio says how
// much of the database's commit rate the bid path turns into bids (aim ≥ 2).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AdaptivePlan, StepResult } from './scenario.ts';
import type { StepPlan } from './schedule.ts';
import type { LedgerCheck } from './verify.ts';
import { runPlatform, type BenchContext } from './phases.ts';

const run = promisify(execFile);

/** The bound of the capacity figure: every bid of a step answered within it. */
export const CAPACITY_BOUND_MS = 1000;

export interface PgbenchResult {
  /** Transactions per second, each one INSERT of one row (pgbench's figure without connection time). */
  tps: number;
  clients: number;
  threads: number;
  durationS: number;
  latencyAvgMs: number | null;
  script: string;
}

export interface CapacityProbe {
  rate: number;
  withinBound: boolean;
  worstMs: number | null;
  why: string;
}

export interface CapacityResult {
  boundMs: number;
  /** The highest offered rate (bids/s) at which every bid was answered within the bound, or 0. */
  rate: number;
  /** The lowest offered rate that missed the bound (null: none did, the search hit its ceiling). */
  firstMissed: number | null;
  /** Every rate tried: the storm's own steps, then the search's. */
  probes: CapacityProbe[];
  stepDurationS: number;
  pgbench?: PgbenchResult;
  /** rate ÷ pgbench tps. */
  ratio: number | null;
  /** The ledger after the search's steps: every acknowledged bid in it, gap-free. */
  ledger?: LedgerCheck;
}

/** Whether a step answered every bid within the bound: nothing unanswered, shed or failed. */
export function judgeStep(s: StepResult, boundMs = CAPACITY_BOUND_MS): CapacityProbe {
  const worst = Math.max(s.ack?.max ?? 0, s.reject?.max ?? 0);
  const why = s.unanswered
    ? `${s.unanswered} unanswered`
    : s.shed
      ? `${s.shed} shed (503)`
      : s.errors
        ? `${s.errors} errors`
        : !s.ack && !s.reject
          ? 'no answers'
          : `slowest answer ${worst} ms`;
  const withinBound = !s.unanswered && !s.shed && !s.errors && Boolean(s.ack || s.reject) && worst <= boundMs;
  return { rate: s.rate, withinBound, worstMs: s.ack || s.reject ? worst : null, why };
}

/**
 * The next rate to try, from what was tried so far: double past the highest rate that held until one
 * misses (at most `ceiling`), then halve the gap between the highest that held and the lowest that
 * missed until it is within 5% (or 25 bids/s). Undefined when the figure is settled.
 */
export function nextCapacityRate(probes: CapacityProbe[], ceiling: number): number | undefined {
  const held = probes.filter((p) => p.withinBound).map((p) => p.rate);
  const missed = probes.filter((p) => !p.withinBound).map((p) => p.rate);
  const lo = held.length ? Math.max(...held) : 0;
  const above = missed.filter((r) => r > lo);
  if (!above.length) {
    if (lo >= ceiling) return undefined;
    return Math.min(ceiling, Math.max(100, lo * 2));
  }
  const hi = Math.min(...above);
  if (hi - lo <= Math.max(25, lo * 0.05)) return undefined;
  return Math.round((lo + hi) / 2 / 25) * 25 || Math.round((lo + hi) / 2);
}

export function capacityOf(probes: CapacityProbe[]): { rate: number; firstMissed: number | null } {
  const held = probes.filter((p) => p.withinBound).map((p) => p.rate);
  const rate = held.length ? Math.max(...held) : 0;
  const above = probes.filter((p) => !p.withinBound && p.rate > rate).map((p) => p.rate);
  return { rate, firstMissed: above.length ? Math.min(...above) : null };
}

/**
 * pgbench on the bench database: `clients` connections, each transaction one INSERT of one row into a
 * table shaped like a bid (lot, amount, time), prepared statements, as fast as it goes for durationS.
 */
export async function runPgbench(url: string, clients: number, durationS: number): Promise<PgbenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auction-pgbench-'));
  const scriptFile = path.join(dir, 'one-row.sql');
  const script =
    '\\set amount random(1, 1000000000)\nINSERT INTO pgbench_one_row (lot_id, amount) VALUES (1, :amount);\n';
  fs.writeFileSync(scriptFile, script);
  const psql = (command: string): Promise<unknown> =>
    run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url, '-c', command]);
  await psql(
    'DROP TABLE IF EXISTS pgbench_one_row; CREATE TABLE pgbench_one_row (id bigserial PRIMARY KEY, lot_id integer NOT NULL, amount bigint NOT NULL, placed_at timestamptz NOT NULL DEFAULT clock_timestamp())',
  );
  const threads = Math.max(1, Math.min(clients, os.availableParallelism()));
  try {
    const { stdout } = await run(
      'pgbench',
      [
        '-n',
        '-M',
        'prepared',
        '-c',
        String(clients),
        '-j',
        String(threads),
        '-T',
        String(durationS),
        '-f',
        scriptFile,
        url,
      ],
      { timeout: (durationS + 60) * 1000 },
    );
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
    if (!tps) throw new Error(`pgbench printed no tps: ${stdout.slice(-400)}`);
    const latency = /latency average = ([\d.]+) ms/.exec(stdout);
    return {
      tps: Math.round(Number(tps[1])),
      clients,
      threads,
      durationS,
      latencyAvgMs: latency ? Number(latency[1]) : null,
      script: script.trim(),
    };
  } finally {
    await psql('DROP TABLE IF EXISTS pgbench_one_row').catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The capacity search on the storm's lot, with the storm's watchers and bidders: it starts from the
 * storm's own steps (`known`) and runs steps of its own until the figure is settled or `maxSteps` ran.
 */
export async function runCapacity(
  ctx: BenchContext,
  firstG: number,
  known: StepResult[],
): Promise<{ result: CapacityResult; nextG: number }> {
  const { durationS, maxSteps, ceiling } = ctx.args.capacity;
  let g = firstG;
  const probesOf = (done: StepResult[]): CapacityProbe[] => [...known, ...done].map((s) => judgeStep(s));
  const plan: AdaptivePlan = (done) => {
    if (done.length >= maxSteps) return undefined;
    const rate = nextCapacityRate(probesOf(done), ceiling);
    if (rate === undefined) return undefined;
    const count = Math.max(1, Math.round(rate * durationS));
    const step: StepPlan = { index: done.length, rate, durationS, firstG: g, count };
    g += count;
    return step;
  };
  ctx.log(
    `capacity: the highest offered rate with every bid answered within ${CAPACITY_BOUND_MS} ms (steps of ${durationS} s, at most ${maxSteps})`,
  );
  const searched = await runPlatform(ctx, plan);
  const probes = probesOf(searched.steps);
  const { rate, firstMissed } = capacityOf(probes);
  ctx.log(`capacity: ${rate} bids/s${firstMissed ? ` (${firstMissed} bids/s missed the bound)` : ''}`);
  return {
    result: {
      boundMs: CAPACITY_BOUND_MS,
      rate,
      firstMissed,
      probes,
      stepDurationS: durationS,
      ratio: null,
      ledger: searched.ledger,
    },
    nextG: g,
  };
}
