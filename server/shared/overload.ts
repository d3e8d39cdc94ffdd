// Admission control for an overloaded process. When the CPU cannot keep up, work waits in socket
// buffers and in the event loop before any handler sees it, so a per-request deadline alone cannot
// keep answers quick: the process must do less. The event loop's delay (how late a 20 ms timer
// fires) is the signal: when requests pile up unread, each turn of the loop handles a long batch of
// them and the delay grows with it (measured at 4× the sustainable rate: 70–135 ms at p99, against
// 20–45 ms at any rate the process keeps up with). While it is above the target, a growing share of
// new bids is refused at the door with 503 before any token is verified or any query run (a refusal
// costs a few µs; a bid costs far more); when the delay falls back, the share shrinks again. Bids
// already admitted are never affected, and watchers' fan-out degrades separately by coalescing more
// (realtime/busy-factor.ts). The event loop's utilization was tried as a second signal and dropped:
// on a machine whose cores are shared it reads 1 while the process waits to be scheduled, and it
// refused bids at a tenth of the sustainable rate.
import { performance } from 'node:perf_hooks';

export interface LoadShedderOptions {
  /** Event-loop delay (ms) above which the process sheds. */
  targetLagMs: number;
  /** How often the delay is sampled. */
  intervalMs?: number;
  /** Random source (tests). */
  random?: () => number;
  /** Readings come only from observe() (tests). */
  manual?: boolean;
}

export class LoadShedder {
  private readonly target: number;
  private readonly interval: number;
  private readonly random: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private expected: number;
  private lag = 0;
  private share = 0;

  constructor(options: LoadShedderOptions) {
    this.target = options.targetLagMs;
    this.interval = options.intervalMs ?? 20;
    this.random = options.random ?? Math.random;
    this.expected = performance.now() + this.interval;
    if (options.manual) return;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.observe(Math.max(0, now - this.expected));
      this.expected = now + this.interval;
    }, this.interval);
    this.timer.unref();
  }

  /** Feeds one reading of the event-loop delay (the timer does; tests may). */
  observe(lagMs: number): void {
    // Smoothed, but quick to rise: one long stall is enough to start shedding.
    this.lag = lagMs > this.lag ? lagMs : this.lag * 0.7 + lagMs * 0.3;
    if (this.lag > this.target) this.share = Math.min(0.95, this.share + 0.1);
    else if (this.lag < this.target / 2) this.share = Math.max(0, this.share - 0.05);
  }

  /** True when this new bid should be refused to keep the process answering within its bounds. */
  shouldShed(): boolean {
    return this.share > 0 && this.random() < this.share;
  }

  /** The current smoothed delay and share of bids refused, for health and metrics. */
  state(): { lagMs: number; shedShare: number } {
    return { lagMs: Math.round(this.lag), shedShare: Math.round(this.share * 100) / 100 };
  }

  close(): void {
    clearInterval(this.timer);
  }
}
