// Reading lots: the catalogue (filter by status by the clock, search, category, paging), one lot,
// and its result. Drafts are shown only to their manager, regulators and admins.
import { and, count, eq, gt, ilike, lte, or, sql, type SQL } from 'drizzle-orm';
import { lots, type LotStatus } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { fail, ok, type Result } from '../shared/errors.ts';
import { getLotRow, publicLots, type PublicLot } from './public-lot.ts';
import { maySeeDraft } from './lot-service.ts';

export interface ListLotsOptions {
  status?: LotStatus;
  q?: string;
  category?: string;
  mine?: boolean;
  limit: number;
  offset: number;
}

function statusFilter(status: LotStatus, now: Date): SQL | undefined {
  // Scheduled rows whose start has passed are live by the clock even before the scheduler flips them.
  if (status === 'live') return or(eq(lots.status, 'live'), and(eq(lots.status, 'scheduled'), lte(lots.startsAt, now)));
  if (status === 'scheduled') return and(eq(lots.status, 'scheduled'), gt(lots.startsAt, now));
  return eq(lots.status, status);
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (m) => `\\${m}`);

export async function listLots(ctx: AppContext, person: Person | undefined, o: ListLotsOptions): Promise<{ items: PublicLot[]; total: number; nextOffset: number | null }> {
  const now = ctx.clock.now();
  const conditions: (SQL | undefined)[] = [];
  const staff = !!person?.roles.some((r) => r === 'regulator' || r === 'admin');
  if (o.mine && person) conditions.push(eq(lots.managerPid, person.pid));
  else if (!staff) conditions.push(sql`${lots.status} <> 'draft'`);
  if (o.status) conditions.push(statusFilter(o.status, now));
  if (o.category) conditions.push(eq(lots.category, o.category));
  if (o.q) {
    const pattern = `%${escapeLike(o.q)}%`;
    conditions.push(or(ilike(lots.title, pattern), ilike(lots.description, pattern)));
  }
  const where = and(...conditions);
  const [{ total }] = await ctx.db.select({ total: count() }).from(lots).where(where);
  // Open lots first (soonest end first), then the rest newest first.
  const rows = await ctx.db
    .select()
    .from(lots)
    .where(where)
    .orderBy(sql`case when ${lots.status} in ('scheduled','live') then 0 else 1 end`, sql`case when ${lots.status} in ('scheduled','live') then ${lots.endsAt} end asc`, sql`${lots.id} desc`)
    .limit(o.limit)
    .offset(o.offset);
  const items = await publicLots(ctx.db, rows, now);
  return { items, total, nextOffset: o.offset + rows.length < total ? o.offset + rows.length : null };
}

export async function getLot(ctx: AppContext, person: Person | undefined, lotId: number): Promise<Result<PublicLot>> {
  const row = await getLotRow(ctx.db, lotId);
  if (!row || (row.status === 'draft' && !maySeeDraft(person, row))) return fail('NOT_FOUND', 'No such lot.');
  const [lot] = await publicLots(ctx.db, [row], ctx.clock.now());
  return ok(lot);
}

export interface LotResult {
  lotId: number;
  status: LotStatus;
  winnerBidderCode: string | null;
  finalPrice: number | null;
  closedAt: string | null;
  cancelReason: string | null;
  bidCount: number;
}

export async function getResult(ctx: AppContext, person: Person | undefined, lotId: number): Promise<Result<LotResult>> {
  const lot = await getLot(ctx, person, lotId);
  if (!lot.ok) return lot;
  const l = lot.value;
  return ok({ lotId: l.id, status: l.status, winnerBidderCode: l.winnerBidderCode, finalPrice: l.finalPrice, closedAt: l.closedAt, cancelReason: l.cancelReason, bidCount: l.bidCount });
}

