// The people an asset's owner names as barred from bidding on one lot (issue 19; Law on Property
// Auction, Art. 38), entered by the lot's managers (or an admin) until its registration closes, read
// by them and by regulators whose scope covers the lot. Changed under the lot-row lock, which
// registrations take too, so an entry and a registration never cross. Audited on the lot, subject the
// person's id (chained as its hash).
import { and, asc, eq } from 'drizzle-orm';
import { lotExclusions, people } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Db, Tx } from '../../db/client.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { mayActOnLot } from '../auctions/lot-access.ts';
import { lockLot } from '../auctions/lot-lock.ts';
import { getLotRow, type LotRow } from '../auctions/public-lot.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import type { AddLotExclusionInput, LotExclusion } from './eligibility-schemas.ts';

type Listing = { lotId: number; items: LotExclusion[] };

async function listing(q: Db | Tx, lotId: number): Promise<Listing> {
  const rows = await q
    .select({ row: lotExclusions, name: people.name })
    .from(lotExclusions)
    .leftJoin(people, eq(people.pid, lotExclusions.pid))
    .where(eq(lotExclusions.lotId, lotId))
    .orderBy(asc(lotExclusions.addedAt), asc(lotExclusions.pid));
  return {
    lotId,
    items: rows.map(({ row, name }) => ({
      lotId: row.lotId,
      pid: row.pid,
      name,
      reason: row.reason,
      addedBy: row.addedBy,
      addedAt: row.addedAt.toISOString(),
    })),
  };
}

export async function listLotExclusions(ctx: AppContext, person: Person, lotId: number): Promise<Result<Listing>> {
  const allowed = mayActOnLot(person, await getLotRow(ctx.db, lotId), 'manager-of-lot|regulator|admin');
  if (!allowed.ok) return allowed;
  return ok(await listing(ctx.db, lotId));
}

/** The lot, locked, when the person may change its owner's exclusions now: until registration closes. */
async function lockForChange(tx: Tx, person: Person, lotId: number, now: Date): Promise<Result<LotRow>> {
  const lot = await lockLot(tx, lotId);
  const allowed = mayActOnLot(person, lot, 'manager-of-lot|admin');
  if (!allowed.ok) return allowed;
  if (!lot) return refuse('lot_not_found');
  if (lot.status === 'cancelled') return refuse('lot_in_status', { status: lot.status });
  if (lot.registrationClosesAt.getTime() <= now.getTime())
    return refuse('lot_exclusions_closed', { deadline: lot.registrationClosesAt.toISOString() });
  return ok(lot);
}

export async function addLotExclusion(
  ctx: AppContext,
  person: Person,
  lotId: number,
  input: AddLotExclusionInput,
): Promise<Result<LotExclusion>> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx): Promise<Result<LotExclusion>> => {
    const lot = await lockForChange(tx, person, lotId, now);
    if (!lot.ok) return lot;
    const [row] = await tx
      .insert(lotExclusions)
      .values({ lotId, pid: input.pid, reason: input.reason, addedBy: person.pid, addedAt: now })
      .onConflictDoNothing()
      .returning();
    if (!row) return refuse('lot_exclusion_exists');
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'lot_exclusion.added',
      lotId,
      subject: input.pid,
      data: { reason: input.reason },
      at: now,
    });
    const [who] = await tx.select({ name: people.name }).from(people).where(eq(people.pid, input.pid));
    return ok({
      lotId,
      pid: row.pid,
      name: who?.name ?? null,
      reason: row.reason,
      addedBy: row.addedBy,
      addedAt: row.addedAt.toISOString(),
    });
  });
}

export async function removeLotExclusion(
  ctx: AppContext,
  person: Person,
  lotId: number,
  pid: string,
): Promise<Result<Listing>> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx): Promise<Result<Listing>> => {
    const lot = await lockForChange(tx, person, lotId, now);
    if (!lot.ok) return lot;
    const [gone] = await tx
      .delete(lotExclusions)
      .where(and(eq(lotExclusions.lotId, lotId), eq(lotExclusions.pid, pid)))
      .returning();
    if (!gone) return refuse('lot_exclusion_not_found');
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'lot_exclusion.removed',
      lotId,
      subject: pid,
      data: { reason: gone.reason },
      at: now,
    });
    return ok(await listing(tx, lotId));
  });
}
