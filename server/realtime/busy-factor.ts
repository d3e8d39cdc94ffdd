// How much to stretch the coalescing tick when this process is overloaded. Broadcasts to big rooms
// cost one socket write per watcher per tick; when the event loop has no time left, bids (which must
// be answered) and broadcasts (which may be coalesced further without losing anything: watchers get
// every entry, in larger messages) compete for it. Sampled every interval from the event-loop
// utilization: above `high` the factor doubles (up to `max`), below `low` it halves (down to 1).
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface BusyFactorOptions {
  intervalMs: number;
  high: number;
  low: number;
  max: number;
}

export const BUSY_FACTOR_DEFAULTS: BusyFactorOptions = { intervalMs: 500, high: 0.9, low: 0.7, max: 8 };

export class BusyFactor {
  private factor = 1;
  private last: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly options: BusyFactorOptions;
  private readonly timer: NodeJS.Timeout;

  constructor(options: Partial<BusyFactorOptions> = {}) {
    this.options = { ...BUSY_FACTOR_DEFAULTS, ...options };
    this.timer = setInterval(() => this.sample(), this.options.intervalMs);
    this.timer.unref();
  }

  /** The current multiplier of the coalescing tick (1 when the process is not overloaded). */
  value(): number {
    return this.factor;
  }

  /** Takes one reading of the utilization since the last one (the timer calls this; tests may too). */
  sample(utilization?: number): void {
    const now = performance.eventLoopUtilization();
    const elu = utilization ?? performance.eventLoopUtilization(now, this.last).utilization;
    this.last = now;
    const { high, low, max } = this.options;
    if (elu > high) this.factor = Math.min(max, this.factor * 2);
    else if (elu < low) this.factor = Math.max(1, this.factor / 2);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
