// The closing scheduler: started in every process; every CLOSE_POLL_MS it flips started lots to live,
// starts extension rounds and announces descending prices (method-ticks.ts), and closes due ones (closing.ts makes that safe with many processes). A tick runs at start too, so
// lots that fell due while the platform was down are closed right away.
import type { AppContext } from '../context.ts';
import { backgroundLoop, type BackgroundLoop } from '../shared/background-loop.ts';
import { DeadlineExceeded, withDeadline } from '../shared/unavailable.ts';
import { closeLot, dueLots, flipLive } from './closing.ts';
import { advanceRounds, announcePrices } from './method-ticks.ts';

export interface Scheduler {
  start(): void;
  /** Runs one tick now (tests, and start-up catch-up). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What the scheduler needs of the bid path: to run a task on a lot's queue, after every bid this
 * process received for the lot before it (BidEngine.exclusive).
 */
export interface LotQueues {
  exclusive<T>(lotId: number, fn: () => Promise<T>): Promise<T>;
}

export function createScheduler(ctx: AppContext, queues: LotQueues): Scheduler {
  /** The step of each descending lot's price last announced by this process. */
  const announcedSteps = new Map<number, number>();

  // Every step is bounded, so a database that stops answering cannot wedge the scheduler: the tick
  // fails, the next one tries again, and lots close as soon as the database is back.
  const bound = ctx.config.limits.requestTimeoutMs;
  const runTick = async (): Promise<void> => {
    await withDeadline(flipLive(ctx), bound, 'flipping started lots live');
    await withDeadline(advanceRounds(ctx), bound, 'starting extension rounds');
    await withDeadline(announcePrices(ctx, announcedSteps), bound, 'announcing falling prices');
    for (const id of await withDeadline(dueLots(ctx), bound, 'reading due lots')) {
      if (loop.stopped) return;
      // On the lot's queue: every bid this process received before now is answered first. A close
      // that outlasts its bound goes on in the background and commits or rolls back on its own;
      // either way closing is idempotent, so a later tick finishes (or skips) it, and one slow lot
      // does not hold up the others.
      await queues
        .exclusive(id, () => closeLot(ctx, id))
        .catch((err: unknown) => {
          if (!(err instanceof DeadlineExceeded)) throw err;
          ctx.log.warn({ lotId: id }, 'closing a lot is taking longer than its bound; the next tick looks again');
        });
    }
  };
  const loop: BackgroundLoop<void> = backgroundLoop(ctx, {
    name: 'closing scheduler',
    everyMs: ctx.config.closePollMs,
    idle: undefined,
    run: runTick,
  });
  return loop;
}
