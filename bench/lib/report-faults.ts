// Markdown for the parts of issue 12: the overload step and the database outage.
import type { BoundedSummary } from './bounded.ts';
import type { LedgerCheck } from './verify.ts';
import type { OverloadResult } from './overload.ts';
import type { OutageResult } from './outage.ts';
import type { WindowFigures } from './outage-figures.ts';
import type { ScenarioResult } from './phases.ts';
import type { StepResult } from './scenario.ts';
import { table } from './report-table.ts';

const f = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined ? '–' : String(Math.round(v * 10 ** digits) / 10 ** digits);
const ms = (v: number | null | undefined): string =>
  v === null || v === undefined ? 'never' : `${(v / 1000).toFixed(1)} s`;
const codes = (r: Record<string, number>): string =>
  Object.entries(r)
    .map(([k, v]) => `${k} × ${v}`)
    .join(', ') || 'none';

/** The rest of the machine's use meanwhile: figures from a busy machine are not comparable. */
const busy = (s: StepResult): string =>
  `Machine load ${f(s.loadAverage)} at the start; the rest of the machine used ${f(s.cpu.otherPct, 0)}% of a core meanwhile.`;

function ledgerLine(l: LedgerCheck | undefined): string {
  if (!l) return 'not checked';
  if (l.ok)
    return `intact (${l.entries} entries, gap-free hash chain, all ${l.acknowledged} acknowledged bids in it, final price the highest bid)`;
  return `BROKEN: ${[!l.seqGapFree && 'seq gaps', !l.hashChainIntact && 'hash chain broken', !l.stepRuleHolds && 'step rule broken', l.acknowledgedMissing && `${l.acknowledgedMissing} acknowledged bids missing`, !l.finalPriceIsHighestBid && 'final price not the highest bid'].filter(Boolean).join(', ')}`;
}

function watchersLine(w: ScenarioResult['watchers']): string {
  if (!w) return '';
  return ` Watchers: ${w.complete} of ${w.sockets} reached the final seq, ${w.gaps} seqs missed, ${w.outOfOrder} out of order, ${w.disconnects} disconnects.`;
}

export function renderOverload(o: OverloadResult): string {
  const s = o.step;
  const b: BoundedSummary | undefined = s?.bounded;
  const parts: string[] = [];
  const sus = o.sustained;
  parts.push(`#### Overload: ${o.factor}× the sustained rate (issue 12)`);
  parts.push(
    `Sustained rate: ${sus.perSec} bids/s${sus.lowerBound ? ' or more' : ''} (${sus.basis}: ${sus.how}${sus.bestAcceptedPerSec !== null ? `; best accepted rate ${sus.bestAcceptedPerSec}/s` : ''}). ` +
      `Offered: ${o.offeredRate} bids/s open-loop for ${s?.durationS ?? '–'} s (sent ${s?.sentPerSec ?? '–'}/s; the generators' own send lag p99 ${f(s?.sendLag?.p99)} ms), ${o.watcherSockets} watchers, ${o.connections} HTTP connections opened before and up to ${o.maxConnections} as needed (at most ${b?.peakConnections ?? '–'} open; ${b ? `${b.pct.clientQueued}% of the bids waited in the generator for a free connection` : '–'}); ` +
      `bound ${b?.boundMs ?? '–'} ms from the scheduled send time; a client gives up after ${b ? b.clientTimeoutMs / 1000 : '–'} s.${s ? ` ${busy(s)}` : ''}`,
  );
  if (s && b) {
    parts.push(
      `| answered within ${b.boundMs} ms | accepted or refused within ${b.boundMs} ms | shed (503) | accepted | refused | no answer in ${b.clientTimeoutMs / 1000} s | errors | wait p50 | wait p99 | wait max | shed wait p99 | accepted/s | answered/s | watcher p99 | loop p99 |\n|${'---|'.repeat(15)}\n` +
        `| ${b.pct.withinBound}% | ${b.pct.definitiveWithinBound}% | ${b.pct.shed}% | ${b.pct.accepted}% | ${b.pct.refused}% | ${b.pct.noAnswer}% | ${b.pct.error}% | ${f(b.wait?.p50)} | ${f(b.wait?.p99)} | ${f(b.wait?.max)} | ${f(b.shedWait?.p99)} | ${s.acceptedPerSec} | ${s.answeredPerSec} | ${f(s.watcher?.p99)} | ${f(s.eventLoop?.p99)} |`,
    );
    const notes: string[] = [];
    if (b.shedWithoutRetryAfter) notes.push(`${b.shedWithoutRetryAfter} of the 503 answers had no Retry-After.`);
    if (b.error + b.failed)
      notes.push(
        `${b.error} answers with another 5xx, ${b.failed} requests failed without an answer (${s.errorSamples[0] ?? ''}).`,
      );
    notes.push(`Ledger: ${ledgerLine(o.ledger)}.${watchersLine(o.watchers)}`);
    parts.push(notes.join(' '));
  }
  if (o.calibration?.length)
    parts.push(
      table('Overload calibration steps (the sustained rate measured here: the storm steps did not run)', {
        steps: o.calibration,
        skippedRates: [],
      }),
    );
  return parts.join('\n\n');
}

function windowRow(name: string, w: WindowFigures): string {
  return `| ${name} | ${w.sent} | ${w.pct.withinBound}% | ${w.pct.definitiveWithinBound}% | ${w.pct.shed}% | ${w.pct.accepted}% | ${w.pct.noAnswer}% | ${w.error} | ${f(w.waitP99)} | ${f(w.waitMax)} |`;
}

export function renderOutage(o: OutageResult): string {
  const b = o.step?.bounded;
  const bound = b?.boundMs ?? 2000;
  const timeout = (b?.clientTimeoutMs ?? 10_000) / 1000;
  const r = o.recovery;
  const t = o.retries;
  const parts: string[] = [];
  parts.push(`#### Database outage (issue 12)`);
  parts.push(
    `${o.rate} bids/s open-loop from ${o.bidders} approved bidders (and the unapproved ones' 3 bids in 20), each bid with its Idempotency-Key, to a platform whose PostgreSQL link runs through a fault-injection TCP proxy; the link was cut ${ms(o.at.cutMs)} into the flow and restored ${ms(o.at.restoreMs - o.at.cutMs)} later, then ${o.plan.afterS} s more of flow. ` +
      `Bound ${bound} ms from the scheduled send time; a client gives up after ${timeout} s; ${o.connections} HTTP connections.${o.step ? ` ${busy(o.step)}` : ''}`,
  );
  const whole = b
    ? `| whole flow | ${b.sent} | ${b.pct.withinBound}% | ${b.pct.definitiveWithinBound}% | ${b.pct.shed}% | ${b.pct.accepted}% | ${b.pct.noAnswer}% | ${b.error + b.failed} | ${f(b.wait?.p99)} | ${f(b.wait?.max)} |`
    : '';
  parts.push(
    `| window (by scheduled send time) | bids | answered within ${bound} ms | accepted or refused within ${bound} ms | shed (503) | accepted | no answer in ${timeout} s | errors | wait p99 | wait max |\n|${'---|'.repeat(10)}\n` +
      [
        windowRow('before the cut', o.windows.before),
        windowRow('during the cut', o.windows.during),
        windowRow('after the restore', o.windows.after),
        whole,
      ]
        .filter(Boolean)
        .join('\n'),
  );
  parts.push(
    `**Recovery after the restore**: readiness (\`/api/health\` 200) after ${ms(r.readyMs)}; first accepted bid after ${ms(r.firstAcceptedMs)} (of a bid sent after the restore: ${ms(r.firstAcceptedSentAfterMs)}); ` +
      `steady again (every 500 ms of bids from then on ≥ 95% accepted or refused within ${bound} ms; before the cut ${r.successBeforePct}%) after ${r.steadyMs === null ? `never, within the ${o.plan.afterS} s observed` : ms(r.steadyMs)} (issue 12 asks for 5 s). ` +
      `During the cut, readiness answered: ${codes(o.health.readiness.during)}; liveness (\`/api/health/live\`): ${codes(o.health.liveness.during)}.`,
  );
  parts.push(
    `**Retries** (each bid without a definitive answer retried once with the same Idempotency-Key, from ${o.at.retriesMs === null ? '–' : ms(o.at.retriesMs - o.at.restoreMs)} after the restore): ${t.retryable} bids without a definitive answer, ${t.retried} retried. ` +
      `Committed on the first try although answered 503: ${t.committedOnFirstTry.answered503}; although not answered: ${t.committedOnFirstTry.notAnswered}; although answered 5xx: ${t.committedOnFirstTry.answeredError}. ` +
      `The retry returned the committed bid: ${t.replayed}; placed on retry: ${t.placedOnRetry}; refused on retry: ${codes(t.refusedOnRetry)}; still no definitive answer: ${t.unresolved}. ` +
      `Placed twice: ${t.duplicates}; committed but refused on retry: ${t.committedButRetryRefused}; refused but committed: ${t.refusedButCommitted}. Retry wait p99 ${f(t.retryWaitP99)} ms, max ${f(t.retryWaitMax)} ms.`,
  );
  parts.push(
    `Ledger: ${ledgerLine(o.ledger)}.${watchersLine(o.watchers)} Per-second timeline in the JSON (\`outage.timeline\`).`,
  );
  return parts.join('\n\n');
}
