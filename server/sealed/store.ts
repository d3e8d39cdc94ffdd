// The queries of the sealed method, all run inside a transaction that holds the lot row's lock
// (lockLot): the bidder's registration, their live sealed bid of a round, the tie round's tied bidders
// (from the previous round's revealed entries, no decryption), and the round's bids to reveal.
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { bidderOrganisations, ledgerEntries, lots, registrations, sealedBids } from '../../db/schema.ts';
import type { Bidder, LotRow, TieRound } from '../auctions/rules/index.ts';
import type { Person } from '../identity/person.ts';
import { actingAuthority } from '../organisations/bidders.ts';
import { refuse, type Failure } from '../shared/errors.ts';

type Query = Db | Tx;

export type SealedBidRow = typeof sealedBids.$inferSelect;

/**
 * The registration a sealed bid acts for: the person's own, or the organisation's it names (issue 19)
 * with the person's authority to act for it; none when there is no such registration.
 */
export async function registrationOf(
  q: Query,
  lotId: number,
  person: Person,
  onBehalfOf?: string,
): Promise<{ bidder?: Bidder; refusal?: Failure }> {
  const [row] = await q
    .select({
      id: registrations.id,
      pid: registrations.pid,
      bidderCode: registrations.bidderCode,
      status: registrations.status,
      organisation: bidderOrganisations.identifier,
      actingRole: registrations.actingRole,
      authority: registrations.authority,
    })
    .from(registrations)
    .leftJoin(bidderOrganisations, eq(bidderOrganisations.id, registrations.bidderOrganisationId))
    .where(
      and(
        eq(registrations.lotId, lotId),
        onBehalfOf === undefined
          ? and(eq(registrations.pid, person.pid), isNull(registrations.bidderOrganisationId))
          : eq(bidderOrganisations.identifier, onBehalfOf),
      ),
    );
  if (!row) return {};
  const { organisation, actingRole, authority, ...bidder } = row;
  if (organisation === null || !actingRole || !authority) return { bidder };
  const seat = { organisation, actingRole, authority };
  if (!actingAuthority(person, { pid: row.pid, ...seat }))
    return { refusal: refuse('not_representative', { organisation }) };
  return { bidder: { ...bidder, seat } };
}

/** The registration's live (not replaced) sealed bid of a round. */
export async function liveBid(
  q: Query,
  lotId: number,
  registrationId: number,
  round: number,
): Promise<SealedBidRow | undefined> {
  const [row] = await q
    .select()
    .from(sealedBids)
    .where(
      and(
        eq(sealedBids.lotId, lotId),
        eq(sealedBids.registrationId, registrationId),
        eq(sealedBids.round, round),
        isNull(sealedBids.replacedAt),
      ),
    );
  return row;
}

/** The registration's live sealed bids of every round, oldest round first. */
export async function liveBidsOf(q: Query, lotId: number, registrationId: number): Promise<SealedBidRow[]> {
  return q
    .select()
    .from(sealedBids)
    .where(
      and(eq(sealedBids.lotId, lotId), eq(sealedBids.registrationId, registrationId), isNull(sealedBids.replacedAt)),
    )
    .orderBy(asc(sealedBids.round));
}

/** The live bids of a round not yet revealed, in submission order (the ledger's order at the reveal). */
export async function bidsToReveal(q: Query, lotId: number, round: number): Promise<SealedBidRow[]> {
  return q
    .select()
    .from(sealedBids)
    .where(
      and(
        eq(sealedBids.lotId, lotId),
        eq(sealedBids.round, round),
        isNull(sealedBids.replacedAt),
        isNull(sealedBids.revealedSeq),
      ),
    )
    .orderBy(asc(sealedBids.submittedAt), asc(sealedBids.id));
}

/**
 * The tie round in progress (the lot's round > 0): the bidders tied at the top of the previous round's
 * revealed bids and that amount; the round opened SEALED_TIE_ROUND_SECONDS before the lot's end.
 */
export async function tieRoundOf(
  q: Query,
  lot: Pick<LotRow, 'id' | 'round' | 'endsAt'>,
  tieSeconds: number,
): Promise<TieRound | null> {
  if (lot.round === 0) return null;
  const revealed = await q
    .select({ registrationId: sealedBids.registrationId, amount: ledgerEntries.amount })
    .from(sealedBids)
    .innerJoin(
      ledgerEntries,
      and(eq(ledgerEntries.lotId, sealedBids.lotId), eq(ledgerEntries.seq, sealedBids.revealedSeq)),
    )
    .where(and(eq(sealedBids.lotId, lot.id), eq(sealedBids.round, lot.round - 1)));
  const amount = Math.max(...revealed.map((r) => r.amount));
  return {
    round: lot.round,
    registrationIds: revealed.filter((r) => r.amount === amount).map((r) => r.registrationId),
    amount,
    startsAt: new Date(lot.endsAt.getTime() - tieSeconds * 1000),
  };
}

/** Stores the lot's wrapped content key (its first sealed bid). */
export async function storeLotKey(q: Query, lotId: number, wrapped: string): Promise<void> {
  await q.update(lots).set({ sealedKey: wrapped }).where(eq(lots.id, lotId));
}

/** Marks a live bid replaced (the lot allows replacing) and inserts its successor. */
export async function insertBid(
  q: Query,
  bid: Omit<typeof sealedBids.$inferInsert, 'id' | 'replacedAt' | 'revealedSeq'>,
  replaces: SealedBidRow | undefined,
): Promise<void> {
  if (replaces) await q.update(sealedBids).set({ replacedAt: bid.submittedAt }).where(eq(sealedBids.id, replaces.id));
  await q.insert(sealedBids).values(bid);
}

/** Records the ledger seq each revealed bid became. */
export async function markRevealed(q: Query, seqs: { id: number; seq: number }[]): Promise<void> {
  for (const { id, seq } of seqs) await q.update(sealedBids).set({ revealedSeq: seq }).where(eq(sealedBids.id, id));
}

/** Opens the next tie round (its end is written with the reveal's standing state). */
export async function openTieRound(q: Query, lotId: number, round: number): Promise<void> {
  // A lot that fell due before a tick ever flipped it live (the platform was down through its bidding
  // time) is live from here: the tie round is bidding time.
  await q.update(lots).set({ round, status: 'live' }).where(eq(lots.id, lotId));
}
