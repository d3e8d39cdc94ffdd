// The outage phase of issue 12: the platform reaches PostgreSQL through the fault-injection TCP proxy
// of test/support/tcp-proxy.ts; a steady flow of bids (each with its Idempotency-Key) runs from
// several bidders; the proxy cuts the database off for a few seconds and restores it. Every bid is
// timed against the platform's bound; once /api/health answers 200 again, every bid that got no
// definitive answer (503, another 5xx, none) is retried once with the same key. Then the ledger says
// which of those had been committed all along, which the retry placed, and that no key was placed
// twice. The phase leaves the platform stopped (it runs last).
import { startTcpProxy, type TcpProxy } from '../../test/support/tcp-proxy.ts';
import type { ChildHandle } from './ipc.ts';
import { wallNow } from './hist.ts';
import { planSteps } from './schedule.ts';
import { runStep, type StepResult } from './scenario.ts';
import { checkLedger, type LedgerCheck } from './verify.ts';
import {
  deps,
  finishLoadgens,
  refs,
  seqOf,
  startLoadgens,
  startWatchers,
  stopAll,
  watcherTotals,
  type BenchContext,
  type ScenarioResult,
} from './phases.ts';
import {
  recovery,
  retryFigures,
  timeline,
  windowFigures,
  type LedgerEntryByKey,
  type Recovery,
  type RetryFigures,
  type TimelineBin,
  type WindowFigures,
} from './outage-figures.ts';
import type { AttemptRecord, LoadgenRecords } from './protocol.ts';

export interface HealthSample {
  /** When the request left, relative to the cut, ms. */
  t: number;
  /** HTTP status, or 0 when no answer came within 5 s. */
  status: number;
  ms: number;
}

export interface OutageResult {
  rate: number;
  bidders: number;
  connections: number;
  /** Seconds of flow before the cut, of the cut, after the restore (planned). */
  plan: { beforeS: number; cutS: number; afterS: number };
  /** Relative to the flow's start, ms: when cut() and restore() ran, and when retries began. */
  at: { cutMs: number; restoreMs: number; retriesMs: number | null };
  /** First attempts of the whole flow (answers, shed, no answer, waits). */
  step: StepResult | null;
  windows: { before: WindowFigures; during: WindowFigures; after: WindowFigures };
  recovery: Recovery;
  retries: RetryFigures;
  /** Readiness (/api/health) and liveness (/api/health/live) during the outage. */
  health: {
    readiness: { during: Record<string, number>; samples: HealthSample[] };
    liveness: { during: Record<string, number> };
  };
  timeline: TimelineBin[];
  ledger?: LedgerCheck;
  watchers?: ScenarioResult['watchers'];
}

const sleepUntil = (at: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, at - wallNow())));

/** The bench database's URL with its host and port replaced by the proxy's. */
function proxiedUrl(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.host = proxy.host;
  return u.toString();
}

/** Probes readiness and liveness every 250 ms (without waiting for slow answers) until stopped. */
function pollHealth(base: string): {
  ready: { at: number; status: number; ms: number }[];
  live: { at: number; status: number }[];
  stop(): Promise<void>;
} {
  const ready: { at: number; status: number; ms: number }[] = [];
  const live: { at: number; status: number }[] = [];
  const inFlight = new Set<Promise<void>>();
  const probe = (path: string, push: (at: number, r: { status: number; ms: number }) => void): void => {
    const at = wallNow();
    const p = fetch(base + path, { signal: AbortSignal.timeout(5_000) })
      .then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      })
      .catch(() => 0)
      .then((status) => push(at, { status, ms: wallNow() - at }))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const timer = setInterval(() => {
    probe('/api/health', (at, r) => ready.push({ at, ...r }));
    probe('/api/health/live', (at, r) => live.push({ at, status: r.status }));
  }, 250);
  return {
    ready,
    live,
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      ready.sort((x, y) => x.at - y.at);
      live.sort((x, y) => x.at - y.at);
    },
  };
}

const countBy = (statuses: number[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const s of statuses)
    out[s ? String(s) : 'no answer in 5 s'] = (out[s ? String(s) : 'no answer in 5 s'] ?? 0) + 1;
  return out;
};

export async function runOutage(ctx: BenchContext, firstG: number): Promise<OutageResult> {
  const a = ctx.args;
  const o = a.outage;
  const target = new URL(ctx.db.url);
  if (!target.hostname) throw new Error(`the outage phase proxies TCP; DATABASE_URL ${ctx.db.url} names no host`);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  let watchers: ChildHandle[] = [];
  let loadgens: ChildHandle[] = [];
  let health: ReturnType<typeof pollHealth> | undefined;
  try {
    ctx.log(
      `outage: the platform restarted with its database through a TCP proxy (${proxy.host}); ${o.rate} bids/s from ${o.bidders} approved bidders (plus the unapproved ones' 3 in 20), ${o.watchers} watchers; cut after ${o.beforeS} s for ${o.cutS} s, then ${o.afterS} s more`,
    );
    const platform = await ctx.restartPlatform({ DATABASE_URL: proxiedUrl(ctx.db.url, proxy) });
    const lotId = ctx.setup.lotId;
    const seqBefore = await seqOf(ctx, lotId)();
    const w = await startWatchers(ctx, platform.base, lotId, o.watchers, 1);
    watchers = w.handles;
    loadgens = await startLoadgens(
      ctx,
      {
        mode: 'http',
        base: platform.base,
        lotId,
        rules: ctx.rules,
        approved: refs(ctx, ctx.approved.slice(0, o.bidders)),
        unapproved: refs(ctx, ctx.unapproved),
      },
      o.connections,
    );
    // A fresh process: a short unreported warm-up (tokens verified, code compiled) so that the time before the cut is the platform's normal.
    const [warm, plan] = planSteps([o.rate], o.beforeS + o.cutS + o.afterS, firstG, {
      rate: o.rate,
      durationS: a.smoke ? 1 : 3,
    });
    await runStep(
      deps(ctx, 'outage', loadgens, watchers, { pid: platform.pid, handle: platform.handle }, seqOf(ctx, lotId)),
      warm,
      ctx.log,
    );
    const t = { start: 0, cut: 0, restore: 0, ready: null as number | null, retries: null as number | null };
    let timelineDone: Promise<void> = Promise.resolve();
    const onStart = (step: { startAt: number; durationS: number }): void => {
      t.start = step.startAt;
      health = pollHealth(platform.base);
      timelineDone = (async () => {
        await sleepUntil(step.startAt + o.beforeS * 1000);
        proxy.cut();
        t.cut = wallNow();
        ctx.log('  database cut');
        await sleepUntil(t.cut + o.cutS * 1000);
        proxy.restore();
        t.restore = wallNow();
        ctx.log('  database restored');
        // Retries start once the platform reports ready again (or, if it never does, after the flow plus 10 s).
        const giveUp = step.startAt + step.durationS * 1000 + 10_000;
        while (wallNow() < giveUp) {
          const ok = health!.ready.filter((s) => s.at >= t.restore && s.status === 200);
          if (ok.length) {
            t.ready = Math.min(...ok.map((s) => s.at + s.ms));
            break;
          }
          await sleepUntil(wallNow() + 50);
        }
        t.retries = wallNow();
        ctx.log(
          `  ${t.ready === null ? 'platform never ready again; ' : `ready ${Math.round(t.ready - t.restore)} ms after the restore; `}retrying every bid without a definitive answer once, same Idempotency-Key`,
        );
        const n = await Promise.all(loadgens.map((l) => l.call<number>('retry')));
        ctx.log(`  ${n.reduce((x, y) => x + y, 0)} retries sent at once (later ones as their first attempt ends)`);
      })();
      timelineDone.catch(() => proxy.restore());
    };
    const bounded = { boundMs: a.boundMs, clientTimeoutMs: a.clientTimeoutMs, records: true, retries: true };
    const step = await runStep(
      deps(ctx, 'outage', loadgens, watchers, { pid: platform.pid, handle: platform.handle }, seqOf(ctx, lotId)),
      plan,
      ctx.log,
      { bounded, onStart },
    );
    await timelineDone;
    await health?.stop();
    const recs = await Promise.all(loadgens.map((l) => l.call<LoadgenRecords>('records')));
    const first: AttemptRecord[] = recs.flatMap((r) => r.first);
    const retries: AttemptRecord[] = recs.flatMap((r) => r.retries);
    const acks = await finishLoadgens(loadgens);
    loadgens = [];
    const ledger = await checkLedger(ctx.db.sql, lotId, acks);
    const rows = await ctx.db.sql<{ key: string; seq: number; amount: string; placed_at: Date }[]>`
      select idempotency_key as key, seq, amount, placed_at from ledger_entries where lot_id = ${lotId} and seq > ${seqBefore} and idempotency_key like 'bench-%' order by seq`;
    const entries = new Map<number, LedgerEntryByKey[]>();
    for (const r of rows) {
      const g = Number(r.key.slice('bench-'.length));
      entries.set(g, [
        ...(entries.get(g) ?? []),
        { seq: r.seq, amount: Number(r.amount), placedAt: r.placed_at.getTime() },
      ]);
    }
    const inWindow = (from: number, to: number): AttemptRecord[] =>
      first.filter((r) => r.scheduledAt >= from && r.scheduledAt < to);
    const ready = health?.ready ?? [];
    const during = (s: { at: number }): boolean => s.at >= t.cut && s.at < t.restore;
    const result: OutageResult = {
      rate: o.rate,
      bidders: o.bidders,
      connections: o.connections,
      plan: { beforeS: o.beforeS, cutS: o.cutS, afterS: o.afterS },
      at: {
        cutMs: Math.round(t.cut - t.start),
        restoreMs: Math.round(t.restore - t.start),
        retriesMs: t.retries === null ? null : Math.round(t.retries - t.start),
      },
      step,
      windows: {
        before: windowFigures(inWindow(-Infinity, t.cut), a.boundMs),
        during: windowFigures(inWindow(t.cut, t.restore), a.boundMs),
        after: windowFigures(inWindow(t.restore, Infinity), a.boundMs),
      },
      recovery: recovery({ first, retries, cutAt: t.cut, restoreAt: t.restore, readyAt: t.ready, boundMs: a.boundMs }),
      retries: retryFigures(first, retries, entries),
      health: {
        readiness: {
          during: countBy(ready.filter(during).map((s) => s.status)),
          samples: ready.map((s) => ({ t: Math.round(s.at - t.cut), status: s.status, ms: Math.round(s.ms) })),
        },
        liveness: { during: countBy((health?.live ?? []).filter(during).map((s) => s.status)) },
      },
      timeline: timeline(first, t.cut, a.boundMs),
      ledger,
      watchers: watchers.length
        ? { ...(await watcherTotals(watchers, await seqOf(ctx, lotId)())), connect: w.connect }
        : undefined,
    };
    return result;
  } finally {
    await health?.stop();
    proxy.restore();
    await stopAll([...loadgens, ...watchers]);
    // The platform behind the proxy goes before the proxy does.
    await ctx.platform().stop();
    await proxy.close();
  }
}
