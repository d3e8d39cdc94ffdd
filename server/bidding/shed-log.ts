// Counts of bids the platform refused for its own reasons (overload, an unreachable database, a
// deadline), per lot, minute and reason. A technical fault in the closing minutes must be on the
// lot's record (Vietnamese practice: it can lead to a re-run), so the counts are kept in memory as
// they happen (the database may be the very thing that is down) and written to `shed_bids` by a
// background flush once it answers again; the manager, the regulator and the record read them there.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { ShedReason } from './shed-reasons.ts';
import { isRowId } from '../shared/validation.ts';

export { SHED_REASONS, type ShedReason } from './shed-reasons.ts';

/** Minutes kept in memory while the database cannot take them (a day of one hot lot's minutes). */
const MAX_PENDING = 50_000;

export class ShedLog {
  /** `${lotId}|${minuteIso}|${reason}` → count not yet written. */
  private pending = new Map<string, number>();
  private dropped = 0;

  /** Counts one shed bid (cheap: called on the overload path). */
  record(lotId: number, reason: ShedReason, at: Date): void {
    if (!isRowId(lotId)) return;
    const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();
    const key = `${lotId}|${minute}|${reason}`;
    const n = this.pending.get(key);
    if (n === undefined && this.pending.size >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.pending.set(key, (n ?? 0) + 1);
  }

  /** Counts not yet written, and counts lost because memory was full (both for logs and tests). */
  stats(): { pendingKeys: number; dropped: number } {
    return { pendingKeys: this.pending.size, dropped: this.dropped };
  }

  /**
   * Writes the pending counts (adding to what other processes wrote). On failure they are put back
   * to be written by the next flush.
   */
  async flush(db: Db): Promise<number> {
    if (this.pending.size === 0) return 0;
    const batch = this.pending;
    this.pending = new Map();
    const rows = [...batch].map(([key, count]) => {
      const [lotId, minute, reason] = key.split('|');
      return { lot_id: Number(lotId), minute, reason, count };
    });
    try {
      await db.execute(sql`
        insert into shed_bids (lot_id, minute, reason, count)
        select r.lot_id, r.minute, r.reason, r.count
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(lot_id integer, minute timestamptz, reason text, count integer)
          join lots on lots.id = r.lot_id
        on conflict (lot_id, minute, reason) do update set count = shed_bids.count + excluded.count`);
      return rows.length;
    } catch (err) {
      for (const [key, count] of batch) this.pending.set(key, (this.pending.get(key) ?? 0) + count);
      throw err;
    }
  }
}
