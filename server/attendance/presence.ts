// Attendance (issue 18; DESIGN.md §8): a registered bidder is present from their first signed-in watch
// of the lot, view of its page or bid in the bidding window. Presence is noted in memory where it
// happens (the socket gateway's watch, GET /api/lots/:id, the bid batch) and written to the
// registrations' first_seen_at / last_seen_at by a background flush, so the bid path never pays a
// database round trip for it. last_seen_at is coarse: a person seen again within PRESENCE_COARSE_MS of
// what was last written is not noted again. The close flushes the lot's pending sightings inside its
// own transaction before it decides who never attended (no-shows.ts); a sighting another process has
// not flushed yet by then (its last PRESENCE_FLUSH_MS) is not counted, and accepted bids never depend
// on this: the close reads them from the ledger.
//
// The database has the last word on the window: a sighting is written only if it falls within the
// lot's bidding window as the lot row says when it is written (startsAt ≤ t < endsAt, the lot still
// open or suspended after t), for a registration of that person on that lot not yet marked a no-show.
import { requeueSpans, startPeriodicFlush, type PeriodicFlush } from '../shared/periodic-flush.ts';
import { sql } from 'drizzle-orm';
import { resultRows, type Db, type Tx } from '../../db/client.ts';
import type { AppContext } from '../context.ts';
import { isRowId } from '../shared/validation.ts';

/** A person seen again within this long of what was last written is not noted again. */
export const PRESENCE_COARSE_MS = 30_000;
/** How often the pending sightings are written. */
export const PRESENCE_FLUSH_MS = 2_000;
/** Sightings kept in memory while the database cannot take them. */
const MAX_PENDING = 100_000;

interface Sighting {
  lotId: number;
  pid: string;
  /** First and last time seen since the last write (ms). */
  first: number;
  last: number;
}

/** The times a lot's presence counts in: its bidding window, while it is open. */
export interface WindowOf {
  status: string;
  startsAt: Date | string;
  endsAt: Date | string;
}

const ms = (d: Date | string): number => (typeof d === 'string' ? Date.parse(d) : d.getTime());

/** Whether `at` falls within the lot's bidding window (startsAt ≤ at < endsAt) while it takes bids. */
export function inBiddingWindow(lot: WindowOf, at: Date): boolean {
  const t = at.getTime();
  return (lot.status === 'scheduled' || lot.status === 'live') && ms(lot.startsAt) <= t && t < ms(lot.endsAt);
}

const keyOf = (lotId: number, pid: string): string => `${lotId}|${pid}`;

export class PresenceLog {
  private pending = new Map<string, Sighting>();
  /** Per lot and person: the last sighting written (ms), to keep last_seen_at coarse. */
  private readonly written = new Map<string, number>();
  private dropped = 0;

  /** Notes that a signed-in person was on the lot at `at` (cheap: a map update). */
  seen(lotId: number, pid: string, at: Date): void {
    if (!isRowId(lotId)) return;
    const key = keyOf(lotId, pid);
    const t = at.getTime();
    const p = this.pending.get(key);
    if (p) {
      if (t < p.first) p.first = t;
      if (t > p.last) p.last = t;
      return;
    }
    const last = this.written.get(key);
    if (last !== undefined && t >= last && t - last < PRESENCE_COARSE_MS) return;
    if (this.pending.size >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.pending.set(key, { lotId, pid, first: t, last: t });
  }

  /** Notes the person if `at` is within the lot's bidding window (the caller's view of the lot). */
  seenOn(lot: WindowOf & { id: number }, pid: string, at: Date): void {
    if (inBiddingWindow(lot, at)) this.seen(lot.id, pid, at);
  }

  /** Sightings not yet written, and those lost because memory was full (logs and tests). */
  stats(): { pending: number; dropped: number } {
    return { pending: this.pending.size, dropped: this.dropped };
  }

  /**
   * Writes every pending sighting; on failure they are kept for the next flush. `now` prunes the
   * memory of what was written (older than PRESENCE_COARSE_MS no longer matters).
   */
  async flush(db: Db, now: Date): Promise<number> {
    if (this.pending.size === 0) return 0;
    const batch = this.pending;
    this.pending = new Map();
    let stored: Set<string>;
    try {
      stored = await writeSightings(db, [...batch.values()]);
    } catch (err) {
      requeueSpans(this.pending, batch);
      throw err;
    }
    // Only what was stored keeps the next sightings coarse (one outside the window, or of someone not
    // registered, was not).
    for (const [key, s] of batch)
      if (stored.has(key)) this.written.set(key, Math.max(s.last, this.written.get(key) ?? 0));
    const horizon = now.getTime() - PRESENCE_COARSE_MS;
    for (const [key, t] of this.written) if (t < horizon) this.written.delete(key);
    return batch.size;
  }

  /**
   * Writes one lot's pending sightings inside the caller's transaction (the close, under the lot's
   * lock), keeping them pending: if that transaction rolls back they are still written later, and
   * once it has committed the later write finds the lot closed and writes nothing.
   */
  async flushLot(tx: Tx, lotId: number): Promise<number> {
    const rows = [...this.pending.values()].filter((s) => s.lotId === lotId);
    if (rows.length) await writeSightings(tx, rows);
    return rows.length;
  }
}

/**
 * One statement: each sighting onto its registration, within the lot's window as the row says now.
 * Returns the keys (lot and person) of the sightings stored.
 */
async function writeSightings(q: Db | Tx, rows: Sighting[]): Promise<Set<string>> {
  const json = JSON.stringify(
    rows.map((s) => ({
      lot_id: s.lotId,
      pid: s.pid,
      first: new Date(s.first).toISOString(),
      last: new Date(s.last).toISOString(),
    })),
  );
  const result = await q.execute(sql`
    update registrations r set
      first_seen_at = least(coalesce(r.first_seen_at, s.first), s.first),
      last_seen_at = greatest(coalesce(r.last_seen_at, s.seen), s.seen)
    from (
      select p.lot_id, p.pid, p.first,
             case when p.last < l.ends_at and (l.suspended_at is null or p.last < l.suspended_at)
                  then p.last else p.first end as seen
        from jsonb_to_recordset(${json}::jsonb) as p(lot_id integer, pid text, first timestamptz, last timestamptz)
        join lots l on l.id = p.lot_id
       where l.status in ('scheduled', 'live', 'suspended')
         and p.first >= l.starts_at and p.first < l.ends_at
         and (l.suspended_at is null or p.first < l.suspended_at)
    ) s
    where r.lot_id = s.lot_id and r.pid = s.pid and r.no_show is null
    returning r.lot_id, r.pid`);
  return new Set(resultRows<{ lot_id: number; pid: string }>(result).map((r) => keyOf(r.lot_id, r.pid)));
}

const logs = new WeakMap<AppContext, PresenceLog>();

/** The presence log of this platform (one per context: the gateway, the API and the close share it). */
export function presenceOf(ctx: AppContext): PresenceLog {
  let log = logs.get(ctx);
  if (!log) logs.set(ctx, (log = new PresenceLog()));
  return log;
}

/** Writes the pending sightings every PRESENCE_FLUSH_MS while the database answers, and once more at stop. */
export function startPresenceFlush(ctx: AppContext): PeriodicFlush {
  const log = presenceOf(ctx);
  return startPeriodicFlush(ctx, {
    name: 'presence flush',
    everyMs: PRESENCE_FLUSH_MS,
    write: () => log.flush(ctx.db, ctx.clock.now()),
    stats: () => log.stats(),
    failed: 'attendance not written yet; kept for the next flush',
  });
}
