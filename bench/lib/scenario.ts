// Runs one scenario (the platform, baseline a or baseline b) through the stepped offered rates:
// announces each step's start time to every child, lets the load generators run it open-loop, waits
// for the watchers to receive every committed entry, and gathers per-step figures (throughput,
// latency histograms, event-loop delay, memory, CPU per process group, WAL).
import os from 'node:os';
import type { ChildHandle } from './ipc.ts';
import { mergeHistograms, summarize, wallNow, type LatencySummary } from './hist.ts';
import { cpuByPid, cpuDelta, cpuSecondsOf, machineCpu, rssOf } from './proc.ts';
import { postgresPids, walDelta, walSnapshot, type Sql, type WalSnapshot } from './database.ts';
import { unapprovedIn, type StepPlan, type ScheduledStep } from './schedule.ts';
import type { BoundedOptions, LoadgenStepReport, StepMessage, WatcherProgress, WatcherStepReport } from './protocol.ts';
import { boundedLine, summarizeBounded, type BoundedSummary } from './bounded.ts';
import type { ProbeReading } from '../server-probe.ts';

export interface ScenarioDeps {
  name: string;
  loadgens: ChildHandle[];
  watchers: ChildHandle[];
  /** The server process under test (none for baseline a), with the probe preloaded. */
  server?: { pid: number; handle: ChildHandle };
  admin: Sql;
  database: string;
  /** The lot's committed seq right now (to know when watchers have everything). */
  currentSeq(): Promise<number>;
  deadlineMs: number;
  drainMs: number;
  stepLeadMs: number;
  walSettleMs: number;
}

export interface StepResult {
  rate: number;
  durationS: number;
  sent: number;
  sentPerSec: number;
  accepted: number;
  acceptedPerSec: number;
  /** Bids answered (accepted or refused) per second: the capacity, whatever the race for the price did. */
  answeredPerSec: number;
  rejected: Record<string, number>;
  /** 503 UNAVAILABLE answers (the platform shed the bid); neither answered nor errors. */
  shed: number;
  errors: number;
  errorSamples: string[];
  unanswered: number;
  invalidAccepted: number;
  /** Bids sent by registered but unapproved bidders (each must be answered NOT_APPROVED). */
  unapprovedSent: number;
  ack: LatencySummary | null;
  reject: LatencySummary | null;
  sendLag: LatencySummary | null;
  watcher: (LatencySummary & { deliveries: number; expected: number; drained: boolean }) | null;
  eventLoop: { p50: number; p99: number; max: number } | null;
  serverRssMiB: number | null;
  serverRssPeakMiB: number | null;
  /** CPU use in % of one core per process group (postgres: the bench database's backends and the
   * server's background processes); machineBusyPct is of all cores; otherPct (of one core) is what
   * the rest of the machine used meanwhile (anything else running distorts the figures). */
  cpu: {
    serverPct: number | null;
    postgresPct: number;
    loadgenPct: number;
    watchersPct: number | null;
    otherPct: number;
    machineBusyPct: number;
  };
  /** pg_stat_wal is server-wide (other databases count too); commits are the bench database's own. */
  /** CPU milliseconds per answered bid, per process group: what a bid costs, however busy the machine. */
  cpuMsPerBid: { server: number | null; postgres: number; loadgen: number; watchers: number | null };
  wal: WalSnapshot & { syncsPerAcceptedBid: number | null; commitsPerAcceptedBid: number | null };
  /** The machine's 1-minute load average when the step started (above the core count: others were busy). */
  loadAverage: number;
  /** The step could not keep up (unanswered bids or watchers left behind); higher steps are skipped. */
  saturated: boolean;
  /** Answers against the platform's bound (overload and outage steps only). */
  bounded?: BoundedSummary;
}

export interface StepOptions {
  /** Time every answer against the bound, with a client timeout (and records and retries). */
  bounded?: BoundedOptions;
  /** Called once the step's start time is fixed, before its first bid. */
  onStart?: (step: ScheduledStep) => void;
}

const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
const pct = (cpuS: number, wallS: number): number => Math.round((cpuS / wallS) * 1000) / 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForWatchers(deps: ScenarioDeps, expectedSeq: number): Promise<boolean> {
  const deadline = Date.now() + deps.drainMs;
  for (;;) {
    const progress = await Promise.all(deps.watchers.map((w) => w.call<WatcherProgress>('progress')));
    if (progress.every((p) => p.minSeq >= expectedSeq)) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

export async function runStep(
  deps: ScenarioDeps,
  plan: StepPlan,
  log: (line: string) => void,
  options: StepOptions = {},
): Promise<StepResult> {
  const step: ScheduledStep = { ...plan, startAt: wallNow() + deps.stepLeadMs };
  options.onStart?.(step);
  await Promise.all(deps.watchers.map((w) => w.call('step', step)));
  const wal0 = await walSnapshot(deps.admin, deps.database);
  const pg0 = cpuByPid(await postgresPids(deps.admin, deps.database));
  const m0 = machineCpu();
  const srv0 = deps.server ? cpuSecondsOf(deps.server.pid) : 0;
  const w0 = deps.watchers.reduce((a, w) => a + cpuSecondsOf(w.pid), 0);
  const l0 = deps.loadgens.reduce((a, l) => a + cpuSecondsOf(l.pid), 0);
  if (deps.server) await deps.server.handle.call<ProbeReading>('probe:read', { reset: true });
  const t0 = wallNow();
  const loadAverage = Math.round(os.loadavg()[0] * 10) / 10;

  const message: StepMessage = {
    ...step,
    deadlineMs: deps.deadlineMs,
    ...(options.bounded ? { bounded: options.bounded } : {}),
  };
  const reports = await Promise.all(
    deps.loadgens.map((l) =>
      l.call<LoadgenStepReport>('step', message, step.durationS * 1000 + deps.deadlineMs + 30_000),
    ),
  );
  const lCpu = deps.loadgens.reduce((a, l) => a + cpuSecondsOf(l.pid), 0) - l0;
  const expectedSeq = await deps.currentSeq();
  const drained = deps.watchers.length ? await waitForWatchers(deps, expectedSeq) : true;
  const probe = deps.server ? await deps.server.handle.call<ProbeReading>('probe:read') : undefined;
  const wallS = (wallNow() - t0) / 1000;
  const rss = deps.server ? rssOf(deps.server.pid) : undefined;
  const srvCpu = deps.server ? cpuSecondsOf(deps.server.pid) - srv0 : 0;
  const wCpu = deps.watchers.reduce((a, w) => a + cpuSecondsOf(w.pid), 0) - w0;
  const pgCpu = cpuDelta(
    pg0,
    cpuByPid([...new Set([...pg0.keys(), ...(await postgresPids(deps.admin, deps.database))])]),
  );
  const m1 = machineCpu();
  // Backends publish their WAL counters at most once a second: let the last ones land.
  await sleep(deps.walSettleMs);
  const wal = walDelta(wal0, await walSnapshot(deps.admin, deps.database));
  const wReports = deps.watchers.length
    ? await Promise.all(deps.watchers.map((w) => w.call<WatcherStepReport>('stepReport', step.index)))
    : [];

  const sum = (f: (r: LoadgenStepReport) => number): number => reports.reduce((a, r) => a + f(r), 0);
  const accepted = sum((r) => r.accepted);
  const lastAccepted = Math.max(...reports.map((r) => r.lastAcceptedAt));
  const windowS = Math.max(step.durationS, lastAccepted > 0 ? (lastAccepted - step.startAt) / 1000 : 0);
  const rejected: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.rejected)) rejected[k] = (rejected[k] ?? 0) + v;
  const unanswered = sum((r) => r.unanswered);
  const answeredTotal = accepted + Object.values(rejected).reduce((a, b) => a + b, 0);
  const perBid = (cpuS: number, n: number): number => (n ? Math.round((cpuS * 1000 * 1000) / n) / 1000 : 0);
  const watcherHist = deps.watchers.length ? summarize(mergeHistograms(wReports.map((r) => r.hist))) : null;
  const watcherCount = deps.watchers.length
    ? (await Promise.all(deps.watchers.map((w) => w.call<WatcherProgress>('progress')))).reduce(
        (a, p) => a + p.connected,
        0,
      )
    : 0;
  const result: StepResult = {
    rate: step.rate,
    durationS: step.durationS,
    sent: sum((r) => r.sent),
    sentPerSec: Math.round(sum((r) => r.sent) / step.durationS),
    accepted,
    acceptedPerSec: Math.round(accepted / windowS),
    answeredPerSec: Math.round(answeredTotal / windowS),
    rejected,
    shed: sum((r) => r.shed ?? 0),
    errors: sum((r) => r.errors),
    errorSamples: reports.flatMap((r) => r.errorSamples).slice(0, 5),
    unanswered,
    invalidAccepted: sum((r) => r.invalidAccepted),
    unapprovedSent: unapprovedIn(step),
    ack: summarize(mergeHistograms(reports.map((r) => r.acceptedHist))),
    reject: summarize(mergeHistograms(reports.map((r) => r.rejectedHist))),
    sendLag: summarize(mergeHistograms(reports.map((r) => r.sendLagHist))),
    watcher: deps.watchers.length
      ? {
          ...(watcherHist ?? { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 }),
          deliveries: wReports.reduce((a, r) => a + r.items, 0),
          expected: accepted * watcherCount,
          drained,
        }
      : null,
    eventLoop: probe ? { p50: probe.p50, p99: probe.p99, max: probe.max } : null,
    serverRssMiB: rss ? mib(rss.rss) : null,
    serverRssPeakMiB: rss ? mib(rss.peak) : null,
    cpu: {
      serverPct: deps.server ? pct(srvCpu, wallS) : null,
      postgresPct: pct(pgCpu, wallS),
      loadgenPct: pct(lCpu, wallS),
      watchersPct: deps.watchers.length ? pct(wCpu, wallS) : null,
      otherPct: pct(Math.max(0, m1.busy - m0.busy - srvCpu - pgCpu - lCpu - wCpu), wallS),
      machineBusyPct: pct(m1.busy - m0.busy, m1.total - m0.total),
    },
    cpuMsPerBid: {
      server: deps.server ? perBid(srvCpu, answeredTotal) : null,
      postgres: perBid(pgCpu, answeredTotal),
      loadgen: perBid(lCpu, answeredTotal),
      watchers: deps.watchers.length ? perBid(wCpu, answeredTotal) : null,
    },
    wal: {
      ...wal,
      syncsPerAcceptedBid: accepted ? Math.round((wal.syncs / accepted) * 1000) / 1000 : null,
      commitsPerAcceptedBid: accepted ? Math.round((wal.commits / accepted) * 1000) / 1000 : null,
    },
    loadAverage,
    saturated: unanswered > 0 || !drained,
    ...(options.bounded
      ? { bounded: summarizeBounded(reports.map((r) => r.bounded!).filter(Boolean), options.bounded) }
      : {}),
  };
  log(
    `  ${deps.name}${plan.warmup ? ' (warm-up, not reported)' : ''} @ ${step.rate}/s: accepted ${result.acceptedPerSec}/s (answered ${result.answeredPerSec}/s), ack p50 ${result.ack?.p50 ?? '-'} p99 ${result.ack?.p99 ?? '-'} max ${result.ack?.max ?? '-'} ms` +
      (result.watcher
        ? `, watcher p50 ${result.watcher.p50} p99 ${result.watcher.p99} ms${drained ? '' : ' (NOT drained)'}`
        : '') +
      (result.eventLoop ? `, loop p99 ${result.eventLoop.p99} ms` : '') +
      `, CPU ms/bid server ${result.cpuMsPerBid.server ?? '-'} pg ${result.cpuMsPerBid.postgres}, commits/bid ${result.wal.commitsPerAcceptedBid}, WAL syncs ${wal.syncs}, load ${loadAverage}, CPU machine ${result.cpu.machineBusyPct}% (others ${result.cpu.otherPct}% of a core)` +
      (result.shed ? `, ${result.shed} shed (503)` : '') +
      (result.errors ? `, ${result.errors} errors: ${result.errorSamples[0]}` : ''),
  );
  if (result.bounded) log(`    ${boundedLine(result.bounded)}`);
  return result;
}

/** The next step to run given the ones run so far (undefined: done), for a search such as the capacity's. */
export type AdaptivePlan = (done: StepResult[]) => StepPlan | undefined;

/**
 * Runs the steps in order; once a step saturates, the higher ones are skipped (they would only be
 * worse). A warm-up step runs first (connections opened, caches and JIT warm, as on a platform that
 * has been up for a while) and is checked like the others but not reported. An adaptive plan runs
 * each step it asks for, saturated or not, until it asks for none.
 */
export async function runSteps(
  deps: ScenarioDeps,
  plans: StepPlan[] | AdaptivePlan,
  log: (line: string) => void,
): Promise<{ steps: StepResult[]; skippedRates: number[] }> {
  const steps: StepResult[] = [];
  const skippedRates: number[] = [];
  if (typeof plans === 'function') {
    for (let plan = plans(steps); plan; plan = plans(steps)) steps.push(await runStep(deps, plan, log));
    return { steps, skippedRates };
  }
  for (const plan of plans) {
    if (steps.some((s) => s.saturated)) {
      skippedRates.push(plan.rate);
      continue;
    }
    const result = await runStep(deps, plan, log);
    if (!plan.warmup) steps.push(result);
  }
  return { steps, skippedRates };
}
