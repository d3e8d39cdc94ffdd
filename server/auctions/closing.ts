// Closing lots. Every process runs the scheduler; a lot is closed through an idempotent claim: the
// lot row is locked (the same lock the bid path takes) and closed only if it is still open and due,
// so with many processes exactly one closes it and publishes the outcome. Lots that fell due while
// every process was down are simply due on the first tick after start (catch-up).
import { and, eq, gt, inArray, isNotNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { lots, registrations } from '../../db/schema.ts';
import { settleLot } from '../payments/settlement.ts';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { CloseFacts } from '../audit/chained-facts.ts';
import { keyOf } from '../privacy/personal-data.ts';
import type { PersonalEvent } from '../shared/events.ts';
import { bidderCodeOf, lockLot } from './lot-service.ts';
import { lotChange } from './public-lot.ts';
import { descendingLot, openLot, scheduledStart } from './lot-expressions.ts';
import { CLOSE_GRACE_MS, closeOutcome, closesAt, eligibleBidders, isOpen } from './rules/index.ts';
import { revealSealedBids, type Reveal } from '../sealed/reveal.ts';
import { scheduleResultNotice } from '../results/schedule.ts';
import { closePresence, markNoShows, writeFaults } from '../attendance/no-shows.ts';

export { CLOSE_GRACE_MS } from './rules/index.ts';

/** Flips scheduled lots whose bidding has started to live (the bid path already treats them as live). */
export async function flipLive(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .update(lots)
    .set({ status: 'live', updatedAt: now })
    // Through lots_scheduled_start: only the scheduled lots whose start has passed, not every one.
    .where(and(sql`${scheduledStart} <= ${now.toISOString()}::timestamptz`, gt(lots.endsAt, now)))
    .returning();
  if (rows.length === 0) return 0;
  // A scheduled lot takes bids from startsAt, before this flip: its leader may already be known.
  const leaders = rows.map((r) => r.leaderRegistrationId).filter((id): id is number => id !== null);
  const codes = new Map<number, string>();
  if (leaders.length)
    for (const r of await ctx.db
      .select({ id: registrations.id, code: registrations.bidderCode })
      .from(registrations)
      .where(inArray(registrations.id, leaders)))
      codes.set(r.id, r.code);
  for (const row of rows)
    ctx.events.publish(
      'lot',
      lotChange(
        row,
        'live',
        {
          leaderCode: row.leaderRegistrationId === null ? null : (codes.get(row.leaderRegistrationId) ?? null),
          winnerCode: null,
        },
        now,
      ),
    );
  return rows.length;
}

/** Ids of open lots whose end (plus the grace) has passed, oldest first. */
export async function dueLots(ctx: AppContext, limit = 100): Promise<number[]> {
  const rows = await dueLotsQuery(ctx.db, ctx.clock.now(), limit);
  return rows.map((r) => r.id);
}

/** The statement dueLots runs (its plan is tested: one range of lots_open_ends). */
export function dueLotsQuery(db: Db, now: Date, limit: number) {
  const cutoff = new Date(now.getTime() - CLOSE_GRACE_MS);
  return db
    .select({ id: lots.id })
    .from(lots)
    .where(
      and(
        // Open lots that have ended: one range of lots_open_ends, however many lots are still to come
        // (the two bounds below, one on either side of an `or`, bound no index: every open lot of a
        // national catalogue was read, 1-2 s a tick).
        openLot,
        lte(lots.endsAt, now),
        or(
          lte(lots.endsAt, cutoff),
          // A descending lot whose price was accepted closes at once (rules' closesAt).
          and(descendingLot, isNotNull(lots.leaderRegistrationId)),
        ),
      ),
    )
    .orderBy(lots.endsAt)
    .limit(limit);
}

/**
 * Closes one lot if it is still open and due: closed with the standing highest bid as winner, or
 * failed (fewer approved bidders than AUCTION_MIN_BIDDERS, or no bids). Settles the money in the same
 * transaction (server/payments/settlement.ts): the winner's deposit retained and the balance owed,
 * other received deposits due for refund, forfeited ones forfeited. Returns the outcome,
 * or null when another process (or an earlier tick) already closed it.
 */
export async function closeLot(ctx: AppContext, lotId: number): Promise<'closed' | 'failed' | null> {
  const now = ctx.clock.now();
  let revealed: Reveal | undefined;
  // Bids this process shed are force majeure for no-shows: written before they are decided.
  await writeFaults(ctx);
  const result = await ctx.db.transaction(async (tx) => {
    let lot = await lockLot(tx, lotId);
    if (!lot || !isOpen(lot.status) || closesAt(lot).getTime() > now.getTime()) return null;
    // A sealed lot's bids are revealed first, in this transaction (exactly once); a tie round keeps it open.
    if (lot.method === 'sealed') {
      revealed = await revealSealedBids(tx, ctx, lot, now);
      if (revealed.tieRound) return null;
      lot = revealed.lot;
    }
    // Attendance up to date while the lot is still open: the pending sightings and the ledger's bids.
    await closePresence(ctx, tx, lotId);
    const approved = await tx
      .select({
        id: registrations.id,
        pid: registrations.pid,
        bidderCode: registrations.bidderCode,
        status: registrations.status,
        depositState: registrations.depositState,
      })
      .from(registrations)
      .where(and(eq(registrations.lotId, lotId), isNotNull(registrations.approvedAt)));
    const eligible = eligibleBidders(approved);
    const outcome = closeOutcome(lot, eligible, ctx.config.policy.minBidders);
    const { status, winnerRegistrationId: winnerId } = outcome;
    const [closed] = await tx
      .update(lots)
      .set({
        status,
        closedAt: lot.endsAt,
        finalPrice: outcome.finalPrice,
        winnerRegistrationId: winnerId,
        updatedAt: now,
      })
      .where(eq(lots.id, lotId))
      .returning();
    const reason = outcome.status === 'failed' ? outcome.reason : undefined;
    // The result goes into the chain with the winner by code and person (keyed hash), so a record
    // naming another winner, or another person behind the code, contradicts the chain.
    const winner = winnerId === null ? undefined : approved.find((r) => r.id === winnerId);
    const facts: CloseFacts = {
      finalPrice: closed.finalPrice,
      winnerRegistrationId: winnerId,
      winnerBidderCode: winner?.bidderCode ?? null,
      winnerPersonHash: winner ? keyOf(winner.pid) : null,
    };
    await appendAudit(tx, {
      actorPid: null,
      action: status === 'closed' ? 'lot.closed' : 'lot.failed',
      lotId,
      at: now,
      data: {
        ...facts,
        approvedBidders: eligible,
        bidCount: lot.bidCount,
        seq: lot.seq,
        lastHash: lot.lastHash,
        endsAt: lot.endsAt.toISOString(),
        ...(reason ? { reason } : {}),
      },
    });
    // Approved bidders who never attended (server/attendance/no-shows.ts): forfeited before the money
    // is settled, so the settlement forfeits their payments; held ones are left for the manager.
    const noShows = await markNoShows(ctx, tx, closed, {
      winnerId,
      heldBidding: eligible >= ctx.config.policy.minBidders,
      now,
    });
    for (const n of noShows) {
      const r = approved.find((a) => a.id === n.id);
      if (r && n.state === 'forfeited') r.depositState = 'forfeited';
    }
    // The money: deposits due for refund, the winner's retained and the balance owed (server/payments).
    const settled = await settleLot(ctx, tx, closed, { winnerId, actorPid: null, from: lot.endsAt, now });
    await scheduleResultNotice(tx, lotId, now); // the public result notice (server/results)
    // Each bidder learns the result with what became of their deposit (the winner's counts toward the
    // price; a received one is refunded; a forfeited one stays forfeited).
    const refundedIds = new Set(settled.refundable.map((r) => r.id));
    const personal: { pid: string; event: PersonalEvent }[] = approved.map((r) =>
      r.id === winnerId
        ? { pid: r.pid, event: { type: 'won', lotId, finalPrice: closed.finalPrice!, depositState: 'retained' } }
        : {
            pid: r.pid,
            event: {
              type: 'lost',
              lotId,
              finalPrice: closed.finalPrice,
              depositState: refundedIds.has(r.id) ? 'refundable' : r.depositState,
            },
          },
    );
    const leaderCode =
      lot.leaderRegistrationId === null
        ? null
        : (approved.find((r) => r.id === lot.leaderRegistrationId)?.bidderCode ??
          (await bidderCodeOf(tx, lot.leaderRegistrationId)));
    const change = lotChange(
      { ...closed, ...settled.award },
      status,
      {
        leaderCode,
        winnerCode: winner?.bidderCode ?? null,
      },
      now,
    );
    return { change, personal, status };
  });
  revealed?.publish();
  if (!result) return null;
  ctx.events.publish('lot', result.change);
  for (const p of result.personal) ctx.events.publish('personal', p);
  return result.status;
}
