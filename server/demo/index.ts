// Demo data (DEMO_DATA; on by default only for the zero-config start, never in production): a live
// catalogue at once and for as long as the platform runs. See README, "Using the platform".
import type { AppContext } from '../context.ts';
import type { BidService } from '../bidding/types.ts';
import { loadCast } from './people.ts';
import { seedHistory } from './seed.ts';
import { isFresh, keeperTick } from './keeper.ts';
import type { SealedSubmit } from './robots.ts';

export interface Demo {
  start(): void;
  stop(): Promise<void>;
}

const NONE: Demo = { start() {}, stop: async () => {} };

/**
 * Prepares the demo: on a fresh data directory, seeds a catalogue with a simulated past (before the
 * platform listens, so the first page already shows live lots). start() runs the keeper.
 */
export async function createDemo(
  ctx: AppContext,
  bids: BidService,
  options: { tickMs?: number; sealed?: SealedSubmit } = {},
): Promise<Demo> {
  if (!ctx.config.demoData || ctx.config.env === 'production') return NONE;
  const cast = await loadCast(ctx);
  if (!cast) {
    ctx.log.warn('demo data needs the demo e-ID provider (its manager persona); no demo lots');
    return NONE;
  }
  const random = Math.random;
  if (await isFresh(ctx, cast)) {
    const started = Date.now();
    await seedHistory(ctx, cast, random, options.sealed);
    ctx.log.info({ ms: Date.now() - started }, 'demo: catalogue seeded');
  }
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (running || stopped) return;
    running = keeperTick(ctx, bids, cast, {
      tickMs: options.tickMs ?? 3000,
      bidChance: 0.12,
      random,
      sealed: options.sealed,
    })
      .catch((err: unknown) => ctx.log.warn({ err }, 'demo keeper tick failed'))
      .finally(() => (running = undefined));
  };
  return {
    start() {
      if (timer || stopped) return;
      timer = setInterval(tick, options.tickMs ?? 3000);
      timer.unref();
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
