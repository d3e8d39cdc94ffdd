// The in-memory side of one group commit: the lot's standing state as read, the ledger entries the
// batch appends (gap-free seq, hash-chained, times that never go backwards), the answers and the
// events to publish after the commit. Both ways of committing a batch (bid-batch.ts) evaluate bids
// here, so the auction rules and the chain are computed in exactly one place.
import type { ledgerEntries } from '../../db/schema.ts';
import type { LotRow } from '../auctions/public-lot.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import type { LotChange, PersonalEvent, PublicEntry } from '../shared/events.ts';
import { GENESIS_HASH, ledgerEntryHash } from '../shared/hash-chain.ts';
import { extendedEnd, refuseBid, type Bidder, type Standing } from '../auctions/rules/index.ts';
import type { BidAck } from './types.ts';
import type { WithdrawAck } from './bid-schemas.ts';
import type { Person } from '../identity/person.ts';
import type { BatchBidders } from './batch-reads.ts';

export type { WithdrawAck } from './bid-schemas.ts';

export type BatchItem =
  | { kind: 'bid'; person: Person; amount: number; idempotencyKey?: string; receivedAt: Date }
  | { kind: 'withdraw'; person: Person; seq: number; receivedAt: Date };

export type BidItem = Extract<BatchItem, { kind: 'bid' }>;

export interface BatchOutcome {
  /** How the batch was committed (see bid-batch.ts). */
  committed?: 'optimistic' | 'locked';
  results: Result<BidAck | WithdrawAck>[];
  entries: PublicEntry[];
  personal: { pid: string; event: PersonalEvent }[];
  lotChanges: LotChange[];
}

export type NewEntry = typeof ledgerEntries.$inferInsert;
/** First answers of earlier requests, keyed by `${registrationId}\n${idempotencyKey}`. */
export type Replays = Map<string, { amount: number; ack: BidAck }>;

export class BatchLedger {
  readonly lotId: number;
  readonly lot: LotRow;
  readonly standing: Standing;
  readonly outcome: BatchOutcome = { results: [], entries: [], personal: [], lotChanges: [] };
  /** The end before the first soft-close extension of this batch, if any. */
  extendedFrom: Date | null = null;
  private pending: NewEntry[] = [];

  constructor(lot: LotRow, lastPlacedAt: Date | null) {
    this.lotId = lot.id;
    this.lot = lot;
    this.standing = {
      seq: lot.seq,
      bidCount: lot.bidCount,
      currentPrice: lot.currentPrice,
      leaderRegistrationId: lot.leaderRegistrationId,
      lastHash: lot.lastHash ?? GENESIS_HASH,
      endsAt: lot.endsAt,
      lastPlacedAt,
    };
  }

  /** Whether the batch appended anything. */
  get changed(): boolean {
    return this.standing.seq !== this.lot.seq;
  }

  /** Entries appended since the last call, to be written. */
  takePending(): NewEntry[] {
    const rows = this.pending;
    this.pending = [];
    return rows;
  }

  append(e: Omit<NewEntry, 'lotId' | 'seq' | 'prevHash' | 'hash' | 'placedAt'>, receivedAt: Date): NewEntry {
    const s = this.standing;
    const lotId = this.lotId;
    // Recorded times never go backwards along the ledger, even across processes' clocks.
    const placedAt = s.lastPlacedAt && s.lastPlacedAt > receivedAt ? s.lastPlacedAt : receivedAt;
    const seq = s.seq + 1;
    const fields = {
      lotId,
      seq,
      kind: e.kind,
      amount: e.amount,
      bidderCode: e.bidderCode,
      placedAt: placedAt.toISOString(),
      withdrawsSeq: e.withdrawsSeq ?? null,
    };
    const hash = ledgerEntryHash(s.lastHash, fields);
    const row: NewEntry = { ...e, lotId, seq, placedAt, prevHash: s.lastHash, hash };
    this.pending.push(row);
    this.outcome.entries.push({
      lotId,
      seq,
      kind: e.kind,
      amount: e.amount,
      bidderCode: e.bidderCode,
      placedAt: fields.placedAt,
      ...(e.withdrawsSeq ? { withdrawsSeq: e.withdrawsSeq } : {}),
    });
    s.seq = seq;
    s.lastHash = hash;
    s.lastPlacedAt = placedAt;
    return row;
  }

  /**
   * Evaluates one bid against the standing state and appends it if acceptable (or answers a replayed
   * Idempotency-Key); an accepted bid that outbids someone queues an `outbid` event for them.
   */
  async placeBid(item: BidItem, bidders: BatchBidders): Promise<void> {
    const previousLeader = this.evaluateBid(item, bidders.byPid.get(item.person.pid), bidders.replays);
    if (previousLeader === null) return;
    const seq = this.standing.seq;
    const pid = (await bidders.byId(previousLeader))?.pid;
    if (pid)
      this.outcome.personal.push({ pid, event: { type: 'outbid', lotId: this.lotId, seq, amount: item.amount } });
  }

  /** The rules for one bid; returns the registration id of the bidder it outbid, if any. */
  private evaluateBid(item: BidItem, bidder: Bidder | undefined, replays: Replays): number | null {
    const out = this.outcome;
    const s = this.standing;
    const replayKey = bidder && item.idempotencyKey ? `${bidder.id}\n${item.idempotencyKey}` : undefined;
    const replay = replayKey ? replays.get(replayKey) : undefined;
    if (replay) {
      out.results.push(replay.amount === item.amount ? ok(replay.ack) : refuse('idempotency_conflict'));
      return null;
    }
    const refusal = refuseBid(this.lot, s, bidder, item.person.pid, item.amount, item.receivedAt);
    if (refusal || !bidder) {
      out.results.push(refusal ?? refuse('not_registered'));
      return null;
    }
    const previousLeader = s.leaderRegistrationId;
    const row = this.append(
      {
        kind: 'bid',
        registrationId: bidder.id,
        bidderCode: bidder.bidderCode,
        amount: item.amount,
        idempotencyKey: item.idempotencyKey ?? null,
        withdrawsSeq: null,
      },
      item.receivedAt,
    );
    s.currentPrice = item.amount;
    s.leaderRegistrationId = bidder.id;
    s.bidCount++;
    const ends = extendedEnd(this.lot, s.endsAt, item.receivedAt);
    if (ends.getTime() !== s.endsAt.getTime()) {
      this.extendedFrom ??= s.endsAt;
      s.endsAt = ends;
    }
    const ack: BidAck = {
      seq: row.seq,
      amount: item.amount,
      bidderCode: bidder.bidderCode,
      placedAt: row.placedAt.toISOString(),
    };
    if (replayKey) replays.set(replayKey, { amount: item.amount, ack });
    out.results.push(ok(ack));
    return previousLeader;
  }
}

/** The answer to every item of a batch for a lot that does not exist (or is a draft). */
export function notFound(items: BatchItem[]): BatchOutcome {
  return { results: items.map(() => refuse('lot_not_found')), entries: [], personal: [], lotChanges: [] };
}
