// The four phases of the storm: baseline (a) raw postgres.js, baseline (b) socket.io fan-out without
// persistence, the platform itself, and the memory of 10,000 connected watchers (the overload step
// and the outage of issue 12 are in overload.ts and outage.ts, with the helpers exported here).
import path from 'node:path';
import { forkBench, type ChildHandle } from './ipc.ts';
import { planSteps, type PriceRules, type StepPlan } from './schedule.ts';
import { runSteps, type AdaptivePlan, type ScenarioDeps, type StepResult } from './scenario.ts';
import { copyLotForRawBaseline, type BenchDatabase } from './database.ts';
import { checkLedger, type LedgerCheck } from './verify.ts';
import { rssOf } from './proc.ts';
import { ROOT, type LotSetup, type Person, type ServerUnderTest } from './platform.ts';
import type { BenchArgs } from './args.ts';
import type {
  BidderRef,
  LoadgenFinal,
  LoadgenInit,
  WatcherConnectReport,
  WatcherInit,
  WatcherTotals,
} from './protocol.ts';

export interface BenchContext {
  args: BenchArgs;
  db: BenchDatabase;
  rules: PriceRules;
  approved: Person[];
  unapproved: Person[];
  setup: LotSetup;
  platform: () => ServerUnderTest;
  /** Stops the platform process and starts a fresh one (with these settings changed, if any). */
  restartPlatform: (env?: Record<string, string>) => Promise<ServerUnderTest>;
  log: (line: string) => void;
  logDir: string;
}

export interface ScenarioResult {
  steps: StepResult[];
  skippedRates: number[];
  ledger?: LedgerCheck;
  watchers?: WatcherTotals & { connect: WatcherConnectReport };
}

const script = (name: string): string => path.join(ROOT, 'bench', name);
const probe = ['--import', script('server-probe.ts')];

export function refs(ctx: BenchContext, people: Person[], registrationIds?: Map<string, number>): BidderRef[] {
  return people.map((p) => {
    const r = ctx.setup.registrations.get(p.pid)!;
    return {
      token: p.token,
      pid: p.pid,
      bidderCode: r.bidderCode,
      registrationId: registrationIds?.get(r.bidderCode) ?? r.id,
    };
  });
}

/** Starts the load generators with `totalConnections` opened before each step, growing to `maxTotalConnections` as needed. */
export async function startLoadgens(
  ctx: BenchContext,
  init: Omit<LoadgenInit, 'index' | 'of' | 'connections' | 'maxConnections'>,
  totalConnections: number,
  maxTotalConnections?: number,
): Promise<ChildHandle[]> {
  // Connections opened as needed are the overload step's, which uses the lean client (lib/lean-http.ts).
  const n = ctx.args.loadgens;
  const handles = Array.from({ length: n }, (_, i) => forkBench(script('loadgen.ts'), `loadgen-${i}`));
  const share = (total: number): number => Math.max(1, Math.ceil(total / n));
  await Promise.all(
    handles.map((h, index) =>
      h.call('init', {
        ...init,
        index,
        of: n,
        connections: share(totalConnections),
        ...(maxTotalConnections ? { maxConnections: share(maxTotalConnections), client: 'lean' as const } : {}),
      } satisfies LoadgenInit),
    ),
  );
  return handles;
}

export async function startWatchers(
  ctx: BenchContext,
  url: string,
  lotId: number,
  count: number,
  procs: number,
): Promise<{ handles: ChildHandle[]; connect: WatcherConnectReport }> {
  if (count <= 0) return { handles: [], connect: { connected: 0, failed: 0, failureSamples: [], ms: 0 } };
  const per = Math.ceil(count / procs);
  const handles = Array.from({ length: procs }, (_, i) => forkBench(script('watchers.ts'), `watchers-${i}`));
  await Promise.all(
    handles.map((h, i) =>
      h.call('init', {
        url,
        lotId,
        count: Math.min(per, count - i * per),
        rules: ctx.rules,
        connectBatch: 50,
      } satisfies WatcherInit),
    ),
  );
  const reports = await Promise.all(handles.map((h) => h.call<WatcherConnectReport>('connect', undefined, 600_000)));
  const connect = { connected: 0, failed: 0, failureSamples: [] as string[], ms: 0 };
  for (const r of reports) {
    connect.connected += r.connected;
    connect.failed += r.failed;
    connect.failureSamples.push(...r.failureSamples);
    connect.ms = Math.max(connect.ms, r.ms);
  }
  ctx.log(
    `  ${connect.connected} watchers connected in ${connect.ms} ms${connect.failed ? ` (${connect.failed} failed: ${connect.failureSamples[0]})` : ''}`,
  );
  return { handles, connect };
}

export async function watcherTotals(handles: ChildHandle[], expectedSeq: number): Promise<WatcherTotals> {
  const all = await Promise.all(handles.map((h) => h.call<WatcherTotals>('totals', expectedSeq)));
  const t: WatcherTotals = {
    sockets: 0,
    connected: 0,
    disconnects: 0,
    gaps: 0,
    outOfOrder: 0,
    complete: 0,
    minSeq: Infinity,
    maxSeq: 0,
    items: 0,
    events: 0,
    unknownAmounts: 0,
  };
  for (const a of all) {
    for (const k of [
      'sockets',
      'connected',
      'disconnects',
      'gaps',
      'outOfOrder',
      'complete',
      'items',
      'events',
      'unknownAmounts',
    ] as const)
      t[k] += a[k];
    t.minSeq = Math.min(t.minSeq, a.minSeq);
    t.maxSeq = Math.max(t.maxSeq, a.maxSeq);
  }
  return t;
}

export async function stopAll(handles: ChildHandle[]): Promise<void> {
  await Promise.all(handles.map((h) => h.stop()));
}

export async function finishLoadgens(handles: ChildHandle[]): Promise<[number, number, number][]> {
  const finals = await Promise.all(handles.map((h) => h.call<LoadgenFinal>('finish')));
  await stopAll(handles);
  return finals.flatMap((f) => f.acks);
}

export const seqOf = (ctx: BenchContext, lotId: number) => async (): Promise<number> =>
  (await ctx.db.sql<{ seq: number }[]>`select seq from lots where id = ${lotId}`)[0].seq;

export function deps(
  ctx: BenchContext,
  name: string,
  loadgens: ChildHandle[],
  watchers: ChildHandle[],
  server: ScenarioDeps['server'],
  currentSeq: () => Promise<number>,
): ScenarioDeps {
  return {
    name,
    loadgens,
    watchers,
    server,
    admin: ctx.db.admin,
    database: ctx.db.name,
    currentSeq,
    deadlineMs: ctx.args.deadlineMs,
    drainMs: ctx.args.drainMs,
    stepLeadMs: ctx.args.stepLeadMs,
    walSettleMs: ctx.args.walSettleMs,
  };
}

/** Baseline (a): raw postgres.js, one transaction per bid, on a copy of the lot. */
export async function runBaselineA(ctx: BenchContext, plans: StepPlan[]): Promise<ScenarioResult> {
  ctx.log(`baseline (a): raw postgres.js, one transaction per bid, ${ctx.args.dbPool} connections`);
  const raw = await copyLotForRawBaseline(ctx.db.sql, ctx.setup.lotId);
  const loadgens = await startLoadgens(
    ctx,
    {
      mode: 'raw',
      dbUrl: ctx.db.url,
      lotId: raw.lotId,
      rules: ctx.rules,
      approved: refs(ctx, ctx.approved, raw.registrationIds),
      unapproved: refs(ctx, ctx.unapproved, raw.registrationIds),
    },
    ctx.args.dbPool,
  );
  try {
    const { steps, skippedRates } = await runSteps(
      deps(ctx, 'baseline a', loadgens, [], undefined, seqOf(ctx, raw.lotId)),
      plans,
      ctx.log,
    );
    const ledger = await checkLedger(ctx.db.sql, raw.lotId, await finishLoadgens(loadgens));
    return { steps, skippedRates, ledger };
  } finally {
    await stopAll(loadgens);
  }
}

/** Baseline (b): the same bids and watchers through a socket.io server that persists nothing. */
export async function runBaselineB(ctx: BenchContext, plans: StepPlan[], tickMs: number): Promise<ScenarioResult> {
  ctx.log(
    `baseline (b): socket.io fan-out without persistence, ${tickMs ? `coalesced per ${tickMs} ms` : 'each bid emitted'}, ${ctx.args.watchers} watchers`,
  );
  const profile = ctx.args.profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(ctx.logDir, 'profiles')] : [];
  const server = forkBench(script('fanout-server.ts'), 'fanout-server', { execArgv: [...profile, ...probe] });
  const lotId = ctx.setup.lotId;
  const approved = Object.fromEntries(refs(ctx, ctx.approved).map((r) => [r.pid, r.bidderCode]));
  const { port } = await server.call<{ port: number }>('init', { lotId, rules: ctx.rules, approved, tickMs });
  const base = `http://127.0.0.1:${port}`;
  let watchers: ChildHandle[] = [];
  let loadgens: ChildHandle[] = [];
  try {
    const w = await startWatchers(ctx, base, lotId, ctx.args.watchers, ctx.args.watcherProcs);
    watchers = w.handles;
    loadgens = await startLoadgens(
      ctx,
      {
        mode: 'http',
        base,
        lotId,
        rules: ctx.rules,
        approved: refs(ctx, ctx.approved),
        unapproved: refs(ctx, ctx.unapproved),
      },
      ctx.args.connections,
    );
    const currentSeq = async (): Promise<number> => (await server.call<{ seq: number }>('state')).seq;
    const { steps, skippedRates } = await runSteps(
      deps(
        ctx,
        `baseline b${tickMs ? ` (${tickMs} ms)` : ''}`,
        loadgens,
        watchers,
        { pid: server.pid, handle: server },
        currentSeq,
      ),
      plans,
      ctx.log,
    );
    await finishLoadgens(loadgens);
    return {
      steps,
      skippedRates,
      watchers: watchers.length
        ? { ...(await watcherTotals(watchers, await currentSeq())), connect: w.connect }
        : undefined,
    };
  } finally {
    await stopAll([...loadgens, ...watchers, server]);
  }
}

/**
 * The platform: bids over HTTP to the real server, watchers on its socket.io. With `watchers: 0` it
 * measures the bid path alone, as baseline (a) does (same lot, bid numbers continuing after firstG).
 */
export async function runPlatform(
  ctx: BenchContext,
  plans: StepPlan[] | AdaptivePlan,
  options: { watchers?: number } = {},
): Promise<ScenarioResult> {
  const platform = ctx.platform();
  const watcherCount = options.watchers ?? ctx.args.watchers;
  ctx.log(
    `platform: ${watcherCount} watchers, ${ctx.args.connections} HTTP connections, DATABASE_POOL_SIZE=${ctx.args.dbPool}`,
  );
  const lotId = ctx.setup.lotId;
  let watchers: ChildHandle[] = [];
  let loadgens: ChildHandle[] = [];
  try {
    const w = await startWatchers(ctx, platform.base, lotId, watcherCount, ctx.args.watcherProcs);
    watchers = w.handles;
    loadgens = await startLoadgens(
      ctx,
      {
        mode: 'http',
        base: platform.base,
        lotId,
        rules: ctx.rules,
        approved: refs(ctx, ctx.approved),
        unapproved: refs(ctx, ctx.unapproved),
      },
      ctx.args.connections,
    );
    const { steps, skippedRates } = await runSteps(
      deps(
        ctx,
        watcherCount ? 'platform' : 'platform, no watchers',
        loadgens,
        watchers,
        { pid: platform.pid, handle: platform.handle },
        seqOf(ctx, lotId),
      ),
      plans,
      ctx.log,
    );
    const ledger = await checkLedger(ctx.db.sql, lotId, await finishLoadgens(loadgens));
    return {
      steps,
      skippedRates,
      ledger,
      watchers: watchers.length
        ? { ...(await watcherTotals(watchers, ledger.entries)), connect: w.connect }
        : undefined,
    };
  } finally {
    await stopAll([...loadgens, ...watchers]);
  }
}

export interface MemoryResult {
  watchers: number;
  connected: number;
  connectMs: number;
  rssBeforeMiB: number;
  rssConnectedMiB: number;
  rssAfterBurstMiB: number;
  peakMiB: number;
  perWatcherKiB: number;
  burst: StepResult | null;
  watcherTotals: WatcherTotals | null;
}

const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** RSS of a freshly started platform process, then with N watchers connected, then after a burst. */
export async function runMemory(ctx: BenchContext, firstG: number): Promise<MemoryResult> {
  const n = ctx.args.memoryWatchers;
  ctx.log(`memory: ${n} watcher sockets on a freshly started platform process`);
  const platform = await ctx.restartPlatform();
  const lotId = ctx.setup.lotId;
  await sleep(ctx.args.smoke ? 300 : 2_000);
  const before = rssOf(platform.pid);
  let watchers: ChildHandle[] = [];
  let loadgens: ChildHandle[] = [];
  try {
    const w = await startWatchers(ctx, platform.base, lotId, n, Math.max(1, Math.ceil(n / 2500)));
    watchers = w.handles;
    await sleep(ctx.args.smoke ? 300 : 3_000);
    const connected = rssOf(platform.pid);
    // A short, gentle burst so that every socket has been written to at least once.
    loadgens = await startLoadgens(
      ctx,
      {
        mode: 'http',
        base: platform.base,
        lotId,
        rules: ctx.rules,
        approved: refs(ctx, ctx.approved),
        unapproved: refs(ctx, ctx.unapproved),
      },
      ctx.args.connections,
    );
    const [plan] = planSteps([ctx.args.smoke ? 20 : 100], ctx.args.smoke ? 2 : 5, firstG);
    const { steps } = await runSteps(
      deps(ctx, 'memory burst', loadgens, watchers, { pid: platform.pid, handle: platform.handle }, seqOf(ctx, lotId)),
      [plan],
      ctx.log,
    );
    await finishLoadgens(loadgens);
    const after = rssOf(platform.pid);
    const totals = await watcherTotals(watchers, await seqOf(ctx, lotId)());
    const result: MemoryResult = {
      watchers: n,
      connected: w.connect.connected,
      connectMs: w.connect.ms,
      rssBeforeMiB: mib(before.rss),
      rssConnectedMiB: mib(connected.rss),
      rssAfterBurstMiB: mib(after.rss),
      peakMiB: mib(after.peak),
      perWatcherKiB: Math.round(((connected.rss - before.rss) / Math.max(1, w.connect.connected) / 1024) * 10) / 10,
      burst: steps[0] ?? null,
      watcherTotals: totals,
    };
    ctx.log(
      `  RSS ${result.rssBeforeMiB} MiB before, ${result.rssConnectedMiB} MiB with ${result.connected} watchers, ${result.rssAfterBurstMiB} MiB after a burst (peak ${result.peakMiB} MiB)`,
    );
    return result;
  } finally {
    await stopAll([...loadgens, ...watchers]);
  }
}
