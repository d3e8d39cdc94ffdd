// `npm run bench -- --scenario day`: an auction day at national scale (issue 21), on real PostgreSQL
// (DATABASE_URL is the admin connection; the bench creates and drops its own database), all on this
// machine. One shift: 150 lots live at once with 60 approved bidders each (3,000 people on 3 lots),
// set up through the real API; then, on the platform as measured (1 or 2 processes, behind HAProxy
// or not; lib/day-topology.ts), freshly started:
//   1. watchers connect, 10 per registrant spread over the lots, scaled to what the machine holds
//      (lib/day-watchers.ts): the server's memory per socket, and with a quiet stretch before and
//      after, the sockets' own CPU above the platform's background work;
//   2. the opening rush: people sign in through the OpenID Connect flow and load their lot's
//      server-rendered page within a minute (lib/day-rush.ts);
//   3. the bidding window: bursts on the hot lots over a steady background on the warm ones and a
//      handful on the quiet ones (lib/day-bidders.ts), with the costs per bid and per delivered
//      entry, the database's commits and WAL syncs, and the event loop;
//   4. correctness: every acknowledged bid in its lot's ledger (gap-free, hash-chained, the final
//      price the highest bid), every watcher saw its lot's seqs in order without gaps.
// Writes bench/results/day-<date>-<N>proc.json and .md and the README's day section.
// `npm run bench -- --scenario day --help` lists the flags; --smoke is every part at tiny scale.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDayArgs } from './lib/day-args.ts';
import { createBenchDatabase, postgresPids, walDelta, walSnapshot, type WalSnapshot } from './lib/database.ts';
import { startBenchIdp } from './lib/idp.ts';
import { cpuByPid, cpuDelta, cpuSecondsOf, machineCpu, machineInfo } from './lib/proc.ts';
import { ROOT, startServer, type Person, type ServerUnderTest } from './lib/platform.ts';
import { forkBench, type ChildHandle } from './lib/ipc.ts';
import { mergeHistograms, summarize, wallNow } from './lib/hist.ts';
import { checkLedger } from './lib/verify.ts';
import { haproxyPath, maxconnWithinLimit } from './lib/balancer.ts';
import { LOT_CLASSES, personAddress, planDay, type LotClass } from './lib/day-plan.ts';
import { setUpDay, waitUntilLive, type DaySetup } from './lib/day-setup.ts';
import { startTopology, type Topology } from './lib/day-topology.ts';
import {
  updateDayReadme,
  writeDayReport,
  type ClassFigures,
  type DayReport,
  type LoopFigures,
} from './lib/day-report.ts';
import type {
  BiddersInit,
  BiddersReport,
  DayWatcherInit,
  DayWatcherProgress,
  DayWatcherReport,
  LotSchedule,
  RushInit,
  RushReport,
} from './lib/day-protocol.ts';
import type { ProbeReading } from './server-probe.ts';
import { benchPerson, runContext } from './lib/run-context.ts';

const args = parseDayArgs(process.argv.slice(2));
const run = runContext('bench_day');
const { log, stamp, dbName, logDir, started } = run;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
const child = (name: string): string => path.join(ROOT, 'bench', 'lib', name);
/** The platform's revision measured: the checkout's commit, or BENCH_REVISION for a copy without git. */
const revision =
  process.env.BENCH_REVISION ||
  spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() ||
  'unknown';

const plan = planDay(args.shape);
const shape = args.shape;
const watchersTotal = plan.lots.reduce((a, l) => a + l.watchers, 0);
log(
  `auction day${args.smoke ? ' (smoke)' : ''}: ${shape.lots} lots × ${shape.biddersPerLot} bidders (${plan.people} people), ${watchersTotal} watchers (scale ${shape.watcherScale} of ${plan.totals.watchersFull}), ${plan.totals.bids.hot + plan.totals.bids.warm + plan.totals.bids.quiet} bids in ${shape.windowS} s; ${args.processes} process${args.processes > 1 ? 'es' : ''}${args.balancer ? ' behind HAProxy' : ''}; logs in ${logDir}`,
);

// What the machine cannot hold is refused before anything starts: each process may open 20,000 files
// here, and HAProxy holds two per connection.
const fileLimit = ((): number => {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
  return m && m[1] !== 'unlimited' ? Number(m[1]) : 1_000_000;
})();
if (args.balancer && !haproxyPath())
  throw new Error('--balancer and --processes 2 need HAProxy (apt-get install haproxy)');
if (watchersTotal / args.processes + 1_000 > fileLimit)
  throw new Error(
    `${watchersTotal} watcher sockets on ${args.processes} process(es) exceed the ${fileLimit} open files a process may have here: lower --watcher-scale`,
  );
if (args.balancer && watchersTotal + args.connections + 500 > maxconnWithinLimit())
  throw new Error(
    `${watchersTotal} watcher sockets exceed what HAProxy can hold with ${fileLimit} open files (${maxconnWithinLimit()} connections): lower --watcher-scale`,
  );

const db = await createBenchDatabase(args.adminUrl, dbName);
const idp = await startBenchIdp();
let setupServer: ServerUnderTest | undefined;
let topology: Topology | undefined;
let children: ChildHandle[] = [];
let exitCode = 0;
const cleanup = async (): Promise<void> => {
  await Promise.allSettled(children.map((c) => c.stop()));
  children = [];
  await setupServer?.stop();
  setupServer = undefined;
  await topology?.stop();
  topology = undefined;
  await idp.close();
  if (args.keepDatabase) log(`kept database ${db.url}`);
  else await db.drop();
};
run.onInterrupt(cleanup);

try {
  const person = (group: number, i: number, name: string): Promise<Person> => benchPerson(idp, group, i, name);
  const admin = await person(0, 1, 'Quản trị viên');
  const manager = await person(0, 2, 'Đấu giá viên');
  const people = await Promise.all(
    Array.from({ length: plan.people }, (_, i) => person(1 + Math.floor(i / 10_000), i % 10_000, `Người mua ${i}`)),
  );
  // One deployment's keys, shared by every process (each would otherwise generate its own into DATA_DIR).
  const env: Record<string, string> = {
    ...idp.env(),
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: String(args.dbPool),
    DATA_DIR: path.join(logDir, 'data'),
    PERSON_HASH_KEY: crypto.randomBytes(32).toString('base64'),
    PERSONAL_DATA_KEY: `bench:${crypto.randomBytes(32).toString('base64')}`,
    SEALED_BID_KEY: crypto.randomBytes(32).toString('base64url'),
    ADMIN_PIDS: admin.pid,
    AUCTION_MIN_BIDDING_MINUTES: '0',
    AUCTION_MIN_BIDDERS: '1',
    DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
  };

  // ── Setup: one process with the bench's lifted limits (a manager approving thousands a minute).
  log('setup: the lots, registrations and approvals through the API (one platform process)');
  setupServer = await startServer(
    path.join(ROOT, 'server', 'main.ts'),
    env,
    path.join(logDir, 'setup.log'),
    async (base) => (await fetch(`${base}/api/health`)).ok,
  );
  let setup: DaySetup;
  try {
    setup = await setUpDay({
      base: setupServer.base,
      plan,
      admin,
      manager,
      people,
      biddingMinutes: 120,
      groupSize: args.setup.groupSize,
      startRate: args.setup.startRate,
      width: args.setup.width,
      log,
    });
  } finally {
    await setupServer.stop();
    setupServer = undefined;
  }
  log(
    `  set up in ${(setup.ms.totalMs / 1000).toFixed(0)} s: ${setup.perSecond.register} registrations/s, ${setup.perSecond.approve} approvals/s; the last lots open at ${setup.opensAt.toISOString()}`,
  );
  const lotId = (index: number): number => setup.lotIds[index];
  const bidderCode = (lot: number, p: number): string => setup.registrations[lot].get(p)!.bidderCode;

  // ── The platform as measured: the platform's own rate limits.
  log(`starting the platform as measured: ${args.processes} process(es)${args.balancer ? ' behind HAProxy' : ''}`);
  topology = await startTopology({
    processes: args.processes,
    balancer: args.balancer,
    env,
    redisUrl: args.redisUrl,
    redisKeyPrefix: `bench-day-${process.pid}`,
    logDir,
    log,
  });
  const top = topology;
  const readLoops = async (): Promise<LoopFigures[]> =>
    (await top.readLoops()).map((r: ProbeReading) => ({ p50: r.p50, p99: r.p99, max: r.max }));
  const wal = (): Promise<WalSnapshot> => walSnapshot(db.admin, db.name);
  // Rows written per table (inserted, updated, deleted): what a sign-in or a bid writes, and so commits.
  const writes = async (): Promise<Map<string, number>> =>
    new Map(
      (
        await db.sql<{ relname: string; n: string }[]>`
          select relname, n_tup_ins + n_tup_upd + n_tup_del as n from pg_stat_user_tables`
      ).map((r) => [r.relname, Number(r.n)]),
    );
  const writesPer = (before: Map<string, number>, after: Map<string, number>, per: number): Record<string, number> =>
    Object.fromEntries(
      [...after]
        .map(([t, n]) => [t, n - (before.get(t) ?? 0)] as const)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([t, n]) => [t, round(n / Math.max(1, per))]),
    );

  /**
   * Everything this run's processes used (platform, HAProxy, PostgreSQL's processes for the bench
   * database and its background writers, the bench's children and itself) against the machine's
   * busy time: what is left is other work on the machine, which the figures then share the cores with.
   */
  const contention = async (): Promise<{ machine: { busy: number; total: number }; ours: Map<number, number> }> => {
    const pids = [
      ...top.servers.map((sv) => sv.pid),
      ...(top.balancer ? [top.balancer.pid] : []),
      ...children.map((c) => c.pid),
      process.pid,
      ...(await postgresPids(db.admin, db.name)),
    ];
    return { machine: machineCpu(), ours: cpuByPid(pids) };
  };
  const othersPct = async (before: Awaited<ReturnType<typeof contention>>): Promise<number> => {
    const after = await contention();
    const ours = cpuDelta(before.ours, after.ours);
    const wall = (after.machine.total - before.machine.total) / os.availableParallelism();
    return wall > 0 ? round((Math.max(0, after.machine.busy - before.machine.busy - ours) / wall) * 100, 0) : 0;
  };

  // ── 1. Watchers, on the freshly started processes (so that their RSS growth is the sockets'):
  // memory per socket, then the sockets' idle cost above the platform's own background.
  const schedule = (l: (typeof plan.lots)[number]): LotSchedule => ({
    lotId: lotId(l.index),
    cls: l.cls,
    rules: l.rules,
    bids: l.bids,
  });
  const pools = Math.max(1, Math.ceil(watchersTotal / args.socketsPerPool));
  const poolLots: DayWatcherInit['lots'][] = Array.from({ length: pools }, () => []);
  plan.lots.forEach((l, i) => {
    for (let j = 0; j < pools; j++) {
      // The lot's sockets spread over the pools, starting at a different pool for each lot.
      const turn = (((j - i) % pools) + pools) % pools;
      const share = Math.floor(l.watchers / pools) + (turn < l.watchers % pools ? 1 : 0);
      if (share > 0) poolLots[j].push({ ...schedule(l), sockets: share });
    }
  });
  // The platform's own background work (scheduler, durable jobs, flushes) with no one connected: the
  // baseline the sockets' idle cost is counted above.
  await sleep(args.smoke ? 300 : 3_000);
  const quiet = async (seconds: number): Promise<{ cpuS: number; commits: number; s: number }> => {
    const cpu0 = top.cpu().total;
    const wal0 = await wal();
    const t0 = wallNow();
    await sleep(seconds * 1000);
    const s = (wallNow() - t0) / 1000;
    return { cpuS: top.cpu().total - cpu0, commits: walDelta(wal0, await wal()).commits, s };
  };
  const baseline = await quiet(Math.max(1, args.idleS / 2));
  const background = {
    seconds: round(baseline.s, 1),
    serverCpuPct: round((baseline.cpuS / baseline.s) * 100, 1),
    commitsPerSec: round(baseline.commits / baseline.s, 1),
  };
  log(
    `  background with no one connected: server CPU ${background.serverCpuPct}%, ${background.commitsPerSec} commits/s`,
  );
  log(`watchers: ${watchersTotal} sockets from ${pools} pool process(es)`);
  const rssBefore = top.rss();
  const balancerRssBefore = top.balancerRss();
  const watcherPools = poolLots.map((_, i) => forkBench(child('day-watchers.ts'), `watchers-${i}`));
  children.push(...watcherPools);
  await Promise.all(
    watcherPools.map((w, i) =>
      w.call('init', { url: top.base, lots: poolLots[i], connectBatch: 50 } satisfies DayWatcherInit),
    ),
  );
  const connects = await Promise.all(
    watcherPools.map((w) =>
      w.call<{ connected: number; failed: number; failureSamples: string[]; ms: number }>(
        'connect',
        undefined,
        600_000,
      ),
    ),
  );
  await sleep(args.smoke ? 300 : 3_000);
  const rssAfter = top.rss();
  const connected = connects.reduce((a, c) => a + c.connected, 0);
  const memory: DayReport['memory'] = {
    sockets: watchersTotal,
    connected,
    failed: connects.reduce((a, c) => a + c.failed, 0),
    failureSamples: connects.flatMap((c) => c.failureSamples).slice(0, 5),
    connectMs: Math.max(...connects.map((c) => c.ms)),
    pools,
    rssBeforeMiB: mib(rssBefore),
    rssAfterMiB: mib(rssAfter),
    perThousandMiB: round(mib(rssAfter - rssBefore) / Math.max(1, connected / 1000), 1),
    balancerPerThousandMiB: top.balancer
      ? round(mib(top.balancerRss() - balancerRssBefore) / Math.max(1, connected / 1000))
      : null,
  };
  log(
    `  ${connected} connected in ${(memory.connectMs / 1000).toFixed(1)} s${memory.failed ? ` (${memory.failed} failed: ${memory.failureSamples[0]})` : ''}; server RSS ${memory.rssBeforeMiB} → ${memory.rssAfterMiB} MiB: ${memory.perThousandMiB} MiB per 1,000 sockets`,
  );
  const withSockets = await quiet(args.idleS);
  const idleRate = withSockets.cpuS / withSockets.s;
  const idle: DayReport['idle'] = {
    seconds: round(withSockets.s, 1),
    serverCpuPct: round(idleRate * 100, 1),
    background,
    serverCpuMsPerThousandSocketsPerSec: round(
      (Math.max(0, idleRate - baseline.cpuS / baseline.s) * 1000) / Math.max(1, connected / 1000),
      3,
    ),
    commitsPerSec: round(withSockets.commits / withSockets.s, 1),
  };
  log(
    `  idle ${idle.seconds} s with every socket open: server CPU ${idle.serverCpuPct}%, ${idle.serverCpuMsPerThousandSocketsPerSec} ms per 1,000 sockets per s above the background`,
  );

  // ── 2. The opening rush, with the watchers connected (spectators are there before the bidders).
  log(
    `rush: ${plan.rush.length} of the ${plan.people} people (scale ${shape.rushScale}) sign in and load their lot page within ${shape.rushSeconds} s`,
  );
  /** People arriving (lib/day-rush.ts) while the platform's CPU, commits, writes and loops are measured. */
  const arrivals = async (label: string, init: RushInit, seconds: number) => {
    const child_ = forkBench(child('day-rush.ts'), label);
    children.push(child_);
    await child_.call('init', init);
    idp.signInRequests();
    const startAt = wallNow() + 1_000;
    const running = child_.call<RushReport>('run', { startAt }, seconds * 1000 + 600_000);
    await sleep(startAt - wallNow());
    await top.resetLoops();
    const load = round(os.loadavg()[0], 1);
    const contended = await contention();
    const cpu0 = top.cpu().total;
    const wal0 = await wal();
    const writes0 = await writes();
    const report = await running;
    const spanS = (wallNow() - startAt) / 1000;
    const cpuS = top.cpu().total - cpu0;
    const walDone = walDelta(wal0, await wal());
    const writes1 = await writes();
    const loops = await readLoops();
    const others = await othersPct(contended);
    await child_.stop();
    children = children.filter((c) => c !== child_);
    return { rr: report, spanS, cpuS, wal: walDone, writes0, writes1, loops, load, others };
  };
  const rushed = await arrivals(
    'rush',
    {
      base: top.base,
      timeoutMs: args.rushTimeoutMs,
      arrivals: plan.rush.map((a) => ({
        pid: people[a.person].pid,
        address: personAddress(a.person),
        atMs: a.atMs,
        lots: a.lots.map((l) => ({ lotId: lotId(l), bidderCode: bidderCode(l, a.person) })),
      })),
    },
    shape.rushSeconds,
  );
  const { rr, spanS: rushSpanS, cpuS: rushCpu, wal: rushWal, loops: rushLoops } = rushed;
  const [rushWrites0, rushWrites1, rushLoad, rushOthers] = [rushed.writes0, rushed.writes1, rushed.load, rushed.others];
  const perSec = (n: number, until: number): number =>
    until > rr.startAt ? round(n / ((until - rr.startAt) / 1000), 1) : 0;
  const rushFigures: DayReport['rush'] = {
    people: rr.people,
    seconds: shape.rushSeconds,
    scale: round(plan.rush.length / plan.people, 3),
    offeredPerSec: round(rr.people / shape.rushSeconds, 1),
    signIns: {
      ok: rr.signIns.ok,
      failed: rr.signIns.failed,
      perSec: perSec(rr.signIns.ok, rr.lastSignInAt),
      latency: summarize(mergeHistograms([rr.signIns.hist])),
      failures: rr.signIns.failures,
      samples: rr.signIns.samples,
    },
    pages: {
      ok: rr.pages.ok,
      failed: rr.pages.failed,
      perSec: perSec(rr.pages.ok, rr.lastPageAt),
      latency: summarize(mergeHistograms([rr.pages.hist])),
      failures: rr.pages.failures,
      samples: rr.pages.samples,
      showedBidder: rr.pages.showedBidder,
      meanKiB: rr.pages.ok ? round(rr.pages.bytes / rr.pages.ok / 1024, 1) : 0,
    },
    serverCpuMsPerPerson: round((rushCpu * 1000) / Math.max(1, rr.signIns.ok), 1),
    serverCpuMsPerPersonNet: round(
      (Math.max(0, rushCpu - idleRate * rushSpanS) * 1000) / Math.max(1, rr.signIns.ok),
      1,
    ),
    serverCpuPct: round((rushCpu / rushSpanS) * 100, 0),
    commits: rushWal.commits,
    commitsPerSignIn: round(rushWal.commits / Math.max(1, rr.signIns.ok)),
    // Above what the processes commit anyway with the sockets open and no one arriving.
    commitsPerSignInNet: round(
      Math.max(0, rushWal.commits - idle.commitsPerSec * rushSpanS) / Math.max(1, rr.signIns.ok),
    ),
    rowsPerSignIn: writesPer(rushWrites0, rushWrites1, rr.signIns.ok),
    loop: rushLoops,
    loadAverage: rushLoad,
    othersPct: rushOthers,
    idpRequests: idp.signInRequests(),
  };
  log(
    `  sign-ins ${rr.signIns.ok} ok, ${rr.signIns.failed} failed, ${rushFigures.signIns.perSec}/s, p50 ${rushFigures.signIns.latency?.p50 ?? '–'} p99 ${rushFigures.signIns.latency?.p99 ?? '–'} ms; pages ${rr.pages.ok} ok, ${rr.pages.failed} failed, ${rushFigures.pages.perSec}/s, p50 ${rushFigures.pages.latency?.p50 ?? '–'} p99 ${rushFigures.pages.latency?.p99 ?? '–'} ms; server CPU ${rushFigures.serverCpuMsPerPerson} ms/person; ${rushFigures.commitsPerSignInNet} commits/person above idle; loop p99 ${rushLoops.map((l) => l.p99).join('/')} ms` +
      (rr.signIns.samples[0] ? `; e.g. ${rr.signIns.samples[0]}` : '') +
      (rr.pages.samples[0] ? `; e.g. ${rr.pages.samples[0]}` : ''),
  );

  // ── 2b. Spectators: the public loading lot pages without signing in, at the rush's rate for half
  // its length, so the sizing model can cost a watcher's page apart from a bidder's sign-in.
  const spectatorS = Math.max(1, Math.round(shape.rushSeconds / 2));
  const spectatorCount = Math.max(1, Math.round(plan.rush.length / 2));
  log(`spectators: ${spectatorCount} lot pages without a sign-in within ${spectatorS} s`);
  const watched = await arrivals(
    'spectators',
    {
      base: top.base,
      timeoutMs: args.rushTimeoutMs,
      arrivals: Array.from({ length: spectatorCount }, (_x, i) => ({
        pid: '',
        address: personAddress(i),
        atMs: Math.round((i * spectatorS * 1000) / spectatorCount),
        lots: [{ lotId: lotId(i % plan.lots.length), bidderCode: '' }],
        anonymous: true,
      })),
    },
    spectatorS,
  );
  const pagesOk = Math.max(1, watched.rr.pages.ok);
  const spectators: DayReport['spectators'] = {
    pages: {
      ok: watched.rr.pages.ok,
      failed: watched.rr.pages.failed,
      perSec: round(watched.rr.pages.ok / watched.spanS, 1),
      latency: summarize(mergeHistograms([watched.rr.pages.hist])),
      failures: watched.rr.pages.failures,
      samples: watched.rr.pages.samples,
      meanKiB: watched.rr.pages.ok ? round(watched.rr.pages.bytes / watched.rr.pages.ok / 1024, 1) : 0,
    },
    seconds: spectatorS,
    serverCpuMsPerPage: round((watched.cpuS * 1000) / pagesOk, 1),
    serverCpuMsPerPageNet: round((Math.max(0, watched.cpuS - idleRate * watched.spanS) * 1000) / pagesOk, 1),
    commitsPerPageNet: round(Math.max(0, watched.wal.commits - idle.commitsPerSec * watched.spanS) / pagesOk, 2),
    rowsPerPage: writesPer(watched.writes0, watched.writes1, pagesOk),
    loop: watched.loops,
    othersPct: watched.others,
  };
  log(
    `  pages ${spectators.pages.ok} ok, ${spectators.pages.failed} failed, ${spectators.pages.perSec}/s, p50 ${spectators.pages.latency?.p50 ?? '–'} p99 ${spectators.pages.latency?.p99 ?? '–'} ms; server CPU ${spectators.serverCpuMsPerPage} ms/page; ${spectators.commitsPerPageNet} commits/page above idle` +
      (spectators.pages.samples[0] ? `; e.g. ${spectators.pages.samples[0]}` : ''),
  );

  // ── 3. The bidding window.
  await waitUntilLive(top.base, setup.lotIds, 600_000);
  const bidders = forkBench(child('day-bidders.ts'), 'bidders');
  children.push(bidders);
  await bidders.call('init', {
    base: top.base,
    tokens: people.map((p) => p.token),
    lots: plan.lots.map((l) => ({ ...schedule(l), bidders: l.registrants })),
    connections: args.connections,
    timeoutMs: 10_000,
  } satisfies BiddersInit);
  await bidders.call('warm');
  const startAt = wallNow() + 2_000;
  await Promise.all(watcherPools.map((w) => w.call('start', { startAt })));
  const biddingRun = bidders.call<BiddersReport>('run', { startAt }, shape.windowS * 1000 + 120_000);
  log(`bidding: ${shape.windowS} s window`);
  await sleep(startAt - wallNow());
  const loadAverage = round(os.loadavg()[0], 1);
  await top.resetLoops();
  const cpu0 = top.cpu();
  const balancer0 = top.balancerCpu();
  const redis0 = await top.redisCpu();
  const bidders0 = cpuSecondsOf(bidders.pid);
  const pools0 = watcherPools.reduce((a, w) => a + cpuSecondsOf(w.pid), 0);
  const pg0 = cpuByPid(await postgresPids(db.admin, db.name));
  const m0 = machineCpu();
  const steadyContention = await contention();
  const wal0 = await wal();
  const writes0 = await writes();
  const progressTimer = setInterval(
    () => log(`  ${Math.round((wallNow() - startAt) / 1000)} s of ${shape.windowS}`),
    60_000,
  );
  let br: BiddersReport;
  try {
    br = await biddingRun;
  } finally {
    clearInterval(progressTimer);
  }
  const finalSeqs: Record<number, number> = {};
  for (const r of await db.sql<{ id: number; seq: number }[]>`select id, seq from lots where id = any(${setup.lotIds})`)
    finalSeqs[r.id] = r.seq;
  // The watchers have everything once every pool's sockets on every lot reached its final seq.
  let drained = false;
  for (const deadline = Date.now() + args.drainMs; ;) {
    const progress = await Promise.all(watcherPools.map((w) => w.call<DayWatcherProgress>('progress')));
    drained = progress.every((p) => Object.entries(p.minSeq).every(([id, seq]) => seq >= finalSeqs[Number(id)]));
    if (drained || Date.now() > deadline) break;
    await sleep(100);
  }
  const spanS = (wallNow() - startAt) / 1000;
  const cpu1 = top.cpu();
  const serverS = cpu1.total - cpu0.total;
  const balancerS = top.balancerCpu() - balancer0;
  const redis1 = await top.redisCpu();
  const biddersS = cpuSecondsOf(bidders.pid) - bidders0;
  const poolsS = watcherPools.reduce((a, w) => a + cpuSecondsOf(w.pid), 0) - pools0;
  const pgS = cpuDelta(pg0, cpuByPid([...new Set([...pg0.keys(), ...(await postgresPids(db.admin, db.name))])]));
  const m1 = machineCpu();
  const steadyOthers = await othersPct(steadyContention);
  const loops = await readLoops();
  // Backends publish their WAL counters at most once a second: let the last ones land.
  await sleep(args.smoke ? 0 : 1_200);
  const walD = walDelta(wal0, await wal());
  const writes1 = await writes();
  const wr = await Promise.all(watcherPools.map((w) => w.call<DayWatcherReport>('report', { finalSeqs })));

  const byClass = {} as Record<LotClass, ClassFigures>;
  let answered = 0;
  let accepted = 0;
  for (const c of LOT_CLASSES) {
    const b = br.byClass[c];
    const lots = plan.lots.filter((l) => l.cls === c);
    const deliveries = wr.reduce((a, r) => a + r.byClass[c].deliveries, 0);
    byClass[c] = {
      lots: lots.length,
      watchers: plan.totals.watchers[c],
      bidsPerLot: lots.length ? round(plan.totals.bids[c] / lots.length, 1) : 0,
      sent: b.sent,
      accepted: b.accepted,
      rejected: b.rejected,
      shed: b.shed,
      errors: b.errors,
      retried: b.retried,
      ack: summarize(mergeHistograms([b.ackHist])),
      answer: summarize(mergeHistograms([b.answerHist])),
      watcher: summarize(mergeHistograms(wr.map((r) => r.byClass[c].hist))),
      deliveries,
    };
    answered += b.accepted + b.shed + Object.values(b.rejected).reduce((a, n) => a + n, 0);
    accepted += b.accepted;
  }
  const deliveries = LOT_CLASSES.reduce((a, c) => a + byClass[c].deliveries, 0);
  const perBid = (s: number): number => (answered ? round((s * 1000) / answered, 3) : 0);
  // Net of what the processes spend anyway with every socket open and no bids (the idle stretch).
  const netS = Math.max(0, serverS - idleRate * spanS);
  const steady: DayReport['steady'] = {
    windowS: shape.windowS,
    spanS: round(spanS, 1),
    byClass,
    answered,
    accepted,
    deliveries,
    frames: wr.reduce((a, r) => a + r.frames, 0),
    drained,
    cpu: {
      serverS: round(serverS),
      serverPct: round((serverS / spanS) * 100, 1),
      serverPctEach: cpu1.each.map((x, i) => round(((x - cpu0.each[i]) / spanS) * 100, 1)),
      serverMsPerBid: perBid(serverS),
      serverNetMsPerBid: perBid(netS),
      serverNetUsPerMessage: deliveries ? round((netS * 1e6) / deliveries, 1) : 0,
      serverUsPerMessage: deliveries ? round((serverS * 1e6) / deliveries, 1) : 0,
      postgresMsPerBid: perBid(pgS),
      balancerMsPerBid: top.balancer ? perBid(balancerS) : null,
      redisMsPerBid: redis0 !== null && redis1 !== null ? perBid(redis1 - redis0) : null,
      biddersPct: round((biddersS / spanS) * 100, 1),
      watchersPct: round((poolsS / spanS) * 100, 1),
      machineBusyPct: round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100, 1),
      othersPct: steadyOthers,
    },
    db: {
      commits: walD.commits,
      commitsPerSec: round(walD.commits / spanS, 1),
      commitsPerBid: answered ? round(walD.commits / answered) : 0,
      commitsPerBidNet: answered ? round(Math.max(0, walD.commits - idle.commitsPerSec * spanS) / answered) : 0,
      walSyncs: walD.syncs,
      walSyncsPerSec: round(walD.syncs / spanS, 1),
      walSyncsPerBid: answered ? round(walD.syncs / answered) : 0,
      walBytesPerBid: answered ? Math.round(walD.bytes / answered) : 0,
      rowsPerBid: writesPer(writes0, writes1, answered),
    },
    loop: loops,
    sendLagP99: summarize(mergeHistograms(LOT_CLASSES.map((c) => br.byClass[c].sendLagHist)))?.p99 ?? null,
    loadAverage,
  };
  for (const c of LOT_CLASSES) {
    const x = byClass[c];
    log(
      `  ${c.padEnd(5)}: ${x.sent} sent, ${x.accepted} accepted, ack p50 ${x.ack?.p50 ?? '–'} p99 ${x.ack?.p99 ?? '–'} ms, watcher p50 ${x.watcher?.p50 ?? '–'} p99 ${x.watcher?.p99 ?? '–'} ms, ${x.deliveries} deliveries` +
        (x.errors ? `, ${x.errors} errors` : '') +
        (x.shed ? `, ${x.shed} shed` : ''),
    );
  }
  log(
    `  server CPU ${steady.cpu.serverPct}% (${steady.cpu.serverMsPerBid} ms/bid, ${steady.cpu.serverUsPerMessage} µs/entry); commits ${steady.db.commitsPerSec}/s (${steady.db.commitsPerBid}/bid); WAL syncs ${steady.db.walSyncsPerSec}/s (${steady.db.walSyncsPerBid}/bid); loop p99 ${loops.map((l) => l.p99).join('/')} ms` +
      (br.errorSamples[0] ? `; e.g. ${br.errorSamples[0]}` : ''),
  );

  // ── 4. Correctness.
  const problems: string[] = [];
  const ledgers = await Promise.all(
    plan.lots.map(async (l) => ({
      lot: lotId(l.index),
      check: await checkLedger(db.sql, lotId(l.index), br.acks[lotId(l.index)] ?? []),
    })),
  );
  const broken = ledgers.filter((x) => !x.check.ok);
  if (broken.length)
    problems.push(
      `${broken.length} lot ledgers failed their checks (lots ${broken
        .slice(0, 5)
        .map((x) => x.lot)
        .join(', ')}: ${JSON.stringify(broken[0].check)})`,
    );
  const acknowledgedMissing = ledgers.reduce((a, x) => a + x.check.acknowledgedMissing, 0);
  if (acknowledgedMissing) problems.push(`${acknowledgedMissing} acknowledged bids missing from the ledgers`);
  const sum = (fn: (r: DayWatcherReport) => number): number => wr.reduce((a, r) => a + fn(r), 0);
  const watcherCheck = {
    sockets: sum((r) => r.sockets),
    connected: sum((r) => r.connected),
    complete: sum((r) => r.complete),
    gaps: sum((r) => r.gaps),
    outOfOrder: sum((r) => r.outOfOrder),
    disconnects: sum((r) => r.disconnects),
    unknownAmounts: sum((r) => r.unknownAmounts),
  };
  if (watcherCheck.gaps) problems.push(`watchers missed ${watcherCheck.gaps} seqs`);
  if (watcherCheck.outOfOrder) problems.push(`${watcherCheck.outOfOrder} entries reached watchers out of order`);
  if (watcherCheck.unknownAmounts)
    problems.push(`${watcherCheck.unknownAmounts} entries had amounts no planned bid offers`);
  if (watcherCheck.complete !== watcherCheck.sockets)
    problems.push(`${watcherCheck.sockets - watcherCheck.complete} watchers did not reach their lot's final seq`);
  if (memory.connected !== memory.sockets)
    problems.push(`${memory.sockets - memory.connected} watchers did not connect`);
  const invalid = LOT_CLASSES.reduce((a, c) => a + byClass[c].errors, 0) + br.unanswered;
  if (invalid) problems.push(`${invalid} bids got no answer or an error answer`);

  const report: DayReport = {
    date: stamp,
    revision,
    smoke: args.smoke,
    processes: args.processes,
    balancer: args.balancer,
    machine: { ...machineInfo(), postgres: db.version },
    shape,
    plan: {
      people: plan.people,
      registrations: plan.totals.registrations,
      lots: {
        hot: plan.lots.filter((l) => l.cls === 'hot').length,
        warm: plan.lots.filter((l) => l.cls === 'warm').length,
        quiet: plan.lots.filter((l) => l.cls === 'quiet').length,
      },
      bids: plan.totals.bids,
      watchers: plan.totals.watchers,
      watchersTotal,
      watchersFull: plan.totals.watchersFull,
      watcherScale: round(watchersTotal / plan.totals.watchersFull, 4),
      compression: plan.totals.compression,
    },
    limits: args.balancer
      ? "the platform's own rate limits; each simulated person connects from an address of their own (127.16.0.1 onwards), which HAProxy appends to X-Forwarded-For and the platform reads with TRUST_PROXY=true. Watcher pools and bidders connect from 127.0.0.1 (loopback: exempt from per-address limits, counted per person when signed in)."
      : "the platform's own rate limits; each simulated person connects from an address of their own (127.16.0.1 onwards), so the per-address sign-in limit counts them apart as it would real people (no TRUST_PROXY, no raised limit). Watcher pools and bidders connect from 127.0.0.1 (loopback: exempt from per-address limits, counted per person when signed in).",
    setup: {
      how: `every lot, registration and approval through the HTTP API, on one platform process with the bench's lifted rate limits (one manager approves ${plan.totals.registrations} deposits), in ${setup.groups} group(s) of lots`,
      ...setup.ms,
      perSecond: setup.perSecond,
      groups: setup.groups,
    },
    rush: rushFigures,
    spectators,
    memory,
    idle,
    steady,
    correctness: {
      ok: problems.length === 0,
      problems,
      ledger: {
        lots: ledgers.length,
        entries: ledgers.reduce((a, x) => a + x.check.entries, 0),
        acknowledged: ledgers.reduce((a, x) => a + x.check.acknowledged, 0),
        acknowledgedMissing,
        lotsIntact: ledgers.length - broken.length,
      },
      watchers: watcherCheck,
    },
    durationS: Math.round((Date.now() - started) / 1000),
  };
  const files = writeDayReport(report, args.outDir);
  log(`results: ${files.json}\n${' '.repeat(11)}${files.markdown}`);
  if (args.readme) {
    updateDayReadme(path.join(ROOT, 'README.md'), args.outDir);
    log('README.md day section updated');
  }
  log(report.correctness.ok ? 'correctness: all checks passed' : `correctness FAILED: ${problems.join('; ')}`);
  if (!report.correctness.ok) exitCode = 2;
} catch (err) {
  console.error(err);
  console.error(`logs: ${logDir}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
