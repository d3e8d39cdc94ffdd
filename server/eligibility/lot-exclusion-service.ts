// The people an asset's owner names as barred from bidding on one lot (issue 19; Law on Property
// Auction, Art. 38), entered by the lot's managers (or an admin) until its registration closes, read
// by them and by regulators whose scope covers the lot. Changed under the lot-row lock, which
// registrations take too, so an entry and a registration never cross. Audited on the lot, subject the
// person's id (chained as its hash).
import { and, asc, eq } from 'drizzle-orm';
import { lotExclusions } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Db, Tx } from '../../db/client.ts';
import type { Person } from '../identity/person.ts';
import { ensurePerson } from '../identity/people.ts';
import { personKey, revealPeople } from '../privacy/personal-data.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { mayActOnLot } from '../auctions/lot-access.ts';
import { lockLot } from '../auctions/lot-lock.ts';
import { getLotRow, type LotRow } from '../auctions/public-lot.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import type { AddLotExclusionInput, LotExclusion } from './eligibility-schemas.ts';

type Listing = { lotId: number; items: LotExclusion[] };
type LotExclusionRow = typeof lotExclusions.$inferSelect;

/**
 * Entries as shown: the person keys revealed to the 12-digit numbers and the person's name, in one
 * batch ('' for a number and null for a name once shredded: the entry stays listed).
 */
async function views(q: Db | Tx, rows: LotExclusionRow[]): Promise<LotExclusion[]> {
  const who = await revealPeople(
    q,
    rows.flatMap((r) => [r.pid, r.addedBy]),
  );
  return rows.map((row) => ({
    lotId: row.lotId,
    pid: who.get(row.pid)?.pid ?? '',
    name: who.get(row.pid)?.name ?? null,
    reason: row.reason,
    addedBy: who.get(row.addedBy)?.pid ?? '',
    addedAt: row.addedAt.toISOString(),
  }));
}

async function listing(q: Db | Tx, lotId: number): Promise<Listing> {
  const rows = await q
    .select()
    .from(lotExclusions)
    .where(eq(lotExclusions.lotId, lotId))
    .orderBy(asc(lotExclusions.addedAt));
  // Oldest first, then by number (the keys' order would tell nothing).
  const items = (await views(q, rows)).sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.pid.localeCompare(b.pid));
  return { lotId, items };
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
    // The person named may never have signed in: their number is sealed now, to be shown later.
    const pid = await ensurePerson(tx, { pid: input.pid, name: null, level: 1 }, now);
    const [row] = await tx
      .insert(lotExclusions)
      .values({ lotId, pid, reason: input.reason, addedBy: person.pid, addedAt: now })
      .onConflictDoNothing()
      .returning();
    if (!row) return refuse('lot_exclusion_exists');
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'lot_exclusion.added',
      lotId,
      subject: pid,
      data: { reason: input.reason },
      at: now,
    });
    const [shown] = await views(tx, [row]);
    return ok(shown);
  });
}

export async function removeLotExclusion(
  ctx: AppContext,
  person: Person,
  lotId: number,
  idNumber: string,
): Promise<Result<Listing>> {
  const now = ctx.clock.now();
  const pid = personKey(idNumber);
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
