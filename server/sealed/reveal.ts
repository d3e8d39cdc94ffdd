// The reveal of a sealed lot's bids at its end (issue 16; DESIGN.md §8). Called by closeLot
// (server/auctions/closing.ts) inside the close's transaction, under the lot row's lock, so it
// happens exactly once: the revealed bids get their ledger seq and the lot closes (or opens a tie
// round) in the same commit, and a crash before the commit leaves everything to the next close.
// The round's live bids are opened and appended to the public ledger in submission order, each with
// its commitment and salt, through the one ledger writer (writeBatch) and the one entry hash; the
// standing bid is the rules' sealedOutcome under the lot's tie-break. A tie under the `round` policy
// opens a tie round instead of closing: the tied bidders bid again, sealed, until the new end.
import type { Tx } from '../../db/client.ts';
import type { AppContext } from '../context.ts';
import { appendAudit, type AuditInput } from '../audit/audit-log.ts';
import { bidderCodeOf } from '../auctions/lot-service.ts';
import { lotChange } from '../auctions/public-lot.ts';
import {
  commitmentHolds,
  sealedOutcome,
  standingOf,
  tieBreakAt,
  type LotRow,
  type Standing,
} from '../auctions/rules/index.ts';
import type { NewEntry } from '../bidding/batch-ledger.ts';
import { writeBatch } from '../bidding/batch-store.ts';
import type { LotChange, PublicEntry } from '../shared/events.ts';
import { ledgerEntryHash } from '../shared/hash-chain.ts';
import { openContent, openLotKey, sealedBidKey } from './keys.ts';
import { bidsToReveal, markRevealed, openTieRound } from './store.ts';

export interface Reveal {
  /** The lot row with its standing after the reveal: the close goes on with it. */
  lot: LotRow;
  /** True when a tie round opened instead: the lot stays open and nothing closes now. */
  tieRound: boolean;
  /** Publishes the revealed entries and the lot's events; call once the transaction committed. */
  publish(): void;
}

interface Opened {
  id: number;
  registrationId: number;
  bidderCode: string;
  amount: number;
  salt: string;
  commitment: string;
  submittedAt: Date;
  /** An organisation's bid: which of its representatives submitted it. */
  actorNo: number | null;
}

/** Reveals the lot's current round (see the module header). `now` is the close's time. */
export async function revealSealedBids(tx: Tx, ctx: AppContext, lot: LotRow, now: Date): Promise<Reveal> {
  const round = lot.round;
  const opened = await openRound(tx, ctx, lot);
  const s: Standing = standingOf(lot, null);
  const entries: NewEntry[] = [];
  const published: PublicEntry[] = [];
  for (const b of opened) {
    // Submission order is time order; the ledger's times never go backwards all the same.
    const placedAt = s.lastPlacedAt && s.lastPlacedAt > b.submittedAt ? s.lastPlacedAt : b.submittedAt;
    const fields = {
      lotId: lot.id,
      seq: s.seq + 1,
      kind: 'bid' as const,
      amount: b.amount,
      bidderCode: b.bidderCode,
      placedAt: placedAt.toISOString(),
      withdrawsSeq: null,
      commitment: b.commitment,
      salt: b.salt,
      actorNo: b.actorNo,
    };
    const hash = ledgerEntryHash(s.lastHash, fields);
    entries.push({
      ...fields,
      registrationId: b.registrationId,
      placedAt,
      idempotencyKey: null,
      prevHash: s.lastHash,
      hash,
    });
    published.push({
      lotId: lot.id,
      seq: fields.seq,
      kind: 'bid',
      amount: b.amount,
      bidderCode: b.bidderCode,
      placedAt: fields.placedAt,
      commitment: b.commitment,
      salt: b.salt,
      ...(b.actorNo ? { actorNo: b.actorNo } : {}),
    });
    s.seq = fields.seq;
    s.lastHash = hash;
    s.lastPlacedAt = placedAt;
    s.bidCount++;
  }
  const outcome = sealedOutcome(opened, tieBreakAt(lot.tieBreak ?? 'earliest', round));
  if (outcome.kind === 'winner') {
    s.currentPrice = outcome.winner.amount;
    s.leaderRegistrationId = outcome.winner.registrationId;
  } else if (outcome.kind === 'tie_round') {
    // Until the tie round decides, the earliest of the tied stands (it wins if no one bids again).
    s.currentPrice = outcome.amount;
    s.leaderRegistrationId = outcome.tied[0].registrationId;
    s.endsAt = new Date(now.getTime() + ctx.config.sealedTieRoundSeconds * 1000);
  }
  const audits: AuditInput[] = [
    {
      actorPid: null,
      action: 'sealed.revealed',
      lotId: lot.id,
      at: now,
      data: {
        round,
        count: opened.length,
        commitments: opened.map((b) => b.commitment),
        seq: s.seq,
        lastHash: s.lastHash,
      },
    },
  ];
  if (outcome.kind === 'tie_round')
    audits.push({
      actorPid: null,
      action: 'sealed.tie_round',
      lotId: lot.id,
      at: now,
      data: {
        round: round + 1,
        bidderCodes: outcome.tied.map((b) => b.bidderCode),
        amount: outcome.amount,
        endsAt: s.endsAt.toISOString(),
      },
    });
  // Nothing revealed leaves the lot row as it was (an empty ledger keeps its null last hash).
  if (entries.length) await writeBatch(tx, lot.id, { standing: s, entries, barred: [], audits, actors: [] });
  else for (const audit of audits) await appendAudit(tx, audit);
  await markRevealed(
    tx,
    opened.map((b, i) => ({ id: b.id, seq: entries[i].seq })),
  );
  if (outcome.kind === 'tie_round') await openTieRound(tx, lot.id, round + 1);
  const after: LotRow = {
    ...lot,
    seq: s.seq,
    bidCount: s.bidCount,
    currentPrice: s.currentPrice,
    leaderRegistrationId: s.leaderRegistrationId,
    lastHash: s.seq === 0 ? lot.lastHash : s.lastHash,
    endsAt: s.endsAt,
    ...(outcome.kind === 'tie_round' ? { round: round + 1, status: 'live' as const } : {}),
  };
  const leaderCode =
    opened.find((b) => b.registrationId === s.leaderRegistrationId)?.bidderCode ??
    (await bidderCodeOf(tx, s.leaderRegistrationId));
  const changes: LotChange[] = [lotChange(after, 'revealed', { leaderCode, winnerCode: null }, now)];
  if (outcome.kind === 'tie_round') changes.push(lotChange(after, 'tie_round', { leaderCode, winnerCode: null }, now));
  return {
    lot: after,
    tieRound: outcome.kind === 'tie_round',
    publish() {
      if (published.length) ctx.events.publish('entries', { lotId: lot.id, entries: published });
      for (const change of changes) ctx.events.publish('lot', change);
    },
  };
}

/** The round's live bids, opened under the lot's key and checked against their commitments. */
async function openRound(tx: Tx, ctx: AppContext, lot: LotRow): Promise<Opened[]> {
  const rows = await bidsToReveal(tx, lot.id, lot.round);
  if (rows.length === 0) return [];
  if (!lot.sealedKey) throw new Error(`lot ${lot.id}: sealed bids but no sealed key`);
  const lotKey = await openLotKey(sealedBidKey(ctx.config), lot.id, lot.sealedKey);
  const opened: Opened[] = [];
  for (const r of rows) {
    const { amount, salt } = await openContent(
      lotKey,
      { lotId: r.lotId, registrationId: r.registrationId, round: r.round },
      r.sealed,
    );
    // A sealed bid that does not match its receipt's commitment must never be revealed as if it did.
    if (!commitmentHolds(r.commitment, salt, amount))
      throw new Error(`lot ${lot.id}: sealed bid ${r.id} does not match its commitment`);
    opened.push({ ...r, amount, salt });
  }
  return opened;
}
