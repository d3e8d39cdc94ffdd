// The day scenario's report: the JSON document, its markdown rendering, and the README's day section
// (between its own markers), which sets the latest full run on one process beside the latest on two.
import fs from 'node:fs';
import path from 'node:path';
import type { LatencySummary } from './hist.ts';
import type { MachineInfo } from './proc.ts';
import { LOT_CLASSES, type DayShape, type LotClass } from './day-plan.ts';

export interface LoopFigures {
  p50: number;
  p99: number;
  max: number;
}

export interface ClassFigures {
  lots: number;
  watchers: number;
  /** Planned bids per lot in the window (mean). */
  bidsPerLot: number;
  sent: number;
  accepted: number;
  rejected: Record<string, number>;
  shed: number;
  errors: number;
  retried: number;
  ack: LatencySummary | null;
  answer: LatencySummary | null;
  watcher: LatencySummary | null;
  deliveries: number;
}

/** Requests of one kind (sign-ins, page loads): how many, how fast, and why some failed. */
export interface RequestFigures {
  ok: number;
  failed: number;
  perSec: number;
  latency: LatencySummary | null;
  failures: Record<string, number>;
  samples: string[];
}

export interface DayReport {
  date: string;
  /** The platform's commit measured. */
  revision: string;
  smoke: boolean;
  processes: number;
  balancer: boolean;
  machine: MachineInfo & { postgres: string };
  shape: DayShape;
  plan: {
    people: number;
    registrations: number;
    lots: Record<LotClass, number>;
    bids: Record<LotClass, number>;
    watchers: Record<LotClass, number>;
    watchersTotal: number;
    watchersFull: number;
    /** Watchers held over the full count (lots × bidders × watchers per registrant). */
    watcherScale: number;
    /** The shift's minutes over the window's. */
    compression: number;
  };
  /** How the platform's per-address limits met traffic from one machine. */
  limits: string;
  setup: {
    how: string;
    lotsMs: number;
    registerMs: number;
    approveMs: number;
    totalMs: number;
    perSecond: { register: number; approve: number };
    groups: number;
  };
  rush: {
    people: number;
    seconds: number;
    /** Arriving people over everyone registered. */
    scale: number;
    offeredPerSec: number;
    signIns: RequestFigures;
    pages: RequestFigures & { showedBidder: number; meanKiB: number };
    /** Server CPU (all processes) per person: a sign-in and their page loads. */
    serverCpuMsPerPerson: number;
    /** The same above what the processes spend anyway with the sockets open (the idle stretch). */
    serverCpuMsPerPersonNet: number;
    serverCpuPct: number;
    commits: number;
    commitsPerSignIn: number;
    /** Net of the platform's background commits (measured with no one connected). */
    commitsPerSignInNet: number;
    /** Rows written per sign-in (with its pages), by table, most first (the background's included). */
    rowsPerSignIn: Record<string, number>;
    loop: LoopFigures[];
    /** The machine's 1-minute load average as the rush began, and other work's CPU during it (% of a core). */
    loadAverage: number;
    othersPct: number;
    idpRequests: { authorize: number; token: number };
  };
  /** The public loading lot pages without signing in (absent from runs before it was measured). */
  spectators?: {
    seconds: number;
    pages: RequestFigures & { meanKiB: number };
    /** Server CPU (all processes) per page, and above the idle stretch's. */
    serverCpuMsPerPage: number;
    serverCpuMsPerPageNet: number;
    commitsPerPageNet: number;
    rowsPerPage: Record<string, number>;
    loop: LoopFigures[];
    othersPct: number;
  };
  memory: {
    sockets: number;
    connected: number;
    failed: number;
    failureSamples: string[];
    connectMs: number;
    pools: number;
    rssBeforeMiB: number;
    rssAfterMiB: number;
    /** Server RSS growth per 1,000 sockets (all processes). */
    perThousandMiB: number;
    balancerPerThousandMiB: number | null;
  };
  idle: {
    seconds: number;
    serverCpuPct: number;
    /** The platform's own work with no one connected (scheduler, jobs, flushes). */
    background: { seconds: number; serverCpuPct: number; commitsPerSec: number };
    /** Server CPU per 1,000 connected sockets per second with no bids (pings), above the background. */
    serverCpuMsPerThousandSocketsPerSec: number;
    commitsPerSec: number;
  };
  steady: {
    windowS: number;
    /** From the window's opening to the last watcher's last entry. */
    spanS: number;
    byClass: Record<LotClass, ClassFigures>;
    answered: number;
    accepted: number;
    deliveries: number;
    frames: number;
    drained: boolean;
    cpu: {
      serverS: number;
      serverPct: number;
      serverPctEach: number[];
      serverMsPerBid: number;
      serverUsPerMessage: number;
      /** The same, net of the idle stretch's CPU (sockets open, no bids) over the window. */
      serverNetMsPerBid: number;
      serverNetUsPerMessage: number;
      postgresMsPerBid: number;
      balancerMsPerBid: number | null;
      redisMsPerBid: number | null;
      biddersPct: number;
      watchersPct: number;
      machineBusyPct: number;
      /** CPU other work on the machine used during the window, % of a core (not this run's processes). */
      othersPct: number;
    };
    db: {
      commits: number;
      commitsPerSec: number;
      commitsPerBid: number;
      /** Net of the background commits (the idle stretch's rate). */
      commitsPerBidNet: number;
      walSyncs: number;
      walSyncsPerSec: number;
      walSyncsPerBid: number;
      walBytesPerBid: number;
      /** Rows written per answered bid, by table, most first (the background's included). */
      rowsPerBid: Record<string, number>;
    };
    loop: LoopFigures[];
    sendLagP99: number | null;
    loadAverage: number;
  };
  correctness: {
    ok: boolean;
    problems: string[];
    ledger: { lots: number; entries: number; acknowledged: number; acknowledgedMissing: number; lotsIntact: number };
    watchers: {
      sockets: number;
      connected: number;
      complete: number;
      gaps: number;
      outOfOrder: number;
      disconnects: number;
      unknownAmounts: number;
    };
  };
  durationS: number;
}

const f = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : String(Math.round(v * 10 ** digits) / 10 ** digits);
const int = (v: number): string => Math.round(v).toLocaleString('en-US');
const lat = (s: LatencySummary | null): string => (s ? `${f(s.p50, 0)} / ${f(s.p99, 0)} / ${f(s.max, 0)}` : '–');
const codes = (r: Record<string, number>): string =>
  Object.entries(r)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ') || '0';
const rowList = (r: Record<string, number>): string =>
  Object.entries(r)
    .map(([t, n]) => `${t} ${f(n, 2)}`)
    .join(', ') || 'none';
const topology = (r: DayReport): string =>
  `${r.processes} process${r.processes > 1 ? 'es' : ''}${r.balancer ? ' behind HAProxy' : ', direct'}${r.processes > 1 ? ' (Redis adapter)' : ''}`;

export function renderDayMarkdown(r: DayReport): string {
  const m = r.machine;
  const p = r.plan;
  const s = r.steady;
  const parts: string[] = [];
  parts.push(
    `Run ${r.date}${r.smoke ? ' (smoke)' : ''} of revision ${r.revision}: ${topology(r)}, on ${m.nproc} cores (${m.cpuModel}), ${m.memoryGiB} GiB, PostgreSQL ${m.postgres}, Node ${m.node}; the platform, PostgreSQL, Redis, HAProxy, the browsers, bidders and watcher pools all share the machine (load average ${f(s.loadAverage)} at the window's start).`,
  );
  parts.push(
    `**Scale**: ${r.shape.lots} lots live at once (${p.lots.hot} hot, ${p.lots.warm} warm, ${p.lots.quiet} quiet), ${r.shape.biddersPerLot} approved bidders each: ${int(p.registrations)} registrations by ${int(p.people)} people on ${r.shape.lotsPerPerson} lots each (full scale). Watchers: ${int(p.watchersTotal)} sockets of the full ${int(p.watchersFull)} (${r.shape.watchersPerRegistrant} per registrant): **scale ${f(p.watcherScale, 3)}** (${p.watchers.hot} on hot lots, ${p.watchers.warm} warm, ${p.watchers.quiet} quiet). Time: the ${r.shape.shiftMinutes}-minute shift's bidding measured in a ${r.shape.windowS} s window: hot bursts (${r.shape.hotBids} bids in ${r.shape.hotSeconds} s, staggered so several run at once) and warm lots (a bid every ${r.shape.warmIntervalS} s on average) at their real pace, the quiet lots' ${r.shape.quietBids} bids of a whole shift inside the window: **compression ${f(p.compression)}×** for those. Setup: ${r.setup.how} (${f(r.setup.totalMs / 1000, 0)} s; ${r.setup.perSecond.register} registrations/s, ${r.setup.perSecond.approve} approvals/s). Limits: ${r.limits}`,
  );
  const rs = r.rush;
  parts.push(
    `#### Opening rush\n\n${int(rs.people)} people arriving in ${rs.seconds} s (${f(rs.offeredPerSec)}/s offered, open loop; **scale ${f(rs.scale, 2)}** of the ${int(p.people)} registered): each signs in through the OpenID Connect flow (platform → provider's authorization endpoint → callback → code exchanged, session cookie) and loads ${r.shape.rushPages === 1 ? 'their lot page' : `${r.shape.rushPages} lot pages`} (server-rendered \`/lots/:id\`, ${f(rs.pages.meanKiB)} KiB of HTML).\n\n| | done | failed | per s | p50 / p99 / max ms |\n|---|---|---|---|---|\n| sign-ins (arrival → session cookie) | ${int(rs.signIns.ok)} | ${int(rs.signIns.failed)} | ${f(rs.signIns.perSec)} | ${lat(rs.signIns.latency)} |\n| lot pages (request → last byte) | ${int(rs.pages.ok)} | ${int(rs.pages.failed)} | ${f(rs.pages.perSec)} | ${lat(rs.pages.latency)} |\n\n${int(rs.pages.showedBidder)} of ${int(rs.pages.ok)} pages showed the person's own bidder code. Server CPU ${f(rs.serverCpuMsPerPerson)} ms per person (sign-in and page; ${f(rs.serverCpuMsPerPersonNet)} above idle), ${f(rs.serverCpuPct, 0)}% of a core over the rush; ${f(rs.commitsPerSignIn, 2)} commits per sign-in (${f(rs.commitsPerSignInNet, 2)} above the platform's background); rows written per sign-in: ${rowList(rs.rowsPerSignIn)}; event loop p99 ${rs.loop.map((l) => f(l.p99, 0)).join(' / ')} ms (max ${rs.loop.map((l) => f(l.max, 0)).join(' / ')}). Load average ${f(rs.loadAverage)} as it began; **other work on the machine used ${f(rs.othersPct, 0)}% of a core** meanwhile.${rs.signIns.failed || rs.pages.failed ? ` Failures: sign-in ${codes(rs.signIns.failures)}${rs.signIns.samples[0] ? ` (${rs.signIns.samples[0]})` : ''}; pages ${codes(rs.pages.failures)}${rs.pages.samples[0] ? ` (${rs.pages.samples[0]})` : ''}.` : ''}`,
  );
  const sp = r.spectators;
  if (sp)
    parts.push(
      `#### Spectators\n\n${int(sp.pages.ok + sp.pages.failed)} lot pages loaded without a sign-in in ${sp.seconds} s (the public watching), at the rush's rate: ${int(sp.pages.ok)} ok, ${int(sp.pages.failed)} failed, ${f(sp.pages.perSec)}/s, p50 / p99 / max ${lat(sp.pages.latency)} ms, ${f(sp.pages.meanKiB)} KiB of HTML. **Server CPU ${f(sp.serverCpuMsPerPage)} ms per page** (${f(sp.serverCpuMsPerPageNet)} above idle); ${f(sp.commitsPerPageNet, 2)} commits per page above the background; rows written per page: ${rowList(sp.rowsPerPage)}; event loop p99 ${sp.loop.map((l) => f(l.p99, 0)).join(' / ')} ms; other work on the machine ${f(sp.othersPct, 0)}% of a core.${sp.pages.failed ? ` Failures: ${codes(sp.pages.failures)}${sp.pages.samples[0] ? ` (${sp.pages.samples[0]})` : ''}.` : ''}`,
    );
  const mm = r.memory;
  parts.push(
    `#### Watchers and memory\n\n${int(mm.connected)} of ${int(mm.sockets)} sockets connected in ${f(mm.connectMs / 1000)} s from ${mm.pools} pool process${mm.pools > 1 ? 'es' : ''}${mm.failed ? ` (${mm.failed} failed: ${mm.failureSamples[0]})` : ''}: server RSS ${f(mm.rssBeforeMiB, 0)} → ${f(mm.rssAfterMiB, 0)} MiB, **${f(mm.perThousandMiB)} MiB per 1,000 sockets**${mm.balancerPerThousandMiB !== null ? ` (HAProxy ${f(mm.balancerPerThousandMiB, 2)} MiB per 1,000)` : ''}. With no one connected the platform's own work (scheduler, durable jobs, flushes) took ${f(r.idle.background.serverCpuPct)}% of a core and ${f(r.idle.background.commitsPerSec, 1)} commits/s; idle for ${r.idle.seconds} s with every socket open and no bids, ${f(r.idle.serverCpuPct)}% and ${f(r.idle.commitsPerSec, 1)} commits/s: the sockets' own cost (pings) is **${f(r.idle.serverCpuMsPerThousandSocketsPerSec, 2)} ms of server CPU per 1,000 sockets per second**.`,
  );
  const rows = LOT_CLASSES.map((c) => {
    const x = s.byClass[c];
    return `| ${c} | ${x.lots} | ${x.watchers} | ${f(x.bidsPerLot)} | ${int(x.sent)} | ${int(x.accepted)} | ${codes(x.rejected)}${x.shed ? `, ${x.shed} shed` : ''}${x.errors ? `, ${x.errors} errors` : ''} | ${lat(x.ack)} | ${lat(x.watcher)} | ${int(x.deliveries)} |`;
  });
  const c = s.cpu;
  parts.push(
    `#### Bidding (${s.windowS} s window)\n\n| class | lots | watchers | bids/lot | sent | accepted | refused | ack p50 / p99 / max ms | watcher p50 / p99 / max ms | deliveries |\n|---|---|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n\nLatencies count from each bid's planned send time (open loop); a watcher's, to the entry's arrival at each socket. ${int(s.answered)} bids answered (${int(s.accepted)} accepted; a bid crossed by a higher one is refused as too low), ${int(s.deliveries)} entries delivered to watchers in ${int(s.frames)} frames${s.drained ? '' : ' (watchers NOT drained)'}.\n\n| cost | figure |\n|---|---|\n| server CPU per answered bid | ${f(c.serverMsPerBid, 2)} ms (${f(c.serverNetMsPerBid, 2)} above idle) |\n| server CPU per delivered entry | ${f(c.serverUsPerMessage, 1)} µs (${f(c.serverNetUsPerMessage, 1)} above idle) |\n| server CPU | ${f(c.serverPct, 0)}% of a core${c.serverPctEach.length > 1 ? ` (${c.serverPctEach.map((x) => f(x, 0)).join(' + ')})` : ''} |\n| PostgreSQL CPU per bid | ${f(c.postgresMsPerBid, 2)} ms |\n${c.balancerMsPerBid !== null ? `| HAProxy CPU per bid | ${f(c.balancerMsPerBid, 2)} ms |\n` : ''}${c.redisMsPerBid !== null ? `| Redis CPU per bid (whole instance) | ${f(c.redisMsPerBid, 2)} ms |\n` : ''}| database commits (every transaction, read-only ones too) | ${f(s.db.commitsPerSec, 1)}/s, ${f(s.db.commitsPerBid, 2)} per bid (${f(s.db.commitsPerBidNet, 2)} above idle) |\n| WAL syncs | ${f(s.db.walSyncsPerSec, 1)}/s, ${f(s.db.walSyncsPerBid, 2)} per bid (server-wide) |\n| WAL per bid (server-wide: other databases' writes too) | ${f(s.db.walBytesPerBid / 1024, 1)} KiB |\n| rows written per bid | ${rowList(s.db.rowsPerBid)} |\n| event loop p50 / p99 / max | ${s.loop.map((l) => `${f(l.p50, 0)} / ${f(l.p99, 0)} / ${f(l.max, 0)}`).join('; ')} ms |\n| machine busy | ${f(c.machineBusyPct, 0)}% (bidders ${f(c.biddersPct, 0)}%, watcher pools ${f(c.watchersPct, 0)}% of a core; **other work on the machine ${f(c.othersPct, 0)}% of a core**) |\n\nCPU per bid and per delivered entry are the same server CPU divided two ways (the window's bids carry their fan-out); "above idle" subtracts what the processes spent with every socket open and no bids, over as long.`,
  );
  const k = r.correctness;
  parts.push(
    `**Correctness**: ${k.ok ? 'all checks passed' : `FAILED: ${k.problems.join('; ')}`} (${k.ledger.lotsIntact} of ${k.ledger.lots} ledgers gap-free and hash-chained with the final price the highest bid, ${int(k.ledger.acknowledged)} acknowledged bids all in them${k.ledger.acknowledgedMissing ? ` except ${k.ledger.acknowledgedMissing}` : ''}; ${int(k.watchers.complete)} of ${int(k.watchers.sockets)} watchers reached their lot's final seq, ${k.watchers.gaps} seqs missed, ${k.watchers.outOfOrder} out of order, ${k.watchers.disconnects} disconnects).`,
  );
  return parts.join('\n\n') + '\n';
}

export function writeDayReport(r: DayReport, outDir: string): { json: string; markdown: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = r.date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  const name = `day-${stamp}-${r.processes}proc${r.smoke ? '-smoke' : ''}`;
  const json = path.join(outDir, `${name}.json`);
  const markdown = path.join(outDir, `${name}.md`);
  fs.writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  fs.writeFileSync(markdown, `# An auction day, ${r.date}\n\n${renderDayMarkdown(r)}`);
  return { json, markdown };
}

/** The latest full (not smoke) day run on this many processes in outDir. */
export function latestDayRun(outDir: string, processes: number): { report: DayReport; file: string } | undefined {
  let files: string[];
  try {
    files = fs.readdirSync(outDir).filter((n) => n.startsWith('day-') && n.endsWith(`-${processes}proc.json`));
  } catch {
    return undefined;
  }
  const last = files.sort().pop();
  if (!last) return undefined;
  const file = path.join(outDir, last);
  return { report: JSON.parse(fs.readFileSync(file, 'utf8')) as DayReport, file };
}

/** One table setting runs side by side (1 process, 2 processes). */
export function renderSideBySide(runs: DayReport[]): string {
  const col = (fn: (r: DayReport) => string): string => runs.map(fn).join(' | ');
  const row = (label: string, fn: (r: DayReport) => string): string => `| ${label} | ${col(fn)} |`;
  const cls = (c: LotClass, fn: (x: ClassFigures) => string) => (r: DayReport) => fn(r.steady.byClass[c]);
  return [
    `| | ${col((r) => topology(r))} |`,
    `|---|${runs.map(() => '---|').join('')}`,
    row(
      'sign-ins/s (p50 / p99 ms)',
      (r) =>
        `${f(r.rush.signIns.perSec)} (${f(r.rush.signIns.latency?.p50, 0)} / ${f(r.rush.signIns.latency?.p99, 0)})`,
    ),
    row(
      'lot pages/s (p50 / p99 ms)',
      (r) => `${f(r.rush.pages.perSec)} (${f(r.rush.pages.latency?.p50, 0)} / ${f(r.rush.pages.latency?.p99, 0)})`,
    ),
    row('rush failures (sign-in / page)', (r) => `${r.rush.signIns.failed} / ${r.rush.pages.failed}`),
    row('rush: people in a minute (scale)', (r) => `${int(r.rush.people)} (${f(r.rush.scale, 2)})`),
    row(
      'server CPU per person (sign-in + page; above idle)',
      (r) => `${f(r.rush.serverCpuMsPerPerson)} ms (${f(r.rush.serverCpuMsPerPersonNet)})`,
    ),
    row('spectator pages: server CPU per page (p99 ms)', (r) =>
      r.spectators ? `${f(r.spectators.serverCpuMsPerPage)} ms (${f(r.spectators.pages.latency?.p99, 0)})` : '–',
    ),
    ...LOT_CLASSES.map((c) =>
      row(
        `bid ack p99, ${c}`,
        cls(c, (x) => `${f(x.ack?.p99, 0)} ms`),
      ),
    ),
    ...LOT_CLASSES.map((c) =>
      row(
        `watcher p99, ${c}`,
        cls(c, (x) => `${f(x.watcher?.p99, 0)} ms`),
      ),
    ),
    row(
      'server CPU per bid (above idle)',
      (r) => `${f(r.steady.cpu.serverMsPerBid, 2)} ms (${f(r.steady.cpu.serverNetMsPerBid, 2)})`,
    ),
    row(
      'server CPU per delivered entry (above idle)',
      (r) => `${f(r.steady.cpu.serverUsPerMessage, 1)} µs (${f(r.steady.cpu.serverNetUsPerMessage, 1)})`,
    ),
    row('server CPU, idle sockets', (r) => `${f(r.idle.serverCpuMsPerThousandSocketsPerSec, 2)} ms per 1,000 per s`),
    row('memory per 1,000 sockets', (r) => `${f(r.memory.perThousandMiB)} MiB`),
    row(
      'commits per s (per bid; above idle)',
      (r) =>
        `${f(r.steady.db.commitsPerSec, 1)} (${f(r.steady.db.commitsPerBid, 2)}; ${f(r.steady.db.commitsPerBidNet, 2)})`,
    ),
    row(
      'WAL syncs per s (per bid)',
      (r) => `${f(r.steady.db.walSyncsPerSec, 1)} (${f(r.steady.db.walSyncsPerBid, 2)})`,
    ),
    row('event loop p99, bidding', (r) => r.steady.loop.map((l) => `${f(l.p99, 0)} ms`).join(' / ')),
    row('event loop p99, rush', (r) => r.rush.loop.map((l) => `${f(l.p99, 0)} ms`).join(' / ')),
    row(
      'other work on the machine, rush / bidding',
      (r) => `${f(r.rush.othersPct, 0)}% / ${f(r.steady.cpu.othersPct, 0)}% of a core`,
    ),
    row('correctness', (r) => (r.correctness.ok ? 'all checks passed' : 'FAILED')),
  ].join('\n');
}

export const DAY_START = '<!-- bench-day:start (written by npm run bench -- --scenario day) -->';
export const DAY_END = '<!-- bench-day:end -->';

/**
 * Rewrites the README's day section between its markers: the latest full runs on one and on two
 * processes side by side, then each run's own figures. The markers must exist (they sit in the
 * Benchmark section, after a paragraph saying what the scenario does).
 */
export function updateDayReadme(readmePath: string, outDir: string): void {
  const text = fs.readFileSync(readmePath, 'utf8');
  const i = text.indexOf(DAY_START);
  const j = text.indexOf(DAY_END);
  if (i < 0 || j < i) throw new Error(`${readmePath} has no ${DAY_START} … ${DAY_END} markers`);
  const runs = [latestDayRun(outDir, 1), latestDayRun(outDir, 2)].filter((x) => x !== undefined);
  const rel = (file: string): string => path.relative(path.dirname(readmePath), file);
  const body = [
    DAY_START,
    '',
    `Latest full runs (${runs.map((x) => `\`${rel(x.file).replace(/\.json$/, '.md')}\``).join(', ')}):`,
    '',
    renderSideBySide(runs.map((x) => x.report)),
    '',
    ...runs.flatMap((x) => [
      `##### ${topology(x.report)}`,
      '',
      renderDayMarkdown(x.report).replace(/^#### /gm, '###### '),
    ]),
    DAY_END,
  ].join('\n');
  fs.writeFileSync(readmePath, text.slice(0, i) + body + text.slice(j + DAY_END.length));
}
