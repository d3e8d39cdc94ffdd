// Admission control for an overloaded process. When the CPU cannot keep up, requests wait in socket
// buffers before any handler sees them, so a per-request deadline alone cannot keep answers quick:
// the process must do less. Two signals say it cannot keep up:
// - the event loop never idles (its utilization over the last 100 ms is at or above `busyElu`): a
//   loop that waited for I/O even once had read every request that had arrived by then; one that
//   never waits leaves a backlog in the kernel that no handler can see or time. Once read, requests
//   are handled quickly, so few bids are in progress even then: the wait is all before the door.
//   (Not with an embedded database, whose own work runs on the event loop: `busyElu: null`.)
// - the event loop is late (a 20 ms timer fires more than `targetLagMs` late): one long stall.
// While either holds, a growing share of new bids is refused at the door with 503, before any token
// is verified or any query run (a refusal costs a few µs; a bid costs far more), so the process
// catches up with what arrives; once both clear, the share shrinks again. Bids already admitted are
// never affected, and watchers' fan-out degrades separately by coalescing more (realtime/busy-factor.ts).
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface LoadShedderOptions {
  /** Event-loop delay (ms) above which the process sheds. */
  targetLagMs: number;
  /** Event-loop utilization (0–1, over `eluWindowMs`) at or above which the process sheds; null: never on utilization. */
  busyElu?: number | null;
  /** Utilization below which the share may shrink again. */
  calmElu?: number;
  /** How often the delay is sampled. */
  intervalMs?: number;
  /** The window of each utilization reading. */
  eluWindowMs?: number;
  /** Random source (tests). */
  random?: () => number;
  /** Readings come only from observe() and observeUtilization() (tests). */
  manual?: boolean;
}

/** The most of the new bids ever refused: some always get through, so the lot keeps moving. */
const MAX_SHARE = 0.95;
const RISE = 0.1;
const FALL = 0.05;

export class LoadShedder {
  private readonly target: number;
  private readonly busyElu: number | null;
  private readonly calmElu: number;
  private readonly interval: number;
  private readonly eluWindow: number;
  private readonly random: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private expected: number;
  private lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  private lastEluAt = performance.now();
  private lag = 0;
  private elu = 0;
  private share = 0;

  constructor(options: LoadShedderOptions) {
    this.target = options.targetLagMs;
    this.busyElu = options.busyElu === undefined ? 0.98 : options.busyElu;
    this.calmElu = options.calmElu ?? 0.9;
    this.interval = options.intervalMs ?? 20;
    this.eluWindow = options.eluWindowMs ?? 100;
    this.random = options.random ?? Math.random;
    this.expected = performance.now() + this.interval;
    if (options.manual) return;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.observe(Math.max(0, now - this.expected));
      this.expected = now + this.interval;
      if (now - this.lastEluAt >= this.eluWindow) {
        const reading = performance.eventLoopUtilization();
        this.observeUtilization(performance.eventLoopUtilization(reading, this.lastElu).utilization);
        this.lastElu = reading;
        this.lastEluAt = now;
      }
    }, this.interval);
    this.timer.unref();
  }

  /** Feeds one reading of the event-loop delay (the timer does; tests may). */
  observe(lagMs: number): void {
    // Smoothed, but quick to rise: one long stall is enough to start shedding.
    this.lag = lagMs > this.lag ? lagMs : this.lag * 0.7 + lagMs * 0.3;
    if (this.lag > this.target) this.rise();
    else if (this.lag < this.target / 2 && !this.busy()) this.fall();
  }

  /** Feeds one reading of the event-loop utilization over the last window (the timer does; tests may). */
  observeUtilization(utilization: number): void {
    this.elu = utilization;
    if (this.busyElu === null) return;
    if (utilization >= this.busyElu) this.rise();
    else if (utilization < this.calmElu && this.lag < this.target / 2) this.fall();
  }

  /** True when this new bid should be refused to keep the process answering within its bounds. */
  shouldShed(): boolean {
    return this.share > 0 && this.random() < this.share;
  }

  /** The current smoothed delay, utilization and share of bids refused, for health and metrics. */
  state(): { lagMs: number; utilization: number; shedShare: number } {
    return { lagMs: Math.round(this.lag), utilization: Math.round(this.elu * 100) / 100, shedShare: Math.round(this.share * 100) / 100 };
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** The loop has not idled enough lately to let the share fall (never, when utilization is not a signal). */
  private busy(): boolean {
    return this.busyElu !== null && this.elu >= this.calmElu;
  }

  private rise(): void {
    this.share = Math.min(MAX_SHARE, this.share + RISE);
  }

  private fall(): void {
    this.share = Math.max(0, this.share - FALL);
  }
}
