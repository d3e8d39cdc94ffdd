// The overload step of issue 12: bids offered open-loop at 4× the rate the platform sustains, with
// the storm's watchers, timed against the platform's bound (answered within it, shed with 503,
// accepted, no answer until the client gave up). The sustained rate is measured on the platform's
// storm steps of the same run, or, when those did not run, on calibration steps this phase runs
// first (the same rates and watchers).
import type { ChildHandle } from './ipc.ts';
import { planSteps, type StepPlan } from './schedule.ts';
import { runStep, runSteps, type StepResult } from './scenario.ts';
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

export interface SustainedRate {
  /** Bids answered per second (accepted or refused) at the highest step that kept up. */
  perSec: number;
  basis: 'platform steps' | 'calibration steps' | 'best accepted rate' | 'given';
  /** The offered rate of that step. */
  fromRate: number | null;
  /** The best accepted bids/s of those steps, for comparison. */
  bestAcceptedPerSec: number | null;
  /** The highest step offered kept up: the platform may sustain more than this. */
  lowerBound: boolean;
  how: string;
}

export interface OverloadResult {
  sustained: SustainedRate;
  factor: number;
  offeredRate: number;
  connections: number;
  /** The most connections the generators could open during the step. */
  maxConnections: number;
  /** Watcher sockets asked for (as in the storm). */
  watcherSockets: number;
  /** Calibration steps, when the platform's storm steps did not run. */
  calibration?: StepResult[];
  step: StepResult | null;
  ledger?: LedgerCheck;
  watchers?: ScenarioResult['watchers'];
}

/**
 * The rate the platform sustains: answered bids/s of the highest step that kept up (every bid
 * answered, watchers drained, no errors, at most 1% shed, answers' p99 within the bound, answered at
 * least 95% of the offered rate). Without such a step, the best accepted rate stands in.
 */
export function sustainedRate(
  steps: StepResult[],
  boundMs: number,
  basis: 'platform steps' | 'calibration steps',
): SustainedRate | null {
  if (!steps.length) return null;
  const bestAccepted = Math.max(...steps.map((s) => s.acceptedPerSec));
  const kept = steps.filter(
    (s) =>
      !s.saturated &&
      !s.errors &&
      s.shed <= s.sent * 0.01 &&
      Math.max(s.ack?.p99 ?? 0, s.reject?.p99 ?? 0) <= boundMs &&
      s.answeredPerSec >= s.rate * 0.95,
  );
  if (!kept.length) {
    return {
      perSec: bestAccepted,
      basis: 'best accepted rate',
      fromRate: null,
      bestAcceptedPerSec: bestAccepted,
      lowerBound: false,
      how: `no ${basis.replace(/s$/, '')} kept up within ${boundMs} ms: the best accepted rate of the ${basis}`,
    };
  }
  const best = kept.reduce((a, s) => (s.answeredPerSec > a.answeredPerSec ? s : a));
  const lowerBound = best.rate === Math.max(...steps.map((s) => s.rate));
  return {
    perSec: best.answeredPerSec,
    basis,
    fromRate: best.rate,
    bestAcceptedPerSec: bestAccepted,
    lowerBound,
    how: `answered bids/s at the highest of the ${basis} (with watchers) that kept up: ${best.rate} bids/s offered, every bid answered with p99 within ${boundMs} ms, watchers drained${lowerBound ? '; it was the highest step offered, so the platform may sustain more' : ''}`,
  };
}

export async function runOverload(
  ctx: BenchContext,
  firstG: number,
  earlier: StepResult[] | undefined,
): Promise<{ result: OverloadResult; nextG: number }> {
  const a = ctx.args;
  const platform = ctx.platform();
  const lotId = ctx.setup.lotId;
  const server = { pid: platform.pid, handle: platform.handle };
  let watchers: ChildHandle[] = [];
  let loadgens: ChildHandle[] = [];
  const acks: [number, number, number][] = [];
  let nextG = firstG;
  let nextIndex = 0;
  try {
    const w = await startWatchers(ctx, platform.base, lotId, a.watchers, a.watcherProcs);
    watchers = w.handles;
    const bidders = {
      mode: 'http' as const,
      base: platform.base,
      lotId,
      rules: ctx.rules,
      approved: refs(ctx, ctx.approved),
      unapproved: refs(ctx, ctx.unapproved),
    };
    let sustained: SustainedRate | null = null;
    let calibration: StepResult[] | undefined;
    if (a.overload.rate > 0) {
      sustained = {
        perSec: a.overload.rate / a.overload.factor,
        basis: 'given',
        fromRate: null,
        bestAcceptedPerSec: null,
        lowerBound: false,
        how: `--overload-rate ${a.overload.rate}`,
      };
    } else if (earlier?.length) {
      sustained = sustainedRate(earlier, a.boundMs, 'platform steps');
    } else {
      // No storm steps in this run: measure on the same steps, with the storm's connections.
      const plans = planSteps(a.rates, a.durationS, nextG, a.warmup);
      ctx.log(
        `overload: calibrating the sustained rate on ${a.rates.join(', ')} bids/s × ${a.durationS} s with ${a.watchers} watchers`,
      );
      loadgens = await startLoadgens(ctx, bidders, a.connections);
      const { steps } = await runSteps(
        deps(ctx, 'overload calibration', loadgens, watchers, server, seqOf(ctx, lotId)),
        plans,
        ctx.log,
      );
      acks.push(...(await finishLoadgens(loadgens)));
      loadgens = [];
      calibration = steps;
      sustained = sustainedRate(steps, a.boundMs, 'calibration steps');
      nextG = plans[plans.length - 1].firstG + plans[plans.length - 1].count;
      nextIndex = plans.length;
    }
    if (!sustained || sustained.perSec <= 0)
      throw new Error('no sustained rate to overload (no step answered any bid)');
    const offeredRate = a.overload.rate > 0 ? a.overload.rate : Math.round(sustained.perSec * a.overload.factor);
    ctx.log(
      `overload: ${offeredRate} bids/s offered (${a.overload.factor} × ${sustained.perSec}/s, ${sustained.basis}) for ${a.overload.durationS} s, ${a.watchers} watchers, ${a.overload.connections} HTTP connections (up to ${a.overload.maxConnections} as needed), bound ${a.boundMs} ms, client timeout ${a.clientTimeoutMs / 1000} s`,
    );
    loadgens = await startLoadgens(ctx, bidders, a.overload.connections, a.overload.maxConnections);
    const [p] = planSteps([offeredRate], a.overload.durationS, nextG);
    const plan: StepPlan = { ...p, index: nextIndex };
    nextG = plan.firstG + plan.count;
    // Several times the storm's connections: open them first, and give the step a longer lead so that none is opened during it.
    await Promise.all(loadgens.map((l) => l.call('warm')));
    const lead = {
      ...deps(ctx, 'overload', loadgens, watchers, server, seqOf(ctx, lotId)),
      stepLeadMs: a.smoke ? a.stepLeadMs : 3_000,
    };
    const step = await runStep(lead, plan, ctx.log, {
      bounded: { boundMs: a.boundMs, clientTimeoutMs: a.clientTimeoutMs, records: false, retries: false },
    });
    acks.push(...(await finishLoadgens(loadgens)));
    loadgens = [];
    const ledger = await checkLedger(ctx.db.sql, lotId, acks);
    const totals = await watcherTotals(watchers, await seqOf(ctx, lotId)());
    return {
      result: {
        sustained,
        factor: a.overload.factor,
        offeredRate,
        connections: a.overload.connections,
        maxConnections: a.overload.maxConnections,
        watcherSockets: a.watchers,
        ...(calibration ? { calibration } : {}),
        step,
        ledger,
        watchers: { ...totals, connect: w.connect },
      },
      nextG,
    };
  } finally {
    await stopAll([...loadgens, ...watchers]);
  }
}
