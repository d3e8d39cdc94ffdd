// Writes the shed-bid counts (shed-log.ts) to the database every few seconds while it answers, and
// once more at shutdown. A failed flush keeps the counts for the next one.
import type { AppContext } from '../context.ts';
import { withDeadline } from '../shared/unavailable.ts';
import type { ShedLog } from './shed-log.ts';

export const SHED_FLUSH_MS = 2_000;

export function startShedFlush(ctx: AppContext, log: ShedLog): { flush(): Promise<void>; stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const flush = (): Promise<void> =>
    (running ??= withDeadline(log.flush(ctx.db), ctx.config.limits.requestTimeoutMs, 'shed-bid flush')
      .then(
        () => undefined,
        (err: unknown) => {
          ctx.database.health.report(err);
          ctx.log.warn({ err, ...log.stats() }, 'shed-bid counts not written yet; kept for the next flush');
        },
      )
      .finally(() => (running = undefined)));
  const timer = setInterval(() => {
    if (ctx.database.health.up) void flush();
  }, SHED_FLUSH_MS);
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
