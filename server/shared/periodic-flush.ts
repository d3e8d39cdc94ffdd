// Writing what a process counted in memory (shed bids, presence, client sightings) to the database
// every few seconds while the database answers, and once more at shutdown. One flush at a time, each
// bounded by the request timeout; a failed flush is reported to the database's health and keeps what
// it had for the next one (the log being flushed only forgets what it wrote).
import type { AppContext } from '../context.ts';
import { withDeadline } from './unavailable.ts';

export interface PeriodicFlush {
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function startPeriodicFlush(
  ctx: AppContext,
  o: {
    /** For the deadline's message ('presence flush'). */
    name: string;
    everyMs: number;
    write: () => Promise<unknown>;
    /** What is still waiting, for the warning. */
    stats: () => Record<string, unknown>;
    /** The warning when a flush fails ('attendance not written yet; kept for the next flush'). */
    failed: string;
  },
): PeriodicFlush {
  let running: Promise<void> | undefined;
  const flush = (): Promise<void> =>
    (running ??= withDeadline(o.write(), ctx.config.limits.requestTimeoutMs, o.name)
      .then(
        () => undefined,
        (err: unknown) => {
          ctx.database.health.report(err);
          ctx.log.warn({ err, ...o.stats() }, o.failed);
        },
      )
      .finally(() => (running = undefined)));
  const timer = setInterval(() => {
    if (ctx.database.health.up) void flush();
  }, o.everyMs);
  timer.unref();
  return {
    flush,
    async stop() {
      clearInterval(timer);
      await running;
      await flush();
    },
  };
}

/**
 * Puts a batch that failed to write back into the pending map, merged with whatever was noted while
 * it was being written (the earliest first sighting, the latest last), so the next flush retries it.
 */
export function requeueSpans<K, S extends { first: number; last: number }>(
  pending: Map<K, S>,
  batch: Iterable<readonly [K, S]>,
): void {
  for (const [key, s] of batch) {
    const p = pending.get(key);
    if (p) {
      p.first = Math.min(p.first, s.first);
      p.last = Math.max(p.last, s.last);
    } else pending.set(key, s);
  }
}
