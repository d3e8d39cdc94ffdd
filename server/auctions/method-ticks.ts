// What the scheduler does for the other methods at each tick (issue 16), beside flipping lots live
// and closing them (closing.ts):
// - extension rounds: when a round opened by a bid starts (the clock passes the end of the period
//   before), the lot's announced `round` moves on under the lot's lock, the period that ended and the
//   round that started (with the bidder codes allowed in it) are audit-chain entries, and watchers get
//   a `lot` event (reason `round`). The bid path never waits for this: it works the period out from
//   the clock itself (rules/methods.ts).
// - descending lots: each fall of the price asked is a `lot` event (reason `price`), so watchers see
//   the price the server asks without working out the schedule. Several processes may each announce
//   a fall; the realtime layer drops the repeats.
import { and, eq, gt, gte, isNotNull, isNull, lt, lte } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { ledgerEntries, lots, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { bidderCodeOf, lockLot } from './lot-service.ts';
import { lotChange } from './public-lot.ts';
import { descendingLot, openLot } from './lot-expressions.ts';
import { askedPriceAt, descendingOf, isOpen, period, periodAt, roundsOf } from './rules/index.ts';
import type { LotChange } from '../shared/events.ts';

/** Moves on the announced round of every lot whose extension round has started; returns how many moved. */
export async function advanceRounds(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const candidates = await roundsDueQuery(ctx.db, now);
  let moved = 0;
  for (const { id } of candidates) {
    const change = await ctx.db.transaction((tx) => announceRound(tx, id, now));
    if (change) {
      ctx.events.publish('lot', change);
      moved++;
    }
  }
  return moved;
}

/** Under the lot's lock: audits each period ended and round started since the last announced one. */
async function announceRound(tx: Tx, lotId: number, now: Date): Promise<LotChange | undefined> {
  const lot = await lockLot(tx, lotId);
  const policy = lot && roundsOf(lot);
  if (!lot || !policy || !isOpen(lot.status) || lot.endsAt.getTime() <= now.getTime()) return undefined;
  const current = periodAt(policy, lot, now).round;
  if (current <= lot.round) return undefined;
  for (let round = lot.round + 1; round <= current; round++) {
    const before = period(policy, lot, round - 1);
    const started = period(policy, lot, round);
    const allowed = await tx
      .selectDistinct({ code: registrations.bidderCode })
      .from(ledgerEntries)
      .innerJoin(registrations, eq(registrations.id, ledgerEntries.registrationId))
      .where(
        and(
          eq(ledgerEntries.lotId, lotId),
          eq(ledgerEntries.kind, 'bid'),
          gte(ledgerEntries.placedAt, before.startsAt),
          lt(ledgerEntries.placedAt, before.endsAt),
        ),
      )
      .orderBy(registrations.bidderCode);
    await appendAudit(tx, {
      actorPid: null,
      action: 'lot.round_ended',
      lotId,
      at: before.endsAt,
      data: { round: before.round, startsAt: before.startsAt.toISOString(), endedAt: before.endsAt.toISOString() },
    });
    await appendAudit(tx, {
      actorPid: null,
      action: 'lot.round_started',
      lotId,
      at: started.startsAt,
      data: {
        round,
        startsAt: started.startsAt.toISOString(),
        endsAt: started.endsAt.toISOString(),
        bidders: allowed.map((a) => a.code),
      },
    });
  }
  const [updated] = await tx.update(lots).set({ round: current, updatedAt: now }).where(eq(lots.id, lotId)).returning();
  const leaderCode = await bidderCodeOf(tx, updated.leaderRegistrationId);
  return lotChange(updated, 'round', { leaderCode, winnerCode: null }, now);
}

/**
 * Announces the falls of descending lots' prices: `seen` holds the step last announced per lot (this
 * process's memory; a restart announces the current step once more, which is harmless).
 */
export async function announcePrices(ctx: AppContext, seen: Map<number, number>): Promise<number> {
  const now = ctx.clock.now();
  const rows = await fallingPricesQuery(ctx.db, now);
  const live = new Set(rows.map((r) => r.id));
  for (const id of seen.keys()) if (!live.has(id)) seen.delete(id);
  let announced = 0;
  for (const row of rows) {
    const terms = descendingOf(row);
    const asked = terms && askedPriceAt(terms, now);
    if (!asked || seen.get(row.id) === asked.step) continue;
    const first = !seen.has(row.id);
    seen.set(row.id, asked.step);
    // The first sighting only primes the memory unless the price has already fallen.
    if (first && asked.step === 0) continue;
    ctx.events.publish('lot', lotChange(row, 'price', { leaderCode: null, winnerCode: null }, now));
    announced++;
  }
  return announced;
}

/** The open lots with rounds whose extension rounds have begun: the few of lots_rounds_due, by their scheduled end. */
export function roundsDueQuery(db: Db, now: Date) {
  return db
    .select({ id: lots.id })
    .from(lots)
    .where(and(openLot, isNotNull(lots.roundsMax), lte(lots.scheduledEndsAt, now), gt(lots.endsAt, now)));
}

/** The open descending lots whose price is falling: the few of lots_descending_open, by their end. */
export function fallingPricesQuery(db: Db, now: Date) {
  return db
    .select()
    .from(lots)
    .where(
      and(openLot, descendingLot, isNull(lots.leaderRegistrationId), lte(lots.startsAt, now), gt(lots.endsAt, now)),
    );
}
