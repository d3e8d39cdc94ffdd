// The head of each lot (its public state at its last seq: status, end, standing state, outcome) as
// the database has it, read in one query for many lots: what the catch-up (./catch-up.ts) compares with
// what this process's watchers were last told. Built by the same function as every `lot` event.
import { eq, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.ts';
import { lots, registrations } from '../../db/schema.ts';
import { lotState } from '../auctions/public-lot.ts';
import type { LotState } from '../shared/events.ts';

export type LotHead = LotState;

const leader = alias(registrations, 'leader');
const winner = alias(registrations, 'winner');
const awardee = alias(registrations, 'awardee');

/** Heads of the given lots (missing ids are left out), as of `now`. */
export async function readLotHeads(db: Db, lotIds: number[], now: Date): Promise<LotHead[]> {
  if (lotIds.length === 0) return [];
  const rows = await db
    .select({
      id: lots.id,
      status: lots.status,
      startsAt: lots.startsAt,
      endsAt: lots.endsAt,
      currentPrice: lots.currentPrice,
      startingPrice: lots.startingPrice,
      priceStep: lots.priceStep,
      method: lots.method,
      scheduledEndsAt: lots.scheduledEndsAt,
      leaderRegistrationId: lots.leaderRegistrationId,
      intervalSeconds: lots.intervalSeconds,
      floorPrice: lots.floorPrice,
      roundsMax: lots.roundsMax,
      roundsSeconds: lots.roundsSeconds,
      roundsTriggerSeconds: lots.roundsTriggerSeconds,
      round: lots.round,
      seq: lots.seq,
      cancelReason: lots.cancelReason,
      finalPrice: lots.finalPrice,
      awardState: lots.awardState,
      awardDeadline: lots.awardDeadline,
      awardPrice: lots.awardPrice,
      suspendedAt: lots.suspendedAt,
      suspensionReason: lots.suspensionReason,
      rerunOf: lots.rerunOf,
      rerunAs: lots.rerunAs,
      leaderCode: leader.bidderCode,
      winnerCode: winner.bidderCode,
      awardCode: awardee.bidderCode,
    })
    .from(lots)
    .leftJoin(leader, eq(leader.id, lots.leaderRegistrationId))
    .leftJoin(winner, eq(winner.id, lots.winnerRegistrationId))
    .leftJoin(awardee, eq(awardee.id, lots.awardRegistrationId))
    .where(inArray(lots.id, lotIds));
  return rows.map((r) =>
    lotState(r, { leaderCode: r.leaderCode, winnerCode: r.winnerCode, awardCode: r.awardCode }, now),
  );
}
