// Turns the figures into the verdicts the report leads with: the platform's throughput as a ratio
// to baseline (a), the four targets of DESIGN.md §6, and every correctness problem found.
import type { BenchArgs } from './args.ts';
import type { BenchReport } from './report.ts';
import type { ScenarioResult } from './phases.ts';
import type { WatcherTotals } from './protocol.ts';
import type { LedgerCheck } from './verify.ts';
import { retryProblems } from './outage-figures.ts';
import { descendingProblems } from './descending-check.ts';

const best = (r: ScenarioResult | undefined): number | null =>
  r && r.steps.length ? Math.max(...r.steps.map((s) => s.acceptedPerSec)) : null;

function watcherProblems(name: string, w: WatcherTotals | null | undefined, expectAll: boolean): string[] {
  if (!w) return [];
  const p: string[] = [];
  if (w.gaps) p.push(`${name}: watchers missed ${w.gaps} seqs`);
  if (w.outOfOrder) p.push(`${name}: ${w.outOfOrder} entries out of order or repeated`);
  if (w.unknownAmounts) p.push(`${name}: ${w.unknownAmounts} broadcast amounts no bid offered`);
  // Under saturation (a step that could not keep up) sockets may time out; only then is it no defect.
  if (expectAll && w.disconnects) p.push(`${name}: ${w.disconnects} watcher disconnects`);
  if (expectAll && w.complete < w.sockets)
    p.push(`${name}: ${w.sockets - w.complete} of ${w.sockets} watchers did not reach the final seq`);
  return p;
}

function ledgerProblems(name: string, l: LedgerCheck | undefined): string[] {
  if (!l || l.ok) return [];
  return [
    `${name} ledger: ${[!l.seqGapFree && 'seq gaps', !l.stepRuleHolds && 'step rule broken', !l.hashChainIntact && 'hash chain broken', l.acknowledgedMissing && `${l.acknowledgedMissing} acknowledged bids missing`, !l.finalPriceIsHighestBid && `final price ${l.finalPrice} is not the highest bid ${l.highestAcknowledged}`].filter(Boolean).join(', ')}`,
  ];
}

function scenarioProblems(name: string, r: ScenarioResult | undefined, countNotApproved: boolean): string[] {
  if (!r) return [];
  const p: string[] = [];
  for (const s of r.steps) {
    if (s.invalidAccepted) p.push(`${name} @ ${s.rate}/s: ${s.invalidAccepted} invalid bids accepted`);
    if (s.errors) p.push(`${name} @ ${s.rate}/s: ${s.errors} errors (${s.errorSamples[0]})`);
    // A shed bid (503) from an unapproved bidder never reached the approval check.
    if (countNotApproved && !s.unanswered && !s.shed) {
      const expected = s.unapprovedSent;
      if ((s.rejected.NOT_APPROVED ?? 0) !== expected)
        p.push(
          `${name} @ ${s.rate}/s: ${s.rejected.NOT_APPROVED ?? 0} NOT_APPROVED answers for ${expected} bids from unapproved bidders`,
        );
    }
  }
  p.push(...ledgerProblems(name, r.ledger));
  return p.concat(watcherProblems(name, r.watchers, !r.steps.some((s) => s.saturated)));
}

export function judge(report: BenchReport, args: BenchArgs): void {
  if (report.capacity && report.pgbench?.tps)
    report.capacity.ratio = Math.round((report.capacity.rate / report.pgbench.tps) * 100) / 100;
  const platform = report.platform;
  const a = report.baselineA;
  report.comparison = (platform?.steps ?? report.platformBare?.steps ?? a?.steps ?? []).map((s) => {
    const ps = platform?.steps.find((x) => x.rate === s.rate);
    const as = a?.steps.find((x) => x.rate === s.rate);
    const p = ps?.acceptedPerSec ?? null;
    const b = as?.acceptedPerSec ?? null;
    const answered = ps && as?.answeredPerSec ? Math.round((ps.answeredPerSec / as.answeredPerSec) * 100) / 100 : null;
    const bs = report.platformBare?.steps.find((x) => x.rate === s.rate);
    const r2 = (x: number | undefined, y: number | undefined): number | null =>
      x !== undefined && y ? Math.round((x / y) * 100) / 100 : null;
    return {
      rate: s.rate,
      platformAcceptedPerSec: p,
      baselineAAcceptedPerSec: b,
      ratio: p !== null && b ? Math.round((p / b) * 100) / 100 : null,
      answeredRatio: answered,
      bareRatio: r2(bs?.acceptedPerSec, as?.acceptedPerSec),
      bareAnsweredRatio: r2(bs?.answeredPerSec, as?.answeredPerSec),
    };
  });
  const pBest = best(platform);
  const aBest = best(a);
  const ratio = pBest !== null && aBest ? Math.round((pBest / aBest) * 100) / 100 : null;
  const answered = (r: ScenarioResult | undefined): number | null =>
    r && r.steps.length ? Math.max(...r.steps.map((s) => s.answeredPerSec)) : null;
  const pAns = answered(platform);
  const aAns = answered(a);
  const bBest = best(report.platformBare);
  const bareText =
    bBest !== null && aBest
      ? `; without watchers ${bBest}/s ÷ ${aBest}/s = ${Math.round((bBest / aBest) * 100) / 100}`
      : '';
  const at1000 = platform?.steps.find((s) => s.rate === 1000);
  const bareAt1000 = report.platformBare?.steps.find((s) => s.rate === 1000);
  const bAt1000 = report.baselineB
    .map(
      (b) =>
        `${b.tickMs ? `${b.tickMs} ms tick` : 'each bid'} ${b.steps.find((s) => s.rate === 1000)?.watcher?.p99 ?? '–'} ms`,
    )
    .join(', ');
  report.targets = [
    {
      name: 'accepted bids/s, platform ÷ baseline (a), best steps',
      target: '≥ 1 (aim 2)',
      measured:
        ratio === null
          ? 'not measured'
          : `${ratio} (${pBest}/s ÷ ${aBest}/s; answered bids ${pAns}/s ÷ ${aAns}/s = ${aAns ? Math.round(((pAns ?? 0) / aAns) * 100) / 100 : '–'}${bareText})`,
      met: ratio === null ? null : ratio >= 1,
    },
    {
      name: 'p99 bid→ack at 1,000 bids/s offered',
      target: '≤ 25 ms',
      measured: at1000?.ack
        ? `${at1000.ack.p99} ms with ${args.watchers} watchers${bareAt1000?.ack ? `; ${bareAt1000.ack.p99} ms without watchers` : ''}`
        : 'not measured',
      met: at1000?.ack ? at1000.ack.p99 <= 25 : null,
    },
    {
      name: `p99 bid→watcher, ${args.watchers} watchers at 1,000 bids/s offered`,
      target: '≤ 50 ms',
      measured: at1000?.watcher ? `${at1000.watcher.p99} ms (baseline b: ${bAt1000 || '–'})` : 'not measured',
      met: at1000?.watcher && args.watchers >= 2000 ? at1000.watcher.p99 <= 50 : null,
    },
    {
      name: 'capacity: highest offered rate with every bid answered within 1 s, ÷ pgbench one-row transactions/s',
      target: '≥ 2 (aim)',
      measured:
        report.capacity && report.pgbench
          ? `${report.capacity.ratio} (${report.capacity.rate}/s ÷ ${report.pgbench.tps}/s)`
          : report.capacity
            ? `${report.capacity.rate}/s (pgbench not run)`
            : 'not measured',
      met: report.capacity?.ratio != null ? report.capacity.ratio >= 2 : null,
    },
    {
      name: `server memory with ${report.memory?.connected ?? args.memoryWatchers} watchers`,
      target: '≤ 1024 MiB',
      measured: report.memory ? `${report.memory.peakMiB} MiB peak RSS` : 'not measured',
      met: report.memory && args.memoryWatchers >= 10_000 ? report.memory.peakMiB <= 1024 : null,
    },
  ];
  const problems = [
    ...scenarioProblems('platform', platform, true),
    ...scenarioProblems('platform without watchers', report.platformBare, true),
    ...scenarioProblems('baseline a', a, false),
    ...report.baselineB.flatMap((b) => scenarioProblems(`baseline b (${b.tickMs} ms)`, b, true)),
  ];
  const m = report.memory;
  if (m) {
    if (m.connected < m.watchers) problems.push(`memory: only ${m.connected} of ${m.watchers} watchers connected`);
    problems.push(...watcherProblems('memory', m.watcherTotals, !m.burst?.saturated));
  }
  if (report.capacity) problems.push(...ledgerProblems('capacity search', report.capacity.ledger));
  // Issue 12: under overload and through an outage, answers may be shed or lost, but nothing acknowledged may be.
  const o = report.overload;
  if (o) {
    problems.push(...ledgerProblems('overload', o.ledger));
    if (o.step?.invalidAccepted) problems.push(`overload: ${o.step.invalidAccepted} invalid bids accepted`);
    problems.push(...watcherProblems('overload', o.watchers, false));
  }
  const out = report.outage;
  if (out) {
    problems.push(...ledgerProblems('outage', out.ledger));
    if (out.step?.invalidAccepted) problems.push(`outage: ${out.step.invalidAccepted} invalid bids accepted`);
    problems.push(...retryProblems(out.retries).map((x) => `outage: ${x}`));
    problems.push(...watcherProblems('outage', out.watchers, false));
  }
  problems.push(...descendingProblems(report.descending));
  problems.push(...report.phaseErrors.map((e) => `phase failed: ${e}`));
  report.correctness = { ok: problems.length === 0, problems };
}
