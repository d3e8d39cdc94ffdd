// Command-line flags of `npm run bench -- [flags]`. Defaults are the full storm of issue 6; --smoke
// shrinks everything to a few seconds for the test that keeps the benchmark from rotting.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

export type Phase = 'a' | 'b' | 'platform' | 'bare' | 'memory';
export const PHASES: Phase[] = ['a', 'b', 'platform', 'bare', 'memory'];

export interface BenchArgs {
  smoke: boolean;
  adminUrl: string;
  rates: number[];
  durationS: number;
  /** An unreported warm-up step before each scenario's steps (0 s: none). */
  warmup: { rate: number; durationS: number };
  watchers: number;
  watcherProcs: number;
  bidders: number;
  unapproved: number;
  loadgens: number;
  /** HTTP keep-alive connections over all load generators. */
  connections: number;
  /** Database connections of the platform and of baseline (a): the same concurrency. */
  dbPool: number;
  memoryWatchers: number;
  /** Coalescing ticks of baseline (b): 0 emits each bid as it is accepted. */
  fanoutTicks: number[];
  phases: Phase[];
  registrationSeconds: number;
  drainMs: number;
  deadlineMs: number;
  /** Time between announcing a step and its first bid. */
  stepLeadMs: number;
  /** Wait for backends to publish their WAL counters before reading them (they do so about once a second). */
  walSettleMs: number;
  outDir: string;
  /** Write a V8 CPU profile of the platform process (and of baseline b's server) into the log directory. */
  profile: boolean;
  readme: boolean;
  keepDatabase: boolean;
}

const HELP = `npm run bench -- [flags]
  --smoke                    a few seconds at tiny rates (what test/bench runs)
  --rates 500,1000,2000,4000 offered bids/s, one step each
  --duration 20              seconds per step
  --warmup 3                 seconds of unreported warm-up at 200 bids/s before each scenario (0: none)
  --watchers 2000            watcher sockets (platform and baseline b)
  --watcher-procs N          processes holding the watchers (default: one per 1,000)
  --bidders 200              approved bidders (plus --unapproved 50 registered but not approved)
  --loadgens 2               load-generator processes
  --connections N            HTTP keep-alive connections in total (default: one per approved bidder)
  --db-pool 10               database connections of the platform and of baseline (a)
  --memory-watchers 10000    sockets for the memory figure (0 skips it)
  --fanout-ticks 0,10        baseline (b) variants: 0 = emit each bid, N = coalesce per N ms
  --phases a,b,platform,bare,memory   (bare: the platform again without watchers, the bid path alone)
  --registration-seconds 30  registration window before bidding opens (setup must fit in it)
  --out bench/results        where the JSON and markdown go
  --no-readme                do not rewrite the README's Benchmark section
  --profile                  V8 CPU profiles of the servers under test (summarize: node bench/profile-summary.ts FILE)
  --keep-db                  keep the bench database afterwards
Environment: DATABASE_URL (admin connection; default postgres://127.0.0.1:5432/postgres).`;

const list = (s: string): number[] => s.split(',').map((x) => Number(x.trim())).filter((x) => Number.isFinite(x) && x >= 0);

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      rates: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      watchers: { type: 'string' },
      'watcher-procs': { type: 'string' },
      bidders: { type: 'string' },
      unapproved: { type: 'string' },
      loadgens: { type: 'string' },
      connections: { type: 'string' },
      'db-pool': { type: 'string' },
      'memory-watchers': { type: 'string' },
      'fanout-ticks': { type: 'string' },
      phases: { type: 'string' },
      'registration-seconds': { type: 'string' },
      out: { type: 'string' },
      'no-readme': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'keep-db': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const smoke = values.smoke ?? false;
  const num = (v: string | undefined, full: number, small: number): number => {
    if (v === undefined) return smoke ? small : full;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${v}`);
    return n;
  };
  const watchers = num(values.watchers, 2000, 20);
  const bidders = num(values.bidders, 200, 10);
  const phases = values.phases ? (values.phases.split(',').map((p) => p.trim()) as Phase[]) : PHASES;
  for (const p of phases) if (!PHASES.includes(p)) throw new Error(`unknown phase ${p}; use ${PHASES.join(',')}`);
  return {
    smoke,
    adminUrl: process.env.DATABASE_URL || 'postgres://127.0.0.1:5432/postgres',
    rates: values.rates ? list(values.rates) : smoke ? [20, 40] : [500, 1000, 2000, 4000],
    durationS: num(values.duration, 20, 1),
    warmup: { rate: 200, durationS: num(values.warmup, 3, 0) },
    watchers,
    watcherProcs: Math.max(1, num(values['watcher-procs'], Math.ceil(watchers / 1000), 1)),
    bidders,
    unapproved: Math.max(1, num(values.unapproved, 50, 4)),
    loadgens: Math.max(1, num(values.loadgens, 2, 1)),
    connections: Math.max(1, num(values.connections, bidders, 4)),
    dbPool: Math.max(1, num(values['db-pool'], 10, 4)),
    memoryWatchers: num(values['memory-watchers'], 10_000, 50),
    fanoutTicks: values['fanout-ticks'] ? list(values['fanout-ticks']) : smoke ? [10] : [0, 10],
    phases,
    registrationSeconds: num(values['registration-seconds'], 30, 3),
    drainMs: smoke ? 15_000 : 20_000,
    deadlineMs: 30_000,
    stepLeadMs: smoke ? 300 : 1_000,
    walSettleMs: smoke ? 0 : 1_200,
    outDir: values.out ?? (smoke ? path.join(os.tmpdir(), 'auction-bench-smoke') : path.resolve(import.meta.dirname, '..', 'results')),
    profile: values.profile ?? false,
    readme: !smoke && !values['no-readme'] && !values.profile,
    keepDatabase: values['keep-db'] ?? false,
  };
}
