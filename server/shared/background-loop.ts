// A background loop run in every process (the closing scheduler, the job runner, the e-mail sender):
// a tick every `everyMs` and one at start, never two at once in a process, skipped while the
// database is down, and a failed tick reported to the database's health and logged; the next tick
// tries again. Each loop bounds its own steps (withDeadline), so none can wedge it.
import type { AppContext } from '../context.ts';

export interface BackgroundLoop<T> {
  start(): void;
  /** Runs one tick now, or joins the one running (tests, and start-up catch-up). */
  tick(): Promise<T>;
  /** Stops the timer and waits for the running tick. */
  stop(): Promise<void>;
  /** Whether stop was called: a tick working through a batch stops early. */
  readonly stopped: boolean;
}

export function backgroundLoop<T>(
  ctx: AppContext,
  o: { name: string; everyMs: number; idle: T; run: () => Promise<T> },
): BackgroundLoop<T> {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<T> | undefined;
  let stopped = false;
  const tick = (): Promise<T> => {
    current ??= (ctx.database.health.up ? o.run() : Promise.resolve(o.idle))
      .catch((err: unknown) => {
        ctx.database.health.report(err);
        ctx.log.error({ err }, `${o.name} tick failed`);
        return o.idle;
      })
      .finally(() => (current = undefined));
    return current;
  };
  return {
    start() {
      if (timer || stopped) return;
      void tick();
      timer = setInterval(() => void tick(), o.everyMs);
      timer.unref();
    },
    tick,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await current;
    },
    get stopped() {
      return stopped;
    },
  };
}
