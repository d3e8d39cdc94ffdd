// Command-line flags of `npm run bench -- --scenario day [flags]`. The defaults are a shift at national
// scale (150 lots × 60 approved bidders, 3,000 people on 3 lots each) with what two cores force
// scaled down and reported: the watchers (10 per registrant would be 90,000 sockets; the default holds
// a tenth, what one process's and the balancer's 20,000 file descriptors carry), the opening rush
// (30% of the people sign in within the minute) and the shift's length (its 25 minutes of bidding
// compressed into a 4-minute window). --smoke is the same code at tiny scale.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkShape, type DayShape } from './day-plan.ts';
import { flagInteger, flagNumber } from './flags.ts';

export interface DayArgs {
  smoke: boolean;
  adminUrl: string;
  redisUrl: string;
  shape: DayShape;
  processes: 1 | 2;
  balancer: boolean;
  /** Seconds of the quiet stretch (watchers connected, no bids): the sockets' own cost. */
  idleS: number;
  /** Sockets a pool process holds (each pool is a process with its own descriptors). */
  socketsPerPool: number;
  /** Bid connections of the bidders' process. */
  connections: number;
  dbPool: number;
  setup: { width: number; groupSize: number; startRate: number };
  /** How long a rush browser waits for one answer. */
  rushTimeoutMs: number;
  drainMs: number;
  outDir: string;
  readme: boolean;
  keepDatabase: boolean;
}

const HELP = `npm run bench -- --scenario day [flags]
  An auction day: one shift of lots live at once, the opening rush of sign-ins and lot pages, bursts on
  a few lots over a steady background, and thousands of watchers; on 1 or 2 platform processes.
  --smoke                     every part at tiny scale in about a minute (what test/bench runs)
  --processes 1|2             platform processes (2: sharing PostgreSQL and Redis behind HAProxy)
  --balancer                  with 1 process, go through HAProxy too (like for like with 2)
  --lots 150                  lots live in the shift
  --bidders 60                approved bidders per lot
  --lots-per-person 3         lots each person registers on (people = lots × bidders / this)
  --hot 6 --warm 36           lots of each class (the rest are quiet)
  --hot-bids 100 --hot-seconds 120
                              a hot lot's burst: this many bids in this many seconds (staggered, so
                              several run at once)
  --warm-interval 5           a warm lot's mean seconds between bids
  --quiet-bids 5              a quiet lot's handful of bids in the whole shift
  --window 240                seconds of bidding measured (the shift's stretch with every burst)
  --shift-minutes 25          the real shift's length (for the compression figure)
  --watchers-per-registrant 10
  --watcher-scale 0.1         share of the full watcher count (lots × bidders × 10) to hold
  --watcher-weights 5,1.5,0.5 relative watchers per hot, warm, quiet lot
  --rush 60                   seconds in which the arriving people sign in and load their lot page
  --rush-pages 1              lot pages each person loads after signing in
  --rush-scale 0.3            share of the people who arrive in the rush: all 3,000 in a minute
                              (50 sign-ins and pages a second) overwhelm two shared cores, and the
                              pages then all fail their 3 s API budget
  --idle 30                   seconds with every watcher connected and no bids (the sockets' own cost)
  --sockets-per-pool 4000     watcher sockets per pool process
  --connections 16            keep-alive connections of the bidders
  --db-pool 10                database connections per platform process
  --setup-width 32            API calls at once while setting up
  --setup-rate 40             registrations + approvals per second assumed for the first group of lots
  --seed 1                    the plan's random seed
  --out bench/results         where the JSON and markdown go
  --no-readme                 do not rewrite the README's day section (rewritten after a run at the
                              default scale only, unless --readme)
  --keep-db                   keep the bench database afterwards
Environment: DATABASE_URL (admin connection; default postgres://127.0.0.1:5432/postgres),
REDIS_URL (default redis://127.0.0.1:6379; --processes 2 only).`;

/** Flags that change the day's scale or shape (a run with any of them is not the README's). */
const SHAPE_FLAGS = [
  'lots',
  'bidders',
  'lots-per-person',
  'hot',
  'warm',
  'hot-bids',
  'hot-seconds',
  'warm-interval',
  'quiet-bids',
  'window',
  'shift-minutes',
  'watchers-per-registrant',
  'watcher-scale',
  'watcher-weights',
  'rush',
  'rush-pages',
  'rush-scale',
  'idle',
  'seed',
];

export function parseDayArgs(argv: string[]): DayArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      processes: { type: 'string' },
      balancer: { type: 'boolean', default: false },
      lots: { type: 'string' },
      bidders: { type: 'string' },
      'lots-per-person': { type: 'string' },
      hot: { type: 'string' },
      warm: { type: 'string' },
      'hot-bids': { type: 'string' },
      'hot-seconds': { type: 'string' },
      'warm-interval': { type: 'string' },
      'quiet-bids': { type: 'string' },
      window: { type: 'string' },
      'shift-minutes': { type: 'string' },
      'watchers-per-registrant': { type: 'string' },
      'watcher-scale': { type: 'string' },
      'watcher-weights': { type: 'string' },
      rush: { type: 'string' },
      'rush-pages': { type: 'string' },
      'rush-scale': { type: 'string' },
      idle: { type: 'string' },
      'sockets-per-pool': { type: 'string' },
      connections: { type: 'string' },
      'db-pool': { type: 'string' },
      'setup-width': { type: 'string' },
      'setup-rate': { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      'no-readme': { type: 'boolean', default: false },
      readme: { type: 'boolean', default: false },
      'keep-db': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const smoke = values.smoke ?? false;
  const num = (name: string, v: string | undefined, full: number, small: number): number =>
    flagNumber(v, smoke ? small : full, name);
  const int = (name: string, v: string | undefined, full: number, small: number): number =>
    flagInteger(v, smoke ? small : full, name);
  const processes = int('processes', values.processes, 1, 1);
  if (processes !== 1 && processes !== 2) throw new Error('--processes: 1 or 2');
  const weights = (values['watcher-weights'] ?? '5,1.5,0.5').split(',').map(Number);
  if (weights.length !== 3 || weights.some((w) => !Number.isFinite(w) || w < 0))
    throw new Error('--watcher-weights: three numbers (hot, warm, quiet), e.g. 5,1.5,0.5');
  const shape: DayShape = {
    lots: int('lots', values.lots, 150, 6),
    biddersPerLot: int('bidders', values.bidders, 60, 6),
    lotsPerPerson: int('lots-per-person', values['lots-per-person'], 3, 3),
    hot: int('hot', values.hot, 6, 1),
    warm: int('warm', values.warm, 36, 2),
    hotBids: int('hot-bids', values['hot-bids'], 100, 20),
    hotSeconds: num('hot-seconds', values['hot-seconds'], 120, 6),
    warmIntervalS: num('warm-interval', values['warm-interval'], 5, 1),
    quietBids: int('quiet-bids', values['quiet-bids'], 5, 2),
    windowS: num('window', values.window, 240, 8),
    shiftMinutes: num('shift-minutes', values['shift-minutes'], 25, 25),
    watchersPerRegistrant: num('watchers-per-registrant', values['watchers-per-registrant'], 10, 2),
    watcherScale: num('watcher-scale', values['watcher-scale'], 0.1, 1),
    watcherWeights: { hot: weights[0], warm: weights[1], quiet: weights[2] },
    rushSeconds: num('rush', values.rush, 60, 3),
    rushPages: int('rush-pages', values['rush-pages'], 1, 1),
    rushScale: num('rush-scale', values['rush-scale'], 0.3, 1),
    seed: int('seed', values.seed, 1, 1),
  };
  const problems = checkShape(shape);
  if (problems.length) throw new Error(problems.join('; '));
  return {
    smoke,
    adminUrl: process.env.DATABASE_URL || 'postgres://127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    shape,
    processes,
    balancer: processes === 2 || (values.balancer ?? false),
    idleS: num('idle', values.idle, 30, 1),
    socketsPerPool: Math.max(1, int('sockets-per-pool', values['sockets-per-pool'], 4000, 4000)),
    connections: Math.max(1, int('connections', values.connections, 16, 4)),
    dbPool: Math.max(1, int('db-pool', values['db-pool'], 10, 4)),
    setup: {
      width: Math.max(1, int('setup-width', values['setup-width'], 32, 8)),
      groupSize: smoke ? 6 : 15,
      startRate: Math.max(1, num('setup-rate', values['setup-rate'], 40, 40)),
    },
    rushTimeoutMs: 30_000,
    drainMs: smoke ? 15_000 : 30_000,
    outDir:
      values.out ??
      (smoke ? path.join(os.tmpdir(), 'auction-bench-day-smoke') : path.resolve(import.meta.dirname, '..', 'results')),
    // The README shows runs at the default scale (any topology), or what --readme asks for.
    readme:
      !smoke &&
      !values['no-readme'] &&
      (values.readme || SHAPE_FLAGS.every((name) => values[name as keyof typeof values] === undefined)),
    keepDatabase: values['keep-db'] ?? false,
  };
}
