// The run's report: the JSON document, a markdown rendering of it, and the README's Benchmark
// section (between its markers) rewritten with the latest figures.
import fs from 'node:fs';
import path from 'node:path';
import type { MemoryResult, ScenarioResult } from './phases.ts';
import type { OverloadResult } from './overload.ts';
import type { OutageResult } from './outage.ts';
import { renderOutage, renderOverload } from './report-faults.ts';
import type { DescendingResult } from './descending.ts';
import { renderDescending } from './descending-check.ts';
import { table } from './report-table.ts';
import type { MachineInfo } from './proc.ts';
import type { CapacityResult, PgbenchResult } from './capacity.ts';

export interface BenchReport {
  date: string;
  smoke: boolean;
  /** --short: the real rates with short steps (never a full run). */
  short?: boolean;
  machine: MachineInfo & { postgres: string };
  workload: Record<string, unknown>;
  setup?: { lotId: number; registerMs: number; approveMs: number; totalMs: number; how: string };
  baselineA?: ScenarioResult;
  baselineB: (ScenarioResult & { tickMs: number })[];
  platform?: ScenarioResult;
  /** The platform again without watchers: its bid path alone, like baseline (a). */
  platformBare?: ScenarioResult;
  memory?: MemoryResult;
  /** Issue 21: PostgreSQL's one-row-one-transaction rate, and the platform's capacity as a ratio to it. */
  pgbench?: PgbenchResult;
  capacity?: CapacityResult;
  /** Issue 12: one step at 4× the sustained rate, and a database outage under a steady flow. */
  overload?: OverloadResult;
  outage?: OutageResult;
  /** Issue 16: every approved bidder accepting a descending lot's price at the same instant. */
  descending?: DescendingResult;
  comparison: {
    rate: number;
    platformAcceptedPerSec: number | null;
    baselineAAcceptedPerSec: number | null;
    ratio: number | null;
    answeredRatio: number | null;
    bareRatio: number | null;
    bareAnsweredRatio: number | null;
  }[];
  targets: { name: string; target: string; measured: string; met: boolean | null }[];
  correctness: { ok: boolean; problems: string[] };
  /** Phases that failed to run (their figures are missing). */
  phaseErrors: string[];
  durationS: number;
}

export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const parts: string[] = [];
  parts.push(
    `Run ${r.date}${r.smoke ? ' (smoke)' : r.short ? ' (short)' : ''} on ${m.nproc} cores (${m.cpuModel}), ${m.memoryGiB} GiB, PostgreSQL ${m.postgres}, Node ${m.node}; server, PostgreSQL and load generators share the machine. Latencies in ms from each bid's scheduled send time (open loop); steps of ${r.workload.durationS} s; ${r.workload.watchers} watchers; ${r.workload.bidders} approved bidders; 30% invalid bids.`,
  );
  parts.push(
    `\n**Targets**\n\n| target | goal | measured | met |\n|---|---|---|---|\n${r.targets.map((t) => `| ${t.name} | ${t.target} | ${t.measured} | ${t.met === null ? '–' : t.met ? 'yes' : 'no'} |`).join('\n')}`,
  );
  const ratios = new Map(r.comparison.map((c) => [c.rate, c.ratio]));
  if (r.platform) parts.push(table('Platform (HTTP bids, socket.io watchers, PostgreSQL)', r.platform, ratios));
  if (r.platformBare)
    parts.push(
      table(
        'Platform without watchers (the bid path alone, as baseline a measures it)',
        r.platformBare,
        new Map(r.comparison.map((c) => [c.rate, c.bareRatio])),
      ),
    );
  if (r.baselineA) parts.push(table('Baseline (a): raw postgres.js, one transaction per bid', r.baselineA));
  for (const b of r.baselineB)
    parts.push(
      table(
        `Baseline (b): socket.io fan-out, no persistence, ${b.tickMs ? `coalesced per ${b.tickMs} ms` : 'each bid emitted'}`,
        b,
      ),
    );
  if (r.memory) {
    const mm = r.memory;
    parts.push(
      `#### Memory\n\n${mm.connected} of ${mm.watchers} watcher sockets connected in ${(mm.connectMs / 1000).toFixed(1)} s: server RSS ${mm.rssBeforeMiB} MiB before, ${mm.rssConnectedMiB} MiB connected (${mm.perWatcherKiB} KiB per watcher), ${mm.rssAfterBurstMiB} MiB after a ${mm.burst?.rate ?? '–'} bids/s burst (peak ${mm.peakMiB} MiB).`,
    );
  }
  if (r.capacity || r.pgbench) parts.push(renderCapacity(r.capacity, r.pgbench));
  if (r.overload) parts.push(renderOverload(r.overload));
  if (r.descending) parts.push(renderDescending(r.descending));
  if (r.outage) parts.push(renderOutage(r.outage));
  if (r.phaseErrors.length) parts.push(`**Phases that failed**: ${r.phaseErrors.join('; ')}`);
  parts.push(
    `**Correctness**: ${r.correctness.ok ? 'all checks passed' : `FAILED: ${r.correctness.problems.join('; ')}`} (final price is the highest accepted bid, gap-free hash-chained ledger with every acknowledged bid, every watcher saw strictly increasing seqs without gaps, no invalid bid accepted${r.descending ? '; in the descending storm, exactly one acceptance won, every other refused as sold or price changed, one ledger entry at the price asked' : ''}${r.outage ? '; in the outage, no Idempotency-Key placed twice, no committed bid refused on retry' : ''}).`,
  );
  return parts.join('\n\n') + '\n';
}

function renderCapacity(c: CapacityResult | undefined, p: PgbenchResult | undefined): string {
  const lines = ['#### Capacity'];
  if (p)
    lines.push(
      `pgbench on the bench database: ${p.tps} transactions/s, each one INSERT of one row (\`${p.script.replace(/\n/g, '; ')}\`), ${p.clients} connections, ${p.threads} threads, ${p.durationS} s, latency ${p.latencyAvgMs ?? '–'} ms on average.`,
    );
  if (c)
    lines.push(
      `The highest offered rate at which every bid was answered within ${c.boundMs} ms: **${c.rate} bids/s**${c.firstMissed ? ` (${c.firstMissed} bids/s missed)` : ''}${c.ratio !== null ? `, **${c.ratio} ×** pgbench's rate` : ''}. Rates tried (the storm's steps, then the search's ${c.stepDurationS} s steps): ${c.probes.map((x) => `${x.rate}/s ${x.withinBound ? 'held' : 'missed'} (${x.why})`).join('; ')}.`,
    );
  return lines.join('\n\n');
}

export function writeReport(r: BenchReport, outDir: string): { json: string; markdown: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = r.date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  const suffix = r.smoke ? '-smoke' : r.short ? '-short' : '';
  const json = path.join(outDir, `storm-${stamp}${suffix}.json`);
  const markdown = path.join(outDir, `storm-${stamp}${suffix}.md`);
  fs.writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  fs.writeFileSync(markdown, `# Closing-seconds storm, ${r.date}\n\n${renderMarkdown(r)}`);
  return { json, markdown };
}

const START = '<!-- bench:start (written by npm run bench) -->';
const END = '<!-- bench:end -->';

/** Rewrites the README's Benchmark section between its markers (adding the section if missing). */
export function updateReadme(readmePath: string, r: BenchReport, resultsFile: string): void {
  const text = fs.readFileSync(readmePath, 'utf8');
  const body = `${START}\n\nLatest full run (${path.relative(path.dirname(readmePath), resultsFile)}):\n\n${renderMarkdown(r).replace(/^#### /gm, '##### ')}\n${END}`;
  const i = text.indexOf(START);
  const j = text.indexOf(END);
  let next: string;
  if (i >= 0 && j > i) next = text.slice(0, i) + body + text.slice(j + END.length);
  else next = `${text.trimEnd()}\n\n## Benchmark\n\n${body}\n`;
  fs.writeFileSync(readmePath, next);
}
