// Writes the shed-bid counts (shed-log.ts) to the database every few seconds while it answers, and
// once more at shutdown. A failed flush keeps the counts for the next one.
import { startPeriodicFlush, type PeriodicFlush } from '../shared/periodic-flush.ts';
import type { AppContext } from '../context.ts';
import type { ShedLog } from './shed-log.ts';

export const SHED_FLUSH_MS = 2_000;

export function startShedFlush(ctx: AppContext, log: ShedLog): PeriodicFlush {
  return startPeriodicFlush(ctx, {
    name: 'shed-bid flush',
    everyMs: SHED_FLUSH_MS,
    write: () => log.flush(ctx.db),
    stats: () => log.stats(),
    failed: 'shed-bid counts not written yet; kept for the next flush',
  });
}
