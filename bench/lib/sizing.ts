// The sizing model (issue 21, part 4): how many platform processes, cores, how much memory, Redis
// and PostgreSQL a day of 150 lots per shift needs for a given number of watchers, derived from the
// costs the day scenario and the hot-lot storm measured on this machine. Pure arithmetic on the
// measured figures; bench/sizing.ts reads the latest results and writes the README's section.
//
// What is measured and what is extrapolated is kept apart: `inputs` holds the measured figures,
// each with the run it came from; `estimate` only multiplies them by the workload, under the
// assumptions `assumptions` lists.
import type { DayReport } from './day-report.ts';
import type { BenchReport } from './report.ts';

/** The costs the model is built from, each as measured (per unit, on this machine's cores). */
export interface MeasuredCosts {
  /** Server CPU per accepted bid, ms (two processes behind HAProxy: the Redis hop included). */
  cpuMsPerBid: number;
  /** Server CPU per entry delivered to one socket, µs. */
  cpuUsPerDelivery: number;
  /** Server CPU per 1,000 connected, idle sockets per second, ms. */
  cpuMsPerThousandSocketsPerSec: number;
  /** Server CPU per arriving person (sign-in through OpenID Connect + one server-rendered lot page), ms. */
  cpuMsPerPerson: number;
  /** Server CPU per lot page loaded without a sign-in (a spectator), ms; null when not measured. */
  cpuMsPerPage: number | null;
  /** Server memory per 1,000 sockets, MiB. */
  mibPerThousandSockets: number;
  /** A process's memory before any socket (its code, caches and pools), MiB. */
  mibPerProcess: number;
  /** Database transactions per accepted bid (read-only ones included). */
  commitsPerBid: number;
  /** WAL flushes per accepted bid. */
  walSyncsPerBid: number;
  /** Database transactions per arriving person (sign-in + page). */
  commitsPerPerson: number;
  /** Database transactions per spectator's page; null when not measured. */
  commitsPerPage: number | null;
  /** The platform's own transactions per second per process with no traffic (scheduler, jobs). */
  backgroundCommitsPerSec: number;
  /** PostgreSQL's one-row-one-transaction rate (pgbench, the platform's pool size of connections). */
  pgbenchTps: number;
  /** The highest rate one hot lot takes with every bid answered within 1 s (the storm's capacity search). */
  hotLotBidsPerSec: number | null;
}

/** A day's workload: the day scenario's shape at the real pace (no compression), and the watchers. */
export interface Workload {
  lots: number;
  hot: number;
  warm: number;
  /** Bids per second on one lot of each class, at the real pace. */
  bidsPerSec: { hot: number; warm: number; quiet: number };
  /** Relative watchers per lot of each class. */
  watcherWeights: { hot: number; warm: number; quiet: number };
  /** People registered to bid in the shift (each signs in). */
  registrants: number;
  /** Seconds in which everyone arrives at the opening. */
  rushSeconds: number;
}

/** What a deployment keeps in hand: a process's event loop is planned at this share of a core. */
export const PLANNED_CORE_SHARE = 0.5;
/** Sockets per process: below the 20,000 open files a process may hold, with room for its own. */
export const SOCKETS_PER_PROCESS = 15_000;
/** PostgreSQL planned at this share of its measured one-row rate. */
export const PLANNED_DB_SHARE = 0.5;

export interface Estimate {
  watchers: number;
  /** Accepted bids per second at the shift's peak (every hot lot bursting at once). */
  bidsPerSec: number;
  /** Entries delivered to sockets per second at the peak. */
  deliveriesPerSec: number;
  cores: { bids: number; deliveries: number; sockets: number; steady: number; rush: number };
  /** Processes: for the steady peak, for the rush, and as many as the sockets need. */
  processes: { steady: number; rush: number; bySockets: number; needed: number };
  memoryGiB: number;
  redis: { publishesPerSec: number; messagesOutPerSec: number };
  db: {
    steadyCommitsPerSec: number;
    rushCommitsPerSec: number;
    walSyncsPerSec: number;
    /** Commits per second at the rush as a share of PostgreSQL's measured one-row rate. */
    rushShareOfPgbench: number;
    /** Whether one primary carries the rush's transactions at the planned share. */
    onePrimaryEnough: boolean;
  };
}

/** The day scenario's shape at the real pace: a hot lot's burst, a warm lot's mean rate, a quiet lot's handful over the shift. */
export function workloadOf(day: DayReport): Workload {
  const s = day.shape;
  return {
    lots: s.lots,
    hot: s.hot,
    warm: s.warm,
    bidsPerSec: {
      hot: s.hotBids / s.hotSeconds,
      warm: 1 / s.warmIntervalS,
      quiet: s.quietBids / (s.shiftMinutes * 60),
    },
    watcherWeights: s.watcherWeights,
    registrants: Math.round((s.lots * s.biddersPerLot) / s.lotsPerPerson),
    rushSeconds: s.rushSeconds,
  };
}

/** The measured costs, from a day run (the multi-process one for the per-unit costs) and a hot-lot storm. */
export function costsOf(day: DayReport, storm: BenchReport | undefined): MeasuredCosts {
  const processes = Math.max(1, day.processes);
  return {
    cpuMsPerBid: day.steady.cpu.serverMsPerBid,
    cpuUsPerDelivery: day.steady.cpu.serverUsPerMessage,
    cpuMsPerThousandSocketsPerSec: day.idle.serverCpuMsPerThousandSocketsPerSec,
    cpuMsPerPerson: day.rush.serverCpuMsPerPerson,
    cpuMsPerPage: day.spectators?.serverCpuMsPerPage ?? null,
    mibPerThousandSockets: day.memory.perThousandMiB,
    mibPerProcess: day.memory.rssBeforeMiB / processes,
    commitsPerBid: day.steady.db.commitsPerBidNet,
    walSyncsPerBid: day.steady.db.walSyncsPerBid,
    commitsPerPerson: day.rush.commitsPerSignInNet,
    commitsPerPage: day.spectators?.commitsPerPageNet ?? null,
    backgroundCommitsPerSec: day.idle.background.commitsPerSec / processes,
    pgbenchTps: storm?.pgbench?.tps ?? 0,
    hotLotBidsPerSec: storm?.capacity?.rate ?? null,
  };
}

const ceilDiv = (n: number, d: number): number => Math.max(1, Math.ceil(n / d));

/**
 * The resources a shift needs with `watchers` sockets, every cost scaled linearly from its measured
 * figure (the assumption that makes every output an extrapolation, see `assumptions`).
 */
export function estimate(c: MeasuredCosts, w: Workload, watchers: number): Estimate {
  const quiet = w.lots - w.hot - w.warm;
  const weightSum = w.hot * w.watcherWeights.hot + w.warm * w.watcherWeights.warm + quiet * w.watcherWeights.quiet;
  const perLot = (weight: number): number => (watchers * weight) / weightSum;
  const bidsPerSec = w.hot * w.bidsPerSec.hot + w.warm * w.bidsPerSec.warm + quiet * w.bidsPerSec.quiet;
  const deliveriesPerSec =
    w.hot * w.bidsPerSec.hot * perLot(w.watcherWeights.hot) +
    w.warm * w.bidsPerSec.warm * perLot(w.watcherWeights.warm) +
    quiet * w.bidsPerSec.quiet * perLot(w.watcherWeights.quiet);

  const bids = (bidsPerSec * c.cpuMsPerBid) / 1000;
  const deliveries = (deliveriesPerSec * c.cpuUsPerDelivery) / 1e6;
  const sockets = ((watchers / 1000) * c.cpuMsPerThousandSocketsPerSec) / 1000;
  const steady = bids + deliveries + sockets;
  // The opening minute: every registrant signs in and loads the page, every watcher loads it too
  // without signing in (costed as a sign-in and a page where a spectator's page was not measured).
  const signInsPerSec = w.registrants / w.rushSeconds;
  const pagesPerSec = watchers / w.rushSeconds;
  const rush = sockets + (signInsPerSec * c.cpuMsPerPerson + pagesPerSec * (c.cpuMsPerPage ?? c.cpuMsPerPerson)) / 1000;

  const bySockets = ceilDiv(watchers, SOCKETS_PER_PROCESS);
  const processes = {
    steady: ceilDiv(steady, PLANNED_CORE_SHARE),
    rush: ceilDiv(rush, PLANNED_CORE_SHARE),
    bySockets,
    needed: 0,
  };
  processes.needed = Math.max(processes.steady, processes.rush, bySockets);

  const memoryGiB = (processes.needed * c.mibPerProcess + (watchers / 1000) * c.mibPerThousandSockets) / 1024;
  const background = processes.needed * c.backgroundCommitsPerSec;
  const steadyCommitsPerSec = bidsPerSec * c.commitsPerBid + background;
  const rushCommitsPerSec =
    signInsPerSec * c.commitsPerPerson + pagesPerSec * (c.commitsPerPage ?? c.commitsPerPerson) + background;
  const rushShareOfPgbench = c.pgbenchTps > 0 ? rushCommitsPerSec / c.pgbenchTps : Number.POSITIVE_INFINITY;
  return {
    watchers,
    bidsPerSec,
    deliveriesPerSec,
    cores: { bids, deliveries, sockets, steady, rush },
    processes,
    memoryGiB,
    // The Redis adapter publishes each entry once per lot room; every process receives every publish.
    redis: { publishesPerSec: bidsPerSec, messagesOutPerSec: bidsPerSec * processes.needed },
    db: {
      steadyCommitsPerSec,
      rushCommitsPerSec,
      walSyncsPerSec: bidsPerSec * c.walSyncsPerBid,
      rushShareOfPgbench,
      onePrimaryEnough: rushShareOfPgbench <= PLANNED_DB_SHARE,
    },
  };
}

/** The bid rate one primary carries at the planned share, from the commits a bid costs. */
export function bidsPerSecOnOnePrimary(c: MeasuredCosts): number {
  return c.commitsPerBid > 0 ? (c.pgbenchTps * PLANNED_DB_SHARE) / c.commitsPerBid : 0;
}

/** Sign-ins (with their page) per second one primary carries at the planned share. */
export function signInsPerSecOnOnePrimary(c: MeasuredCosts): number {
  return c.commitsPerPerson > 0 ? (c.pgbenchTps * PLANNED_DB_SHARE) / c.commitsPerPerson : 0;
}

export const assumptions = [
  `every cost grows linearly with its unit (CPU per bid, per delivered entry, per idle socket, per arriving person; memory per socket): measured at 9,000 sockets and ~12 bids/s, extrapolated beyond`,
  `the shift's peak has every hot lot bursting at once; warm and quiet lots at their mean rates`,
  `everyone arrives in the opening minute (the moment the first online session collapsed): each registrant signs in and loads a lot page, each watcher loads a lot page without signing in (the spectators' measured cost; where a run did not measure it, a sign-in's and a page's, an upper bound)`,
  `a process's event loop is planned at ${PLANNED_CORE_SHARE * 100}% of a core (the measured p99s held at 46% on one process), and at most ${SOCKETS_PER_PROCESS.toLocaleString('en')} sockets (below the 20,000 open files a process may hold)`,
  `one PostgreSQL primary is planned at ${PLANNED_DB_SHARE * 100}% of pgbench's one-row-one-transaction rate on the same machine (a bid's and a sign-in's transactions are small and short, like pgbench's, but read-only ones are counted too, which is pessimistic)`,
];
