// The catalogue benchmark's report (issue 21): the figures as JSON, and the markdown beside them in
// bench/results (and quoted in the README's "Catalogue at national size").
import type { LatencySummary } from './hist.ts';
import type { MachineInfo } from './proc.ts';

export interface CatalogueReport {
  date: string;
  smoke: boolean;
  machine: MachineInfo & {
    postgres: string;
    /** The server's memory settings (shared_buffers, work_mem, effective_cache_size). */
    postgresMemory?: string;
    /** What pg_prewarm read into the buffers before the searches, or why it did not. */
    prewarmed?: string;
  };
  /** The machine's load averages (1, 5, 15 min) as the searches began and ended: other work on it. */
  load: { before: number[]; after: number[] };
  settings: {
    lots: number;
    queriesPerClass: number;
    concurrency: number;
    targetMs: number;
    pageSize: number;
    seed: number;
  };
  /** Null when an earlier run's database was searched again (--database). */
  seeding: {
    copyMs: number;
    indexMs: Record<string, number>;
    vacuumAnalyzeMs: number;
    totalMs: number;
    lotsPerSecond: number;
    statuses: Record<string, number>;
    categories: Record<string, number>;
  } | null;
  sizes: {
    rows: number;
    heapBytes: number;
    toastBytes: number;
    indexBytes: number;
    totalBytes: number;
    indexes: { name: string; bytes: number }[];
    averageBytes: { searchVector: number; searchText: number; searchCompact: number; row: number };
  };
  classes: {
    name: string;
    what: string;
    requests: number;
    latency: LatencySummary | null;
    totals: { exact: number; estimated: number; empty: number };
    problems: number;
    /** The five slowest answers (ms and query). */
    slowest: { ms: number; query: string }[];
    plans: {
      query: string;
      summary: string;
      statements: { statement: string; executionMs: number; nodes: string }[];
    }[];
    /** Whether p99 stayed within the target (null: not judged, as in smoke runs). */
    withinTarget: boolean | null;
  }[];
  correctness: { ok: boolean; problems: string[] };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The distinct plan shapes of a class's sampled searches, most frequent first. */
function shapes(plans: CatalogueReport['classes'][number]['plans']): string {
  const counts = new Map<string, number>();
  for (const p of plans) {
    // What read the matches: every statement but the sample and the rows read by id.
    const shape = p.statements
      .filter((x) => x.statement !== 'sample' && x.statement !== 'rows')
      .map((x) => x.nodes)
      .join('; ');
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([shape, n]) => `${n}× ${shape}`)
    .join('<br>');
}

export function renderCatalogueMarkdown(r: CatalogueReport): string {
  const parts: string[] = [];
  parts.push(
    `${r.machine.nproc} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, PostgreSQL ${r.machine.postgres} (${r.machine.postgresMemory ?? 'its default settings'}; lots table and indexes prewarmed: ${r.machine.prewarmed ?? 'no'}), Node ${r.machine.node}. ${r.settings.lots.toLocaleString('en')} lots; ${r.settings.queriesPerClass} searches per class over HTTP (GET /api/lots, ${r.settings.pageSize} lots a page), ${r.settings.concurrency} at a time, after an unrecorded warm-up; latency to the answer's last byte. The machine's load average (1, 5, 15 min) was ${r.load.before.join(', ')} as the searches began and ${r.load.after.join(', ')} as they ended (the machine is shared: other work shows here).`,
  );
  const seeding = r.seeding;
  if (seeding) {
    const list = (counts: Record<string, number>): string =>
      Object.entries(counts)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
        .join(', ');
    const indexes = Object.entries(seeding.indexMs).sort((a, b) => b[1] - a[1]);
    parts.push(
      `**Seeding**: COPY ${s(seeding.copyMs)} (${seeding.lotsPerSecond.toLocaleString('en')} lots/s, search columns made by the platform's lotSearchColumns), indexes ${s(indexes.reduce((a, [, v]) => a + v, 0))} (${indexes.map(([k, v]) => `${k} ${s(v)}`).join(', ')}), VACUUM ANALYZE ${s(seeding.vacuumAnalyzeMs)}: **${s(seeding.totalMs)}** in all. Statuses: ${list(seeding.statuses)}. Categories: ${list(seeding.categories)}.`,
    );
  } else parts.push('**Seeding**: none: a catalogue an earlier run seeded and kept was searched again (--database).');
  parts.push(
    `**Sizes**: ${r.sizes.rows.toLocaleString('en')} rows; table ${mib(r.sizes.heapBytes)} (+ ${mib(r.sizes.toastBytes)} TOAST), indexes ${mib(r.sizes.indexBytes)}, in all ${mib(r.sizes.totalBytes)}. Per lot on average: search_vector ${r.sizes.averageBytes.searchVector} B, search_text ${r.sizes.averageBytes.searchText} B, search_compact ${r.sizes.averageBytes.searchCompact} B, the whole row ${r.sizes.averageBytes.row} B. Indexes: ${r.sizes.indexes.map((i) => `${i.name} ${mib(i.bytes)}`).join(', ')}.`,
  );
  parts.push(
    `| class | what | requests | p50 ms | p99 ms | max ms | p99 ≤ ${r.settings.targetMs} ms | totals exact / estimated / empty | plans (what read the matches), of ${r.classes[0]?.plans.length ?? 0} sampled |\n|---|---|---|---|---|---|---|---|---|\n` +
      r.classes
        .map(
          (c) =>
            `| ${c.name} | ${c.what} | ${c.requests} | ${c.latency?.p50 ?? '–'} | ${c.latency?.p99 ?? '–'} | ${c.latency?.max ?? '–'} | ${c.withinTarget === null ? '–' : c.withinTarget ? 'yes' : '**no**'} | ${c.totals.exact} / ${c.totals.estimated} / ${c.totals.empty} | ${shapes(c.plans)} |`,
        )
        .join('\n'),
  );
  parts.push(
    `**The slowest answers** of each class:\n\n${r.classes
      .map(
        (c) =>
          `- ${c.name}: ${c.slowest.map((x) => `${x.ms} ms \`${decodeURIComponent(x.query.replace(/\+/g, ' '))}\``).join('; ')}`,
      )
      .join('\n')}`,
  );
  parts.push(
    `**Correctness**: ${r.correctness.ok ? 'every answer checked right' : `WRONG: ${r.correctness.problems.join('; ')}`} (each lot matches the words by the platform's own definition and every filter, pages in order, no lot on two cursor pages, exact totals agree with short answers).`,
  );
  return parts.join('\n\n') + '\n';
}
