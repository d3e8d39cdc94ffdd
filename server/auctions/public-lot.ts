// The public view of a lot: what anyone may see (bidder codes only, never personal data), with the
// status as the server clock has it. A scheduled lot is shown live from startsAt even before the
// closing scheduler has flipped its row, so every reader agrees with the bid path's clock rule.
import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { lotImages, lots, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { PublicLot } from './lot-schemas.ts';
import type { LotChange, LotState } from '../shared/events.ts';
import { isRowId } from '../shared/validation.ts';
import { isRegistrationOpen } from './rules/registration.ts';
import {
  canTransition,
  effectiveStatus,
  isBiddingOpen,
  isEnded,
  isOpen,
  priceState,
  refuseRerun,
  refuseSuspension,
  termsEditable,
  type LotRow,
  type PriceStateRow,
} from './rules/index.ts';
import { methodTermsOf } from './lot-method.ts';

/** The public view of a lot; its one definition is LotSchema (lot-schemas.ts), the API's `Lot`. */
export type { PublicLot };

export type { LotRow };

/** The columns a lot's public state is computed from. */
export type LotStateRow = PriceStateRow &
  Pick<LotRow, 'id' | 'seq' | 'cancelReason' | 'finalPrice' | 'awardState' | 'awardDeadline'> &
  Pick<LotRow, 'suspendedAt' | 'suspensionReason' | 'rerunOf' | 'rerunAs'> &
  Partial<Pick<LotRow, 'awardPrice'>>;

/** The bidder codes of a lot's standing leader and winner (registrations hold them). */
export interface LotCodes {
  leaderCode: string | null;
  winnerCode: string | null;
  /** Whom the award names, when not the winner (the next bidder offered the lot, Art. 51). */
  awardCode?: string | null;
}

/**
 * The public state of a lot at `now`: the standing state (price, leader, the next minimum while
 * bidding is open, by the rules' minNextBid) and the outcome. GET /api/lots/:id, `watch` snapshots and
 * every `lot` event are built from this one function, so a page never has to work any of it out.
 */
export function lotState(row: LotStateRow, codes: LotCodes, now: Date): LotState {
  const price = priceState(row, now);
  return {
    lotId: row.id,
    status: row.status,
    endsAt: row.endsAt.toISOString(),
    currentPrice: price.currentPrice,
    highestBidderCode: codes.leaderCode,
    minNextBid: price.minNextBid,
    nextPriceAt: price.nextPriceAt?.toISOString() ?? null,
    nextPrice: price.nextPrice,
    round: price.round,
    biddingOpen: isBiddingOpen(row, now),
    ended: isEnded(row.status),
    seq: row.seq,
    cancelReason: row.cancelReason,
    finalPrice: row.finalPrice,
    winnerBidderCode: codes.winnerCode,
    award: row.awardState
      ? {
          state: row.awardState,
          bidderCode: codes.awardCode ?? codes.winnerCode,
          price: row.awardPrice ?? row.finalPrice,
          deadline: row.awardDeadline?.toISOString() ?? null,
        }
      : null,
    suspendedAt: row.suspendedAt?.toISOString() ?? null,
    suspensionReason: row.suspensionReason,
    rerunOf: row.rerunOf,
    rerunAs: row.rerunAs,
  };
}

/** A `lot` event: the lot's state after a change, and what the change was. */
export function lotChange(row: LotStateRow, reason: LotChange['reason'], codes: LotCodes, now: Date): LotChange {
  return { ...lotState(row, codes, now), reason };
}

export function toPublicLot(row: LotRow, extra: LotCodes & { imageIds: number[] }, now: Date): PublicLot {
  const status = effectiveStatus(row, now);
  const state = lotState(row, extra, now);
  const registrationOpen = isRegistrationOpen(row, now);
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    category: row.category,
    organisationId: row.organisationId,
    province: row.province,
    status,
    startingPrice: row.startingPrice,
    priceStep: row.priceStep,
    deposit: row.deposit,
    currentPrice: state.currentPrice,
    highestBidderCode: state.highestBidderCode,
    bidCount: row.bidCount,
    seq: row.seq,
    registrationOpensAt: row.registrationOpensAt.toISOString(),
    registrationClosesAt: row.registrationClosesAt.toISOString(),
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    scheduledEndsAt: row.scheduledEndsAt.toISOString(),
    softClose:
      row.softCloseWindowSeconds && row.softCloseExtendSeconds
        ? { windowSeconds: row.softCloseWindowSeconds, extendSeconds: row.softCloseExtendSeconds }
        : null,
    minNextBid: state.minNextBid,
    ...methodTermsOf(row),
    nextPriceAt: state.nextPriceAt,
    nextPrice: state.nextPrice,
    round: state.round,
    registrationOpen,
    biddingOpen: state.biddingOpen,
    ended: state.ended,
    managerActions: {
      edit: termsEditable(row, now),
      publish: canTransition(row.status, 'scheduled'),
      cancel: canTransition(row.status, 'cancelled'),
      approveDeposits: isOpen(row.status),
      suspend: !refuseSuspension(row, now),
      rerun: !refuseRerun(row, now),
    },
    rules: row.rules,
    rulesLanguage: row.rulesLanguage,
    rulesTranslations: row.rulesTranslations ?? {},
    rulesGenerated: row.rulesGenerated,
    rulesVersion: row.rulesVersion,
    imageIds: extra.imageIds,
    cancelReason: state.cancelReason,
    closedAt: row.closedAt?.toISOString() ?? null,
    finalPrice: state.finalPrice,
    winnerBidderCode: state.winnerBidderCode,
    award: state.award,
    suspendedAt: state.suspendedAt,
    suspensionReason: state.suspensionReason,
    rerunOf: state.rerunOf,
    rerunAs: state.rerunAs,
    serverTime: now.toISOString(),
  };
}

/** Loads the bidder codes and image ids that the public view of these rows needs, in two queries. */
export async function publicLots(db: Db, rows: LotRow[], now: Date): Promise<PublicLot[]> {
  if (rows.length === 0) return [];
  const regIds = [
    ...new Set(
      rows
        .flatMap((r) => [r.leaderRegistrationId, r.winnerRegistrationId, r.awardRegistrationId])
        .filter((x): x is number => x !== null),
    ),
  ];
  const codes = new Map<number, string>();
  if (regIds.length) {
    const regs = await db
      .select({ id: registrations.id, code: registrations.bidderCode })
      .from(registrations)
      .where(inArray(registrations.id, regIds));
    for (const r of regs) codes.set(r.id, r.code);
  }
  const images = await db
    .select({ id: lotImages.id, lotId: lotImages.lotId })
    .from(lotImages)
    .where(
      inArray(
        lotImages.lotId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(lotImages.position), asc(lotImages.id));
  const imageIds = new Map<number, number[]>();
  for (const i of images) (imageIds.get(i.lotId) ?? imageIds.set(i.lotId, []).get(i.lotId)!).push(i.id);
  return rows.map((row) =>
    toPublicLot(
      row,
      {
        leaderCode: row.leaderRegistrationId === null ? null : (codes.get(row.leaderRegistrationId) ?? null),
        winnerCode: row.winnerRegistrationId === null ? null : (codes.get(row.winnerRegistrationId) ?? null),
        awardCode: row.awardRegistrationId === null ? null : (codes.get(row.awardRegistrationId) ?? null),
        imageIds: imageIds.get(row.id) ?? [],
      },
      now,
    ),
  );
}

/**
 * The public view of one lot, or undefined when there is no such lot or it is still a draft (drafts
 * are visible only to managers, through GET /api/lots/:id with their credentials).
 */
export async function getPublicLot(
  ctx: AppContext,
  lotId: number,
  options: { includeDraft?: boolean } = {},
): Promise<PublicLot | undefined> {
  if (!isRowId(lotId)) return undefined;
  const [row] = await ctx.db.select().from(lots).where(eq(lots.id, lotId)).limit(1);
  if (!row || (row.status === 'draft' && !options.includeDraft)) return undefined;
  const [lot] = await publicLots(ctx.db, [row], ctx.clock.now());
  return lot;
}

/** Raw lot row by id (for services that need the manager and the standing state). */
export async function getLotRow(db: Db, lotId: number): Promise<LotRow | undefined> {
  if (!isRowId(lotId)) return undefined;
  const [row] = await db.select().from(lots).where(eq(lots.id, lotId)).limit(1);
  return row;
}
