// One table of a scenario's steps, for the report (./report.ts) and its faults part (./report-faults.ts).
import type { StepResult } from './scenario.ts';
import type { ScenarioResult } from './phases.ts';

const f = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined ? '–' : String(Math.round(v * 10 ** digits) / 10 ** digits);

function stepRow(s: StepResult, ratio?: number | null): string {
  const cpu = s.cpu;
  return `| ${s.rate} | ${s.acceptedPerSec} | ${s.answeredPerSec} | ${ratio === undefined ? '' : `${f(ratio, 2)} | `}${f(s.ack?.p50)} | ${f(s.ack?.p99)} | ${f(s.ack?.p999)} | ${f(s.ack?.max)} | ${s.watcher ? `${f(s.watcher.p50)} | ${f(s.watcher.p99)} | ${f(s.watcher.max)}` : '– | – | –'} | ${f(s.eventLoop?.p99)} | ${f(s.serverRssMiB, 0)} | ${f(s.cpuMsPerBid.server, 2)}/${f(s.cpuMsPerBid.postgres, 2)} | ${f(s.wal.commitsPerAcceptedBid, 2)} | ${s.wal.syncs} | ${f(s.loadAverage)} | ${f(cpu.serverPct, 0)}/${f(cpu.postgresPct, 0)}/${f(cpu.loadgenPct, 0)}/${f(cpu.watchersPct, 0)}/${f(cpu.otherPct, 0)} (${f(cpu.machineBusyPct, 0)}) |${s.saturated ? ' saturated' : ''}${s.errors ? ` ${s.errors} errors` : ''}`;
}

export function table(title: string, r: ScenarioResult, ratios?: Map<number, number | null>): string {
  const head = `| offered/s | accepted/s | answered/s | ${ratios ? 'accepted ratio to (a) | ' : ''}ack p50 | ack p99 | ack p99.9 | ack max | watcher p50 | watcher p99 | watcher max | loop p99 | RSS MiB | CPU ms/bid server/pg | commits/bid | WAL syncs | load | CPU % server/pg/loadgen/watchers/other (machine) |`;
  const sep = `|${'---|'.repeat(ratios ? 18 : 17)}`;
  const rows = r.steps.map((s) => stepRow(s, ratios ? (ratios.get(s.rate) ?? null) : undefined));
  const skipped = r.skippedRates.length ? `\nSkipped after saturation: ${r.skippedRates.join(', ')} bids/s.` : '';
  return `#### ${title}\n\n${head}\n${sep}\n${rows.join('\n')}\n${skipped}`;
}
