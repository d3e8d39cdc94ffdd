// What this process believes about its database right now, so that during an outage clients get a
// quick 503 instead of each waiting out a connect or statement timeout, and so that the platform
// notices by itself when the database is back.
//
// Any unavailable-class failure on any path is reported here; a report starts a probe (a trivial
// query with a short bound). Only a failed probe marks the database down (a probe that timed out, only
// when the next one times out too), so one slow statement, or a busy event loop, does not turn the
// platform away. While down, the probe repeats every `probeIntervalMs`; the first probe
// that answers marks it up again, so recovery takes at most one interval plus one round trip.
import type { Logger } from './log.ts';
import { DeadlineExceeded, isUnavailable, withDeadline } from './unavailable.ts';

export interface DatabaseHealthOptions {
  /** Runs a trivial query. */
  ping: () => Promise<void>;
  log: Logger;
  /** Bound of one probe. */
  probeTimeoutMs?: number;
  /** Pause between probes while the database is down. */
  probeIntervalMs?: number;
}

export class DatabaseHealth {
  private readonly options: Required<DatabaseHealthOptions>;
  private down = false;
  private downSince = 0;
  private probing: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last probe timed out (not yet counted as an outage). */
  private slowOnce = false;
  private readonly listeners = new Set<(up: boolean) => void>();

  constructor(options: DatabaseHealthOptions) {
    this.options = { probeTimeoutMs: 1_000, probeIntervalMs: 250, ...options };
  }

  /** False while the last probe failed: callers refuse at once with 503 rather than waiting. */
  get up(): boolean {
    return !this.down;
  }

  /** Milliseconds since the database was marked down (0 while up). */
  downForMs(): number {
    return this.down ? Date.now() - this.downSince : 0;
  }

  /** Reports a failure seen on some path; unavailable-class failures start a probe. */
  report(err: unknown): void {
    if (this.closed || !isUnavailable(err)) return;
    void this.probe();
  }

  /** Called with true when the database comes back, false when it is marked down. */
  onChange(listener: (up: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Probes now (one probe at a time); resolves whether the database answered. */
  probe(): Promise<boolean> {
    this.probing ??= withDeadline(this.options.ping(), this.options.probeTimeoutMs, 'database probe')
      .then(
        () => true,
        (err: unknown) => {
          // A refused or broken connection is an outage at once. A probe that merely timed out may be
          // this process's own event loop running late under load: only a second one in a row counts.
          if (err instanceof DeadlineExceeded && !this.down && !this.slowOnce) {
            this.slowOnce = true;
            return undefined;
          }
          return false;
        },
      )
      .then((answered) => {
        this.probing = undefined;
        if (answered === undefined) {
          this.schedule(0);
          return true;
        }
        this.slowOnce = false;
        this.settle(answered);
        return answered;
      });
    return this.probing;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private settle(answered: boolean): void {
    if (this.closed) return;
    if (answered && this.down) {
      this.options.log.warn({ downForMs: this.downForMs() }, 'database is answering again');
      this.down = false;
      this.emit(true);
    } else if (!answered && !this.down) {
      this.options.log.error('database does not answer: refusing work that needs it with 503 until it does');
      this.down = true;
      this.downSince = Date.now();
      this.emit(false);
    }
    if (this.down) this.schedule(this.options.probeIntervalMs);
    else clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.probe(), ms);
    this.timer.unref();
  }

  private emit(up: boolean): void {
    for (const l of this.listeners) {
      try {
        l(up);
      } catch (err) {
        this.options.log.error({ err }, 'database health listener failed');
      }
    }
  }
}
