// Reads of the shed-bid counts (shed-log.ts writes them): for a lot's manager and regulators while
// the lot runs, and for the lot's record.
import { asc, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { shedBids } from '../../db/schema.ts';
import type { ShedReason } from './shed-log.ts';

export interface ShedRow {
  lotId: number;
  minute: Date;
  reason: ShedReason;
  count: number;
}

/** Every counted minute of these lots, in lot, minute and reason order. */
export async function shedBidsOf(db: Db, lotIds: number[]): Promise<ShedRow[]> {
  if (lotIds.length === 0) return [];
  const rows = await db
    .select()
    .from(shedBids)
    .where(inArray(shedBids.lotId, lotIds))
    .orderBy(asc(shedBids.lotId), asc(shedBids.minute), asc(shedBids.reason));
  return rows.map((r) => ({ ...r, reason: r.reason as ShedReason }));
}

export interface ShedSummary {
  total: number;
  byReason: Partial<Record<ShedReason, number>>;
  minutes: { minute: string; reason: ShedReason; count: number }[];
}

/** The counts as the API and the record show them. */
export function summarizeShed(rows: ShedRow[]): ShedSummary {
  const byReason: Partial<Record<ShedReason, number>> = {};
  let total = 0;
  for (const r of rows) {
    byReason[r.reason] = (byReason[r.reason] ?? 0) + r.count;
    total += r.count;
  }
  return {
    total,
    byReason,
    minutes: rows.map((r) => ({ minute: r.minute.toISOString(), reason: r.reason, count: r.count })),
  };
}
