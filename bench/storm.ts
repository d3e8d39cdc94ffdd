// `npm run bench`: the closing-seconds storm of issue 6 against a real PostgreSQL (DATABASE_URL is
// the admin connection; the bench creates and drops its own database). It starts the platform as a
// real server process, sets up one live lot through the API, then measures baseline (a) raw
// postgres.js, baseline (b) socket.io fan-out without persistence, the platform, and the memory of
// many connected watchers; then (issue 12) an overload step at 4× the rate the platform sustains and
// a database outage under a steady flow of bids; and writes JSON + markdown to bench/results/ and the
// README section. `npm run bench -- --help` lists the flags; `--smoke` is the few-second version the
// tests run; `--phases overload,outage --short` is a quick look at the issue 12 parts alone. Issue 16
// adds a descending storm (`--phases descending`): every approved bidder accepting one price at once.
import path from 'node:path';
import { parseBenchArgs } from './lib/args.ts';
import { createBenchDatabase } from './lib/database.ts';
import { startBenchIdp } from './lib/idp.ts';
import { machineInfo } from './lib/proc.ts';
import { planSteps, type PriceRules, type StepPlan } from './lib/schedule.ts';
import { ROOT, setUpLot, startServer, type Person, type ServerUnderTest } from './lib/platform.ts';
import { runBaselineA, runBaselineB, runMemory, runPlatform, type BenchContext } from './lib/phases.ts';
import { runOverload } from './lib/overload.ts';
import { runOutage } from './lib/outage.ts';
import { runDescending } from './lib/descending.ts';
import { runCapacity, runPgbench } from './lib/capacity.ts';
import { updateReadme, writeReport, type BenchReport } from './lib/report.ts';
import { judge } from './lib/judge.ts';
import { benchPerson, runContext } from './lib/run-context.ts';

const args = parseBenchArgs(process.argv.slice(2));
const run = runContext('bench');
const { log, stamp, dbName, logDir, started } = run;
const rules: PriceRules = { startingPrice: 40_000_000, priceStep: 1_000_000 };

log(
  `closing-seconds storm${args.smoke ? ' (smoke)' : args.short ? ' (short)' : ''}: phases ${args.phases.join(',')}; rates ${args.rates.join(', ')} bids/s × ${args.durationS} s, ${args.watchers} watchers, ${args.bidders} bidders; logs in ${logDir}`,
);
const db = await createBenchDatabase(args.adminUrl, dbName);
const idp = await startBenchIdp();
let platform: ServerUnderTest | undefined;
let exitCode = 0;
// Interrupted (Ctrl-C): still stop the server and drop the database; the children end with us.
run.onInterrupt(() => Promise.allSettled([platform?.stop(), idp.close(), args.keepDatabase ? undefined : db.drop()]));
try {
  const person = (group: number, i: number, name: string): Promise<Person> => benchPerson(idp, group, i, name);
  const admin = await person(0, 1, 'Quản trị viên');
  const manager = await person(0, 2, 'Đấu giá viên');
  const approved = await Promise.all(
    Array.from({ length: args.bidders }, (_, i) => person(1, i, `Người trả giá ${i}`)),
  );
  const unapproved = await Promise.all(
    Array.from({ length: args.unapproved }, (_, i) => person(2, i, `Chưa duyệt ${i}`)),
  );

  const serverEnv = {
    ...idp.env(),
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: String(args.dbPool),
    ADMIN_PIDS: admin.pid,
    AUCTION_MIN_BIDDING_MINUTES: '0',
    AUCTION_MIN_BIDDERS: '1',
    DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
    // The bound on a bid's answer: the platform's default unless --bound-ms was given.
    ...(args.boundGiven ? { BID_TIMEOUT_MS: String(args.boundMs) } : {}),
  };
  const health = async (base: string): Promise<boolean> => (await fetch(`${base}/api/health`)).ok;
  const startPlatform = (env: Record<string, string> = {}): Promise<ServerUnderTest> =>
    startServer(
      path.join(ROOT, 'server', 'main.ts'),
      { ...serverEnv, ...env },
      path.join(logDir, 'platform.log'),
      health,
      args.profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(logDir, 'profiles')] : [],
    );
  log('starting the platform (node server/main.ts)');
  platform = await startPlatform();
  const setup = await setUpLot({
    base: platform.base,
    idp,
    admin,
    manager,
    approved,
    unapproved,
    rules,
    registrationSeconds: args.registrationSeconds,
    biddingMinutes: 180,
  });
  log(
    `lot ${setup.lotId} live: ${approved.length} registrations approved, ${unapproved.length} left pending, through the API (registrations ${setup.setupMs.registerMs} ms, approvals ${setup.setupMs.approveMs} ms, until live ${setup.setupMs.totalMs} ms)`,
  );

  const ctx: BenchContext = {
    args,
    db,
    rules,
    approved,
    unapproved,
    setup,
    log,
    logDir,
    platform: () => platform!,
    restartPlatform: async (env) => {
      await platform?.stop();
      platform = await startPlatform(env);
      return platform;
    },
  };
  const plans = planSteps(args.rates, args.durationS, 0, args.warmup);
  const report: BenchReport = {
    date: stamp,
    smoke: args.smoke,
    short: args.short,
    machine: { ...machineInfo(), postgres: db.version },
    workload: {
      rates: args.rates,
      durationS: args.durationS,
      watchers: args.watchers,
      bidders: args.bidders,
      unapproved: args.unapproved,
      invalidShare: 0.3,
      loadgens: args.loadgens,
      httpConnections: args.connections,
      dbPool: args.dbPool,
      memoryWatchers: args.memoryWatchers,
      rules,
      boundMs: args.boundMs,
      clientTimeoutMs: args.clientTimeoutMs,
      overload: args.overload,
      outage: args.outage,
      capacity: args.capacity,
    },
    setup: { lotId: setup.lotId, ...setup.setupMs, how: 'every registration and approval through the HTTP API' },
    baselineB: [],
    comparison: [],
    targets: [],
    correctness: { ok: true, problems: [] },
    phaseErrors: [],
    durationS: 0,
  };
  // A phase that fails is recorded and the others still run.
  const phase = async (name: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      log(`${name} FAILED: ${(err as Error).stack ?? String(err)}`);
      report.phaseErrors.push(`${name}: ${(err as Error).message}`);
    }
  };
  if (args.phases.includes('a'))
    await phase('baseline (a)', async () => void (report.baselineA = await runBaselineA(ctx, plans)));
  if (args.phases.includes('b'))
    for (const tickMs of args.fanoutTicks)
      await phase(
        `baseline (b) ${tickMs} ms`,
        async () => void report.baselineB.push({ tickMs, ...(await runBaselineB(ctx, plans, tickMs)) }),
      );
  // Later phases bid on the same lot: their bid numbers (so amounts) continue after the earlier ones'.
  let nextG = 0;
  const after = (p: StepPlan[]): number => p[p.length - 1].firstG + p[p.length - 1].count;
  if (args.phases.includes('platform')) {
    await phase('platform', async () => void (report.platform = await runPlatform(ctx, plans)));
    nextG = after(plans);
  }
  if (args.phases.includes('bare')) {
    const barePlans = planSteps(args.rates, args.durationS, nextG, args.warmup);
    await phase(
      'platform without watchers',
      async () => void (report.platformBare = await runPlatform(ctx, barePlans, { watchers: 0 })),
    );
    nextG = after(barePlans);
  }
  // Issue 21: PostgreSQL's own one-row-one-transaction rate, then the platform's capacity beside it.
  if (args.phases.includes('pgbench'))
    await phase('pgbench', async () => {
      log(`pgbench: one INSERT per transaction, ${args.dbPool} connections, ${args.capacity.pgbenchS} s`);
      report.pgbench = await runPgbench(db.url, args.dbPool, args.capacity.pgbenchS);
      log(`pgbench: ${report.pgbench.tps} transactions/s (latency ${report.pgbench.latencyAvgMs} ms)`);
    });
  if (args.phases.includes('capacity')) {
    const firstG = nextG;
    await phase('capacity', async () => {
      const r = await runCapacity(ctx, firstG, report.platform?.steps ?? []);
      report.capacity = r.result;
      nextG = r.nextG;
    });
  }
  // Overload on the process the storm steps warmed (before the memory phase restarts it).
  if (args.phases.includes('overload')) {
    const firstG = nextG;
    await phase('overload', async () => {
      const r = await runOverload(ctx, firstG, report.platform?.steps);
      report.overload = r.result;
      nextG = r.nextG;
    });
  }
  if (args.phases.includes('memory') && args.memoryWatchers > 0) {
    const firstG = nextG;
    await phase('memory', async () => void (report.memory = await runMemory(ctx, firstG)));
    nextG += 10_000;
  }
  // Its own lot and bidders' registrations: the storm lot's bids are untouched.
  if (args.phases.includes('descending'))
    await phase('descending', async () => void (report.descending = await runDescending(ctx, { idp, admin, manager })));
  // Last: it restarts the platform behind a fault-injection proxy and leaves it stopped.
  if (args.phases.includes('outage')) {
    const firstG = nextG;
    await phase('outage', async () => void (report.outage = await runOutage(ctx, firstG)));
  }
  judge(report, args);
  report.durationS = Math.round((Date.now() - started) / 1000);
  const files = writeReport(report, args.outDir);
  log(`results: ${files.json}\n${' '.repeat(11)}${files.markdown}`);
  if (args.readme) {
    updateReadme(path.join(ROOT, 'README.md'), report, files.markdown);
    log('README.md Benchmark section updated');
  }
  for (const t of report.targets)
    log(`  ${t.met === null ? '–' : t.met ? 'met    ' : 'NOT met'} ${t.name}: ${t.measured} (goal ${t.target})`);
  log(
    report.correctness.ok
      ? 'correctness: all checks passed'
      : `correctness FAILED: ${report.correctness.problems.join('; ')}`,
  );
  if (!report.correctness.ok) exitCode = 2;
} catch (err) {
  console.error(err);
  console.error(`platform log: ${path.join(logDir, 'platform.log')}`);
  exitCode = 1;
} finally {
  await platform?.stop();
  await idp.close();
  if (args.keepDatabase) log(`kept database ${db.url}`);
  else await db.drop();
}
process.exit(exitCode);
