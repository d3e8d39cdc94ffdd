// The head of each lot (its status, end, price and last seq) as the database has it, read in one
// query for many lots: what the catch-up (./catch-up.ts) compares with what this process's watchers
// were last told.
import { inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { lots } from '../../db/schema.ts';

export interface LotHead {
  lotId: number;
  status: string;
  endsAt: string;
  currentPrice: number | null;
  seq: number;
}

/** Heads of the given lots (missing ids are left out). */
export async function readLotHeads(db: Db, lotIds: number[]): Promise<LotHead[]> {
  if (lotIds.length === 0) return [];
  const rows = await db
    .select({ lotId: lots.id, status: lots.status, endsAt: lots.endsAt, currentPrice: lots.currentPrice, seq: lots.seq })
    .from(lots)
    .where(inArray(lots.id, lotIds));
  return rows.map((r) => ({ ...r, endsAt: r.endsAt.toISOString() }));
}
