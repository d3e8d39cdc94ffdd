// Command-line flags of `npm run bench -- [flags]`. Defaults are the full storm of issue 6 with the
// overload step and the database outage of issue 12; --smoke shrinks everything to a few seconds for
// the test that keeps the benchmark from rotting, --short keeps the real rates with short steps.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { flagList, flagNumber } from './flags.ts';

export type Phase =
  'a' | 'b' | 'platform' | 'bare' | 'pgbench' | 'capacity' | 'memory' | 'overload' | 'descending' | 'outage';
export const PHASES: Phase[] = [
  'a',
  'b',
  'platform',
  'bare',
  'pgbench',
  'capacity',
  'memory',
  'overload',
  'descending',
  'outage',
];

/** Issue 21's capacity figure: a search for the highest rate answered within 1 s, and pgbench beside it. */
export interface CapacityArgs {
  durationS: number;
  maxSteps: number;
  /** The search never offers more than this (bids/s). */
  ceiling: number;
  /** Seconds of pgbench's one-row-one-transaction run. */
  pgbenchS: number;
}

/** The overload step: open-loop bids at `factor` × the rate the platform sustains. */
export interface OverloadArgs {
  factor: number;
  /** A fixed offered rate instead of factor × the sustained rate (0: measure). */
  rate: number;
  durationS: number;
  /** HTTP keep-alive connections over all load generators, opened before the step (the storm's × factor). */
  connections: number;
  /**
   * The most connections the generators open during the step when every open one is busy: a bid goes
   * on the wire at its scheduled time, as from another bidder's browser, instead of queueing in the
   * generator (whose wait would be counted against the platform). Capped by file descriptors.
   */
  maxConnections: number;
}

/** The outage phase: a steady flow of bids while the platform's database link is cut and restored. */
export interface OutageArgs {
  rate: number;
  /** Approved bidders sending the flow (unapproved ones send their 3 bids in 20 as in the storm). */
  bidders: number;
  watchers: number;
  /** Seconds of flow before the cut, of the cut, and after the restore. */
  beforeS: number;
  cutS: number;
  afterS: number;
  connections: number;
}

export interface BenchArgs {
  smoke: boolean;
  /** The real rates with short steps (5 s): a quick look, never written to bench/results or the README. */
  short: boolean;
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
  overload: OverloadArgs;
  outage: OutageArgs;
  capacity: CapacityArgs;
  /** The bound on a bid's answer (the platform's BID_TIMEOUT_MS); passed to the platform only when given. */
  boundMs: number;
  boundGiven: boolean;
  /** A client gives up on an answer after this long (overload and outage). */
  clientTimeoutMs: number;
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
  --short                    the real rates with 5 s steps and a shorter outage; results go to a
                             temporary directory, never to bench/results or the README
  --rates 500,1000,2000,4000 offered bids/s, one step each
  --duration 20              seconds per step (--short: 5)
  --warmup 3                 seconds of unreported warm-up at 200 bids/s before each scenario (0: none)
  --watchers 2000            watcher sockets (platform and baseline b)
  --watcher-procs N          processes holding the watchers (default: one per 1,000)
  --bidders 200              approved bidders (plus --unapproved 50 registered but not approved)
  --loadgens 2               load-generator processes
  --connections N            HTTP keep-alive connections in total (default: one per approved bidder)
  --db-pool 10               database connections of the platform and of baseline (a)
  --memory-watchers 10000    sockets for the memory figure (0 skips it)
  --fanout-ticks 0,10        baseline (b) variants: 0 = emit each bid, N = coalesce per N ms
  --phases a,b,platform,bare,pgbench,capacity,memory,overload,descending,outage
                             which parts run (default all); bare: the platform again without
                             watchers; pgbench: PostgreSQL's own one-row-one-transaction rate with
                             --db-pool connections; capacity: the highest offered rate at which
                             every bid is answered within 1 s (from the platform steps, then a
                             search of its own); overload: one step at 4x the sustained rate (measured on the
                             platform steps, or on its own calibration steps when platform does not
                             run); descending: every approved bidder accepts a descending lot's
                             price at the same instant (about 20 s); outage: the database link cut
                             and restored under a steady flow.
                             Quick look at the new parts: --phases overload,outage --short
  --overload-factor 4        offered rate of the overload step, × the sustained rate
  --overload-rate N          offer N bids/s instead (no measuring)
  --overload-duration S      seconds of the overload step (default: --duration)
  --overload-connections N   HTTP connections opened before it (default: --connections × factor, at least 2000)
  --overload-max-connections N
                             the most connections the generators open during it when all are busy,
                             so that bids leave at their scheduled time (default 8000; --smoke 400)
  --capacity-duration 10     seconds per step of the capacity search (--short: 5)
  --capacity-steps 6         the most steps the capacity search runs
  --pgbench-duration 15      seconds of the pgbench run
  --outage-rate 100          bids/s of the steady flow during the outage phase
  --outage-bidders 10        approved bidders sending it
  --outage-watchers 100      watcher sockets on the platform during the outage
  --outage 5,8,20            seconds of flow before the cut, of the cut, after the restore (--short: 3,8,12)
  --bound-ms 2000            the bound on a bid's answer (the platform's BID_TIMEOUT_MS default;
                             passed to the platform as BID_TIMEOUT_MS only when given)
  --client-timeout 10        seconds a client waits for an answer (overload, outage) before giving up
  --registration-seconds 30  registration window before bidding opens (setup must fit in it)
  --out bench/results        where the JSON and markdown go
  --no-readme                do not rewrite the README's Benchmark section
  --profile                  V8 CPU profiles of the servers under test (summarize: node bench/profile-summary.ts FILE)
  --keep-db                  keep the bench database afterwards
Environment: DATABASE_URL (admin connection; default postgres://127.0.0.1:5432/postgres).`;

const list = flagList;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      short: { type: 'boolean', default: false },
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
      'overload-factor': { type: 'string' },
      'overload-rate': { type: 'string' },
      'overload-duration': { type: 'string' },
      'overload-connections': { type: 'string' },
      'overload-max-connections': { type: 'string' },
      'capacity-duration': { type: 'string' },
      'capacity-steps': { type: 'string' },
      'pgbench-duration': { type: 'string' },
      'outage-rate': { type: 'string' },
      'outage-bidders': { type: 'string' },
      'outage-watchers': { type: 'string' },
      outage: { type: 'string' },
      'bound-ms': { type: 'string' },
      'client-timeout': { type: 'string' },
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
  const short = !smoke && (values.short ?? false);
  const num = (v: string | undefined, full: number, small: number, shortValue = full): number =>
    flagNumber(v, smoke ? small : short ? shortValue : full);
  const watchers = num(values.watchers, 2000, 20);
  const bidders = num(values.bidders, 200, 10);
  const phases = values.phases ? (values.phases.split(',').map((p) => p.trim()) as Phase[]) : PHASES;
  for (const p of phases) if (!PHASES.includes(p)) throw new Error(`unknown phase ${p}; use ${PHASES.join(',')}`);
  const durationS = num(values.duration, 20, 1, 5);
  const connections = Math.max(1, num(values.connections, bidders, 4));
  const factor = num(values['overload-factor'], 4, 4);
  const outageRate = Math.max(1, num(values['outage-rate'], 100, 20));
  const [beforeS, cutS, afterS] = values.outage
    ? list(values.outage)
    : smoke
      ? [1, 3, 5]
      : short
        ? [3, 8, 12]
        : [5, 8, 20];
  if (beforeS === undefined || !cutS || !afterS)
    throw new Error(
      '--outage wants three numbers of seconds: before the cut, the cut, after the restore (e.g. 5,8,20)',
    );
  const boundMs = num(values['bound-ms'], 2000, 2000);
  return {
    smoke,
    short,
    adminUrl: process.env.DATABASE_URL || 'postgres://127.0.0.1:5432/postgres',
    rates: values.rates ? list(values.rates) : smoke ? [20, 40] : [500, 1000, 2000, 4000],
    durationS,
    warmup: { rate: 200, durationS: num(values.warmup, 3, 0, 2) },
    watchers,
    watcherProcs: Math.max(1, num(values['watcher-procs'], Math.ceil(watchers / 1000), 1)),
    bidders,
    unapproved: Math.max(1, num(values.unapproved, 50, 4)),
    loadgens: Math.max(1, num(values.loadgens, 2, 1)),
    connections,
    dbPool: Math.max(1, num(values['db-pool'], 10, 4)),
    memoryWatchers: num(values['memory-watchers'], 10_000, 50),
    fanoutTicks: values['fanout-ticks'] ? list(values['fanout-ticks']) : smoke ? [10] : [0, 10],
    phases,
    overload: {
      factor,
      rate: num(values['overload-rate'], 0, 0),
      durationS: num(values['overload-duration'], durationS, durationS),
      // Bidders' connections are open before the closing minutes (they have had the lot page open).
      connections: Math.max(
        1,
        num(
          values['overload-connections'],
          Math.max(Math.ceil(connections * factor), 2000),
          Math.ceil(connections * factor),
        ),
      ),
      maxConnections: Math.max(1, num(values['overload-max-connections'], 8000, 400)),
    },
    outage: {
      rate: outageRate,
      bidders: Math.max(2, Math.min(bidders, num(values['outage-bidders'], 10, 4))),
      watchers: num(values['outage-watchers'], 100, 10),
      beforeS,
      cutS,
      afterS,
      // Enough connections for every bid of twice the bound in flight: bids wait in the platform, not in the client.
      connections: Math.max(connections, Math.ceil((outageRate * 2 * boundMs) / 1000)),
    },
    capacity: {
      durationS: Math.max(1, num(values['capacity-duration'], 10, 1, 5)),
      maxSteps: num(values['capacity-steps'], 6, 2),
      ceiling: 32_000,
      pgbenchS: Math.max(1, num(values['pgbench-duration'], 15, 2, 5)),
    },
    boundMs,
    boundGiven: values['bound-ms'] !== undefined,
    clientTimeoutMs: num(values['client-timeout'], 10, 10) * 1000,
    registrationSeconds: num(values['registration-seconds'], 30, 6),
    drainMs: smoke ? 15_000 : 20_000,
    deadlineMs: 30_000,
    stepLeadMs: smoke ? 300 : 1_000,
    walSettleMs: smoke ? 0 : 1_200,
    outDir:
      values.out ??
      (smoke
        ? path.join(os.tmpdir(), 'auction-bench-smoke')
        : short
          ? path.join(os.tmpdir(), 'auction-bench-short')
          : path.resolve(import.meta.dirname, '..', 'results')),
    profile: values.profile ?? false,
    // The README shows full runs only: every part, full-length steps.
    readme: !smoke && !short && !values['no-readme'] && !values.profile && PHASES.every((p) => phases.includes(p)),
    keepDatabase: values['keep-db'] ?? false,
  };
}
