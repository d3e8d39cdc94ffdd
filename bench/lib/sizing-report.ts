// The sizing model as markdown (README "Sizing"): the measured costs with their runs, then what they
// extrapolate to for 10,000, 100,000 and 1,000,000 watchers (bench/lib/sizing.ts).
import {
  signInsPerSecOnOnePrimary,
  assumptions,
  bidsPerSecOnOnePrimary,
  estimate,
  PLANNED_DB_SHARE,
  type MeasuredCosts,
  type Workload,
} from './sizing.ts';

export const SIZING_START = '<!-- bench-sizing:start (written by npm run bench -- --scenario sizing) -->';
export const SIZING_END = '<!-- bench-sizing:end -->';

export const WATCHER_COUNTS = [10_000, 100_000, 1_000_000] as const;

export interface SizingInput {
  costs: MeasuredCosts;
  workload: Workload;
  /** The results the costs came from (paths relative to the README). */
  sources: { day: string; dayOne: string | null; storm: string | null };
  /** The same costs on one process, for comparison. */
  oneProcess: MeasuredCosts | null;
}

const n = (v: number, digits = 0): string =>
  v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** A figure with about two significant digits (extrapolations claim no more). */
const about = (v: number): string => {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const digits = Math.max(0, 1 - Math.floor(Math.log10(Math.abs(v))));
  const rounded = Number(v.toPrecision(2));
  return n(rounded, Math.min(digits, 4));
};

export function renderSizing(input: SizingInput): string {
  const { costs: c, workload: w, sources, oneProcess: one } = input;
  const cmp = (two: number, first: number | undefined, unit: string, digits = 1): string =>
    `${n(two, digits)} ${unit}${first !== undefined ? ` (1 process: ${n(first, digits)})` : ''}`;
  const measured = [
    '| measured | value | from |',
    '|---|---|---|',
    `| server CPU per accepted bid | ${cmp(c.cpuMsPerBid, one?.cpuMsPerBid, 'ms', 2)} | day, bidding |`,
    `| server CPU per entry delivered to a socket | ${cmp(c.cpuUsPerDelivery, one?.cpuUsPerDelivery, 'µs')} | day, bidding |`,
    `| server CPU per 1,000 idle sockets | ${cmp(c.cpuMsPerThousandSocketsPerSec, one?.cpuMsPerThousandSocketsPerSec, 'ms/s', 2)} | day, idle stretch |`,
    `| server CPU per arriving person (OIDC sign-in + lot page) | ${cmp(c.cpuMsPerPerson, one?.cpuMsPerPerson, 'ms')} | day, rush |`,
    `| server CPU per lot page without a sign-in (a spectator) | ${c.cpuMsPerPage !== null ? cmp(c.cpuMsPerPage, one?.cpuMsPerPage ?? undefined, 'ms') : 'not measured: a sign-in and a page stand in'} | day, spectators |`,
    `| server memory per 1,000 sockets | ${cmp(c.mibPerThousandSockets, one?.mibPerThousandSockets, 'MiB')} | day, watchers |`,
    `| memory of a process before sockets | ${cmp(c.mibPerProcess, one?.mibPerProcess, 'MiB', 0)} | day, watchers |`,
    `| database transactions per bid (above idle) | ${cmp(c.commitsPerBid, one?.commitsPerBid, '', 2)} | day, bidding |`,
    `| WAL flushes per bid | ${cmp(c.walSyncsPerBid, one?.walSyncsPerBid, '', 2)} | day, bidding |`,
    `| database transactions per arriving person (above idle) | ${cmp(c.commitsPerPerson, one?.commitsPerPerson, '')} | day, rush |`,
    `| database transactions per spectator's page (above idle) | ${c.commitsPerPage !== null ? cmp(c.commitsPerPage, one?.commitsPerPage ?? undefined, '', 2) : 'not measured'} | day, spectators |`,
    `| background transactions per process per second | ${cmp(c.backgroundCommitsPerSec, one?.backgroundCommitsPerSec, '')} | day, idle stretch |`,
    `| PostgreSQL one-row-one-transaction rate (pgbench) | ${c.pgbenchTps ? `${n(c.pgbenchTps)} tx/s` : 'not measured'} | hot-lot storm |`,
    `| one hot lot: highest rate with every bid answered within 1 s | ${c.hotLotBidsPerSec !== null ? `${n(c.hotLotBidsPerSec)} bids/s` : 'not measured'} | hot-lot storm |`,
  ];
  const estimates = WATCHER_COUNTS.map((watchers) => estimate(c, w, watchers));
  const col = (fn: (e: (typeof estimates)[number]) => string): string => estimates.map(fn).join(' | ');
  const row = (label: string, fn: (e: (typeof estimates)[number]) => string): string => `| ${label} | ${col(fn)} |`;
  const model = [
    `| extrapolated | ${col((e) => `${n(e.watchers)} watchers`)} |`,
    `|---|${estimates.map(() => '---|').join('')}`,
    row('bids/s at the peak (every hot lot bursting)', (e) => about(e.bidsPerSec)),
    row('entries delivered to sockets/s at the peak', (e) => about(e.deliveriesPerSec)),
    row(
      'cores: bids + deliveries + idle sockets',
      (e) =>
        `${about(e.cores.bids)} + ${about(e.cores.deliveries)} + ${about(e.cores.sockets)} = **${about(e.cores.steady)}**`,
    ),
    row(
      `cores in the opening minute (${n(w.registrants)} sign-ins + every watcher's page)`,
      (e) => `**${about(e.cores.rush)}**`,
    ),
    row(
      'platform processes: bidding / opening / sockets → needed',
      (e) => `${e.processes.steady} / ${e.processes.rush} / ${e.processes.bySockets} → **${e.processes.needed}**`,
    ),
    row('memory of the processes', (e) => `${about(e.memoryGiB)} GiB`),
    row(
      'Redis: publishes/s in, messages/s out',
      (e) => `${about(e.redis.publishesPerSec)} in, ${about(e.redis.messagesOutPerSec)} out`,
    ),
    row('PostgreSQL transactions/s, bidding', (e) => about(e.db.steadyCommitsPerSec)),
    row('PostgreSQL transactions/s, opening minute', (e) => about(e.db.rushCommitsPerSec)),
    row('… as a share of pgbench’s rate', (e) => `${about(e.db.rushShareOfPgbench * 100)}%`),
    row('WAL flushes/s, bidding', (e) => about(e.db.walSyncsPerSec)),
    row('one PostgreSQL primary enough?', (e) =>
      e.db.onePrimaryEnough
        ? 'yes'
        : `**no** (opening: ${about(e.db.rushShareOfPgbench / PLANNED_DB_SHARE)} primaries' worth)`,
    ),
  ];
  const bidsOnOne = bidsPerSecOnOnePrimary(c);
  const signInsOnOne = signInsPerSecOnOnePrimary(c);
  return [
    `Measured (\`${sources.day}\`${sources.dayOne ? `; 1 process: \`${sources.dayOne}\`` : ''}${sources.storm ? `; \`${sources.storm}\`` : ''}), on this machine's two shared cores:`,
    '',
    ...measured,
    '',
    `The shift at the real pace: ${w.lots} lots, ${w.hot} hot (${about(w.bidsPerSec.hot)} bids/s each in a burst), ${w.warm} warm (${about(w.bidsPerSec.warm)} bids/s), ${w.lots - w.hot - w.warm} quiet (${about(w.bidsPerSec.quiet)} bids/s); ${n(w.registrants)} registrants; watchers spread over the lots ${w.watcherWeights.hot} : ${w.watcherWeights.warm} : ${w.watcherWeights.quiet} (hot : warm : quiet).`,
    '',
    ...model,
    '',
    `One primary at ${PLANNED_DB_SHARE * 100}% of pgbench's rate carries about **${about(bidsOnOne)} bids/s** (at ${n(c.commitsPerBid, 2)} transactions a bid) or **${about(signInsOnOne)} sign-ins/s** (with their page, at ${n(c.commitsPerPerson)} transactions each).`,
    '',
    'Assumptions (each output above rests on them):',
    '',
    ...assumptions.map((a) => `- ${a}`),
    '',
  ].join('\n');
}
