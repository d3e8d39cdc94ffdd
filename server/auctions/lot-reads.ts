// Reading lots: the catalogue (its query is lot-search.ts), one lot, and its result. Drafts are
// shown only to their manager, regulators and admins.
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { getLotRow, publicLots, type PublicLot } from './public-lot.ts';
import { visibleTo } from './lot-service.ts';
import type { LotRow } from './rules/index.ts';
import { searchLots, type CatalogueQuery } from './lot-search.ts';
import type { LotResult } from './lot-schemas.ts';
import { presenceOf } from '../attendance/presence.ts';

export type ListLotsOptions = CatalogueQuery;

export async function listLots(
  ctx: AppContext,
  person: Person | undefined,
  o: ListLotsOptions,
): Promise<
  Result<{
    items: PublicLot[];
    total: number;
    totalExact: boolean;
    nextOffset: number | null;
    nextCursor: string | null;
  }>
> {
  const now = ctx.clock.now();
  const page = await searchLots(ctx.db, person, o, now);
  if (!page.ok) return page;
  const { rows, total, totalExact, nextOffset, nextCursor } = page.value;
  const items = await publicLots(ctx.db, rows, now);
  return ok({ items, total, totalExact, nextOffset, nextCursor });
}

/** A lot's row, if it exists for this person (drafts only for those who may see them). */
export async function visibleLotRow(
  ctx: AppContext,
  person: Person | undefined,
  lotId: number,
): Promise<Result<LotRow>> {
  const row = await getLotRow(ctx.db, lotId);
  return row && visibleTo(person, row) ? ok(row) : refuse('lot_not_found');
}

/**
 * One lot. `view`: the lot's page read by the person (GET /api/lots/:id), which is attendance in the
 * bidding window when they are registered (noted in memory, server/attendance/presence.ts).
 */
export async function getLot(
  ctx: AppContext,
  person: Person | undefined,
  lotId: number,
  opts: { view?: boolean } = {},
): Promise<Result<PublicLot>> {
  const row = await visibleLotRow(ctx, person, lotId);
  if (!row.ok) return row;
  const now = ctx.clock.now();
  if (opts.view && person) presenceOf(ctx).seenOn(row.value, person.pid, now);
  const [lot] = await publicLots(ctx.db, [row.value], now);
  return ok(lot);
}

export type { LotResult };

export async function getResult(
  ctx: AppContext,
  person: Person | undefined,
  lotId: number,
): Promise<Result<LotResult>> {
  const lot = await getLot(ctx, person, lotId);
  if (!lot.ok) return lot;
  const l = lot.value;
  return ok({
    lotId: l.id,
    status: l.status,
    winnerBidderCode: l.winnerBidderCode,
    finalPrice: l.finalPrice,
    closedAt: l.closedAt,
    cancelReason: l.cancelReason,
    bidCount: l.bidCount,
    award: l.award,
  });
}
