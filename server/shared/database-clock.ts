// The official time when several processes share one database: the database's clock. Every process
// judges "before the end" of bidding, stamps bids and closes lots by it, so hosts whose clocks
// disagree still agree on the end (DESIGN.md §2: the server clock is the official time).
//
// Each process measures the database's clock_timestamp() at start, a second later, and then every
// CLOCK_SYNC_INTERVAL_MS: a few round trips, keeping the one with the shortest round trip and taking
// the database's reading to be at its midpoint (so the error is at most half that round trip, well
// under a millisecond next to the database). Between measurements the time runs on from the last one
// on the process's monotonic clock, so a step of the host's wall clock (NTP, an operator) changes
// nothing. A new measurement replaces the last only when it is the more certain of the two (half its
// round trip against the last one's, grown by how far two clocks may drift apart since), so a slow
// round trip on a busy pool or event loop never displaces a good reading. now() never waits and never
// queries: it is arithmetic on the last reading, so the bid path pays nothing. A measurement that
// fails or times out keeps the last reading (logged once until one succeeds again); until the first
// succeeds, the host's own clock stands in.
import { sql } from 'drizzle-orm';
import { resultRows, type Db } from '../../db/client.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './log.ts';
import { withDeadline } from './unavailable.ts';

/** How often each process measures its offset to the database's clock again. */
export const CLOCK_SYNC_INTERVAL_MS = 15_000;
/** A host clock this far from the database's is logged as a warning (the platform keeps the database's time). */
export const CLOCK_OFFSET_WARN_MS = 1_000;
/** The second measurement comes this soon after the first (a process's first moments are busy: its first round trips are slow). */
const FIRST_FOLLOW_UP_MS = 1_000;
/** How fast two hosts' clocks may drift apart (100 ppm: well beyond an ordinary, let alone synchronised, clock). */
const MAX_DRIFT = 100e-6;

export interface ClockReading {
  /** The database's clock minus this host's wall clock, in ms. */
  offsetMs: number;
  /** The round trip of the sample kept; the reading is within half of it. */
  roundTripMs: number;
  /** When it was measured, by the database's clock. */
  measuredAt: Date;
}

/** The host's clocks: the wall clock (ms since the epoch) and a monotonic one (ms, any origin). */
export interface HostClocks {
  wallMs(): number;
  monotonicMs(): number;
}

const HOST: HostClocks = { wallMs: () => Date.now(), monotonicMs: () => performance.now() };

export interface DatabaseClockOptions {
  /** Reads the database's clock, in ms since the epoch. */
  readDatabaseMs: () => Promise<number>;
  log: Logger;
  /** Round trips per measurement; the shortest is kept (default 3). */
  samples?: number;
  /** Bound of one round trip (default 1 s). */
  timeoutMs?: number;
  intervalMs?: number;
  /** The host's clocks (tests); default Date.now and performance.now. */
  host?: HostClocks;
}

/** `clock_timestamp()` of the database behind `db`, in ms since the epoch (the time it is read, not the transaction's start). */
export function databaseTimeReader(db: Db): () => Promise<number> {
  return async () => {
    const [row] = resultRows<{ ms: number | string }>(
      await db.execute(sql`select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms`),
    );
    return Number(row.ms);
  };
}

export class DatabaseClock implements Clock {
  private readonly options: Required<DatabaseClockOptions>;
  /** The database's time (ms) at the monotonic instant `monotonic`, from the last accepted measurement, within `roundTripMs / 2`. */
  private anchor: { databaseMs: number; monotonic: number; roundTripMs: number } | undefined;
  private last: ClockReading | undefined;
  private measuring: Promise<ClockReading | undefined> | undefined;
  private failing = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(options: DatabaseClockOptions) {
    this.options = { samples: 3, timeoutMs: 1_000, intervalMs: CLOCK_SYNC_INTERVAL_MS, host: HOST, ...options };
  }

  now(): Date {
    const a = this.anchor;
    return new Date(a ? a.databaseMs + (this.options.host.monotonicMs() - a.monotonic) : this.options.host.wallMs());
  }

  /** The last accepted measurement; undefined until one succeeded. */
  get reading(): ClockReading | undefined {
    return this.last;
  }

  /** Measures once now, then every `intervalMs` until stopped. Resolves after the first measurement (bounded). */
  async start(): Promise<void> {
    const first = await this.measure();
    if (first)
      this.options.log.info(
        { offsetMs: round(first.offsetMs), roundTripMs: round(first.roundTripMs) },
        "clock: the platform keeps the database's time (offsetMs: the database's clock minus this host's)",
      );
    this.schedule(Math.min(FIRST_FOLLOW_UP_MS, this.options.intervalMs));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One measurement (one at a time); resolves with the reading accepted, or undefined when it failed or the last reading is more certain. */
  measure(): Promise<ClockReading | undefined> {
    this.measuring ??= this.sampleBest()
      .then(
        (best) => this.accept(best),
        (err: unknown) => {
          if (!this.failing)
            this.options.log.warn(
              { err },
              "clock: measuring the database's clock failed; keeping the last measurement until it succeeds",
            );
          this.failing = true;
          return undefined;
        },
      )
      .finally(() => (this.measuring = undefined));
    return this.measuring;
  }

  private async sampleBest(): Promise<{ databaseMs: number; monotonic: number; wallMs: number; roundTripMs: number }> {
    const { host, readDatabaseMs, timeoutMs } = this.options;
    let best: { databaseMs: number; monotonic: number; wallMs: number; roundTripMs: number } | undefined;
    for (let i = 0; i < this.options.samples; i++) {
      const wall = host.wallMs();
      const sent = host.monotonicMs();
      const databaseMs = await withDeadline(readDatabaseMs(), timeoutMs, "reading the database's clock");
      const roundTripMs = host.monotonicMs() - sent;
      if (!Number.isFinite(databaseMs)) throw new Error(`the database's clock read as ${databaseMs}`);
      if (!best || roundTripMs < best.roundTripMs)
        best = { databaseMs, monotonic: sent + roundTripMs / 2, wallMs: wall + roundTripMs / 2, roundTripMs };
    }
    return best!;
  }

  private accept(s: {
    databaseMs: number;
    monotonic: number;
    wallMs: number;
    roundTripMs: number;
  }): ClockReading | undefined {
    const { log } = this.options;
    if (this.failing) log.info("clock: measuring the database's clock works again");
    this.failing = false;
    const a = this.anchor;
    if (a && s.roundTripMs / 2 > a.roundTripMs / 2 + (s.monotonic - a.monotonic) * MAX_DRIFT) return undefined;
    const reading: ClockReading = {
      offsetMs: s.databaseMs - s.wallMs,
      roundTripMs: s.roundTripMs,
      measuredAt: new Date(s.databaseMs),
    };
    const wasOff = this.last !== undefined && Math.abs(this.last.offsetMs) >= CLOCK_OFFSET_WARN_MS;
    if (Math.abs(reading.offsetMs) >= CLOCK_OFFSET_WARN_MS && !wasOff) {
      log.warn(
        { offsetMs: round(reading.offsetMs) },
        `clock: this host's clock is ${Math.round(Math.abs(reading.offsetMs))} ms ${reading.offsetMs > 0 ? 'behind' : 'ahead of'} the database's; the platform keeps the database's time (check time synchronisation on this host)`,
      );
    }
    this.anchor = { databaseMs: s.databaseMs, monotonic: s.monotonic, roundTripMs: s.roundTripMs };
    this.last = reading;
    return reading;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.measure().finally(() => this.schedule(this.options.intervalMs)), ms);
    this.timer.unref();
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
