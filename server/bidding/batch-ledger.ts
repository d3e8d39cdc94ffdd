// The in-memory side of one group commit, between its read and its write (batch-store.ts): the
// batch's bids and withdrawals are evaluated in arrival order by the auction's rules
// (server/auctions/rules/) against the standing state left by the items before them, and turn into
// what to write (the ledger entries, gap-free and hash-chained, with times that never go backwards;
// the lot's new standing state; bars and audit events) and what to answer and publish after the
// commit. Both ways of committing (bid-batch.ts) call evaluateBatch; it does no I/O.
import type { ledgerEntries, registrationActors } from '../../db/schema.ts';
import { actingAuthority } from '../organisations/bidders.ts';
import { actorFacts } from '../audit/chained-facts.ts';
import { keyOf } from '../privacy/personal-data.ts';
import type { AuditInput } from '../audit/audit-log.ts';
import { lotChange } from '../auctions/public-lot.ts';
import {
  effectiveStatus,
  endAfterBid,
  refuseBidByMethod,
  refuseWithdrawal,
  standingAfterWithdrawal,
  standingOf,
  type Bidder,
  type LedgerBid,
  type LotRow,
  type Period,
  type Standing,
} from '../auctions/rules/index.ts';
import type { Person } from '../identity/person.ts';
import { ok, refuse, type Failure, type Result } from '../shared/errors.ts';
import type { LotChange, LotChangeReason, PersonalEvent, PublicEntry } from '../shared/events.ts';
import { ledgerEntryHash } from '../shared/hash-chain.ts';
import type { BidAck } from './types.ts';
import type { WithdrawAck } from './bid-schemas.ts';

export type { WithdrawAck } from './bid-schemas.ts';

/** `onBehalfOf`: the organisation (its e-ID identifier) whose registration the person acts for (issue 19). */
export type BatchItem =
  | { kind: 'bid'; person: Person; amount: number; idempotencyKey?: string; onBehalfOf?: string; receivedAt: Date }
  | { kind: 'withdraw'; person: Person; seq: number; onBehalfOf?: string; receivedAt: Date };

/** The answers to a batch's items, in order, and the events to publish once it is committed. */
export interface BatchOutcome {
  results: Result<BidAck | WithdrawAck>[];
  entries: PublicEntry[];
  personal: { pid: string; event: PersonalEvent }[];
  lotChanges: LotChange[];
  /** Registered bidders who bid within the bidding window, and when: attendance (server/attendance). */
  present: { pid: string; at: Date }[];
}

export type NewEntry = typeof ledgerEntries.$inferInsert;
/** First answers of earlier requests, keyed by `${registrationId}\n${idempotencyKey}`. */
export type Replays = Map<string, { amount: number; ack: BidAck }>;

/** What a batch reads (batch-store.ts readBatch) under the lot-row lock. */
export interface BatchRead {
  lot: LotRow;
  /** The time of the lot's last ledger entry. */
  lastPlacedAt: Date | null;
  /** The batch's bidders, the standing leader and the bidders of `latestBids`, by registration id. */
  bidders: Map<number, Bidder>;
  replays: Replays;
  /** For withdrawals: the entries they name, by seq, and the latest bid of each of the lot's bidders. */
  targets: Map<number, LedgerBid>;
  latestBids: LedgerBid[];
  /** For a lot with extension rounds, once past its official end: the bids of the period before the batch's. */
  roundBids: RoundBid[];
  /** Organisations' registrations of the batch: who has acted for each, by registration id, then pid → actor no. */
  actors: Map<number, Map<string, number>>;
}

/** A person acting for an organisation's registration for the first time (issue 19). */
export type NewActor = typeof registrationActors.$inferInsert;

/** A bid by when it was placed: who may bid in an extension round depends on it. */
export interface RoundBid {
  registrationId: number;
  placedAt: Date;
}

/** What a batch writes (batch-store.ts writeBatch), all at once and only if it appended anything. */
export interface BatchWrite {
  standing: Standing;
  entries: NewEntry[];
  /** Registrations barred by a withdrawal (deposit forfeited), and when. */
  barred: { registrationId: number; at: Date }[];
  /** People acting for an organisation's registration for the first time (written before the entries naming them). */
  actors: NewActor[];
  /** Audit events, in order (they are appended under the audit chain's lock, in a transaction). */
  audits: AuditInput[];
}

/** Evaluates a batch against what was read: what to write (undefined when nothing), and the outcome. */
export function evaluateBatch(
  read: BatchRead,
  items: BatchItem[],
): { write: BatchWrite | undefined; outcome: BatchOutcome } {
  const ledger = new BatchLedger(read);
  for (const item of items) {
    if (item.kind === 'bid') ledger.bid(item);
    else ledger.withdraw(item);
  }
  return ledger.finish();
}

/** The answer to every item of a batch for a lot that does not exist (or is a draft). */
export function notFound(items: BatchItem[]): BatchOutcome {
  return { results: items.map(() => refuse('lot_not_found')), entries: [], personal: [], lotChanges: [], present: [] };
}

class BatchLedger {
  private readonly read: BatchRead;
  private readonly lot: LotRow;
  private readonly standing: Standing;
  /** People's own registrations by pid, and organisations' by their identifier. */
  private readonly byPid: Map<string, Bidder>;
  private readonly byOrganisation: Map<string, Bidder>;
  private readonly outcome: BatchOutcome = { results: [], entries: [], personal: [], lotChanges: [], present: [] };
  private readonly write: BatchWrite;
  /** The batch's own bids, for a withdrawal of one of them and the standing bid after it. */
  private readonly ownBids: LedgerBid[] = [];
  /** The end before the first soft-close extension of this batch, if any. */
  private extendedFrom: Date | null = null;
  /** The bids that decide who may bid in an extension round: those read, then the batch's own. */
  private readonly roundBids: RoundBid[];

  constructor(read: BatchRead) {
    const { lot } = read;
    this.read = read;
    this.lot = lot;
    this.standing = standingOf(lot, read.lastPlacedAt);
    const bidders = [...read.bidders.values()];
    this.byPid = new Map(bidders.filter((b) => !b.seat).map((b) => [b.pid, b]));
    this.byOrganisation = new Map(bidders.flatMap((b) => (b.seat ? [[b.seat.organisation, b]] : [])));
    this.roundBids = [...read.roundBids];
    this.write = { standing: this.standing, entries: [], barred: [], audits: [], actors: [] };
  }

  /**
   * The registration an item acts for: the person's own, or the organisation's it names, with the
   * person's authority to act for it (issue 19). A person who may not act for that organisation's
   * registration is refused; one who is not registered gets undefined (the rules refuse them).
   */
  private seatOf(item: BatchItem): { bidder?: Bidder; refusal?: Failure } {
    if (item.onBehalfOf === undefined) return { bidder: this.byPid.get(item.person.pid) };
    const bidder = this.byOrganisation.get(item.onBehalfOf);
    if (!bidder?.seat) return {};
    if (!actingAuthority(item.person, { pid: bidder.pid, ...bidder.seat }))
      return { refusal: refuse('not_representative', { organisation: item.onBehalfOf }) };
    return { bidder };
  }

  /**
   * The acting person's number within an organisation's registration, numbered at their first act
   * (the binding chained in the audit log); null for a person's own registration.
   */
  private actorNo(bidder: Bidder, person: Person, at: Date): number | null {
    if (!bidder.seat) return null;
    let actors = this.read.actors.get(bidder.id);
    if (!actors) this.read.actors.set(bidder.id, (actors = new Map()));
    const known = actors.get(person.pid);
    if (known !== undefined) return known;
    const authority = actingAuthority(person, { pid: bidder.pid, ...bidder.seat });
    if (!authority) throw new Error(`registration ${bidder.id}: an actor without authority`);
    const actorNo = Math.max(0, ...actors.values()) + 1;
    actors.set(person.pid, actorNo);
    this.write.actors.push({ registrationId: bidder.id, actorNo, pid: person.pid, ...authority, firstActedAt: at });
    this.write.audits.push({
      actorPid: person.pid,
      action: 'registration.actor_added',
      lotId: this.lot.id,
      subject: String(bidder.id),
      at,
      data: actorFacts({ bidderCode: bidder.bidderCode, actorNo, personHash: keyOf(person.pid), ...authority }),
    });
    return actorNo;
  }

  /**
   * One bid: answered from a replayed Idempotency-Key, refused by the rules, or appended (then the
   * bidder it outbid, if any, gets an `outbid` event, and a soft-close lot may be extended).
   */
  bid(item: Extract<BatchItem, { kind: 'bid' }>): void {
    const { outcome: out, standing: s } = this;
    const seat = this.seatOf(item);
    if (seat.refusal) {
      out.results.push(seat.refusal);
      return;
    }
    const bidder = seat.bidder;
    // A bid in the window, accepted or not, is attendance; judged by the times of the rules' read.
    const at = item.receivedAt.getTime();
    if (bidder && this.lot.startsAt.getTime() <= at && at < s.endsAt.getTime())
      out.present.push({ pid: bidder.pid, at: item.receivedAt });
    const replayKey = bidder && item.idempotencyKey ? `${bidder.id}\n${item.idempotencyKey}` : undefined;
    const replay = replayKey ? this.read.replays.get(replayKey) : undefined;
    if (replay) {
      out.results.push(replay.amount === item.amount ? ok(replay.ack) : refuse('idempotency_conflict'));
      return;
    }
    const refusal = refuseBidByMethod(this.lot, s, bidder, item.person.pid, item.amount, item.receivedAt, (p) =>
      this.biddersIn(p),
    );
    if (refusal || !bidder) {
      out.results.push(refusal ?? refuse('not_registered'));
      return;
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
        actorNo: this.actorNo(bidder, item.person, item.receivedAt),
      },
      item.receivedAt,
    );
    this.ownBids.push({ seq: row.seq, kind: 'bid', registrationId: bidder.id, amount: item.amount });
    this.roundBids.push({ registrationId: bidder.id, placedAt: row.placedAt });
    s.currentPrice = item.amount;
    s.leaderRegistrationId = bidder.id;
    s.bidCount++;
    const after = endAfterBid(this.lot, s.endsAt, row.placedAt);
    if (this.lot.method === 'descending') {
      // The acceptance wins: bidding ends at this moment, and the scheduler closes the lot at once.
      s.endsAt = after.endsAt;
      this.write.audits.push({
        actorPid: null,
        action: 'lot.accepted',
        lotId: this.lot.id,
        at: row.placedAt,
        data: { seq: row.seq, price: item.amount, bidderCode: bidder.bidderCode },
      });
      this.lotChange('accepted', row.placedAt);
    } else if (after.opened) {
      s.endsAt = after.endsAt;
      this.write.audits.push({
        actorPid: null,
        action: 'lot.round_opened',
        lotId: this.lot.id,
        at: row.placedAt,
        data: {
          round: after.opened.round,
          startsAt: after.opened.startsAt.toISOString(),
          endsAt: after.opened.endsAt.toISOString(),
          seq: row.seq,
        },
      });
      // Watchers learn the new end now; the round's start is its own event (the scheduler's).
      this.lotChange('extended', row.placedAt);
    } else if (after.endsAt.getTime() !== s.endsAt.getTime()) {
      this.extendedFrom ??= s.endsAt;
      s.endsAt = after.endsAt;
    }
    const ack: BidAck = {
      seq: row.seq,
      amount: item.amount,
      bidderCode: bidder.bidderCode,
      placedAt: row.placedAt.toISOString(),
    };
    if (replayKey) this.read.replays.set(replayKey, { amount: item.amount, ack });
    out.results.push(ok(ack));
    const outbid = previousLeader === null ? undefined : this.read.bidders.get(previousLeader);
    if (outbid)
      out.personal.push({
        pid: outbid.pid,
        event: { type: 'outbid', lotId: this.lot.id, seq: row.seq, amount: item.amount },
      });
  }

  /**
   * One withdrawal of the person's own standing highest bid: refused by the rules, or appended; the
   * bidder is barred and the price returns to the latest bid still standing.
   */
  withdraw(item: Extract<BatchItem, { kind: 'withdraw' }>): void {
    const { outcome: out, standing: s } = this;
    const seat = this.seatOf(item);
    if (seat.refusal) {
      out.results.push(seat.refusal);
      return;
    }
    const bidder = seat.bidder;
    const target = this.read.targets.get(item.seq) ?? this.ownBids.find((b) => b.seq === item.seq);
    const refusal = refuseWithdrawal(this.lot, s, bidder, item.seq, target, item.receivedAt);
    if (refusal || !bidder || !target) {
      out.results.push(refusal ?? refuse('withdraw_not_own'));
      return;
    }
    const row = this.append(
      {
        kind: 'withdrawal',
        registrationId: bidder.id,
        bidderCode: bidder.bidderCode,
        amount: target.amount,
        withdrawsSeq: target.seq,
        idempotencyKey: null,
        actorNo: this.actorNo(bidder, item.person, item.receivedAt),
      },
      item.receivedAt,
    );
    bidder.status = 'barred';
    this.write.barred.push({ registrationId: bidder.id, at: item.receivedAt });
    const bidders = this.read.bidders;
    const standing = standingAfterWithdrawal(
      [...this.read.latestBids, ...this.ownBids],
      (id) => bidders.get(id)?.status === 'barred',
    );
    s.currentPrice = standing?.amount ?? null;
    s.leaderRegistrationId = standing?.registrationId ?? null;
    this.write.audits.push({
      actorPid: item.person.pid,
      action: 'bid.withdrawn',
      lotId: this.lot.id,
      subject: String(bidder.id),
      at: item.receivedAt,
      data: {
        seq: row.seq,
        withdrawsSeq: target.seq,
        amount: target.amount,
        bidderCode: bidder.bidderCode,
        depositState: 'forfeited',
        currentPrice: s.currentPrice,
      },
    });
    out.results.push(
      ok({
        seq: row.seq,
        withdrawsSeq: target.seq,
        amount: target.amount,
        bidderCode: bidder.bidderCode,
        placedAt: row.placedAt.toISOString(),
        currentPrice: s.currentPrice,
      }),
    );
    // Watchers get the new standing state from here: the one rule, never worked out by a page.
    this.lotChange('withdrawal', item.receivedAt);
  }

  /** The batch's write (with the soft-close extension audited), and its outcome. */
  finish(): { write: BatchWrite | undefined; outcome: BatchOutcome } {
    const s = this.standing;
    if (s.seq === this.lot.seq) return { write: undefined, outcome: this.outcome };
    if (this.extendedFrom && s.lastPlacedAt) {
      this.write.audits.push({
        actorPid: null,
        action: 'lot.extended',
        lotId: this.lot.id,
        at: s.lastPlacedAt,
        data: { from: this.extendedFrom.toISOString(), to: s.endsAt.toISOString(), seq: s.seq },
      });
      this.lotChange('extended', s.lastPlacedAt);
    }
    return { write: this.write, outcome: this.outcome };
  }

  /** The registrations with a bid placed in a period (an extension round's bidders are those of the period before). */
  private biddersIn(p: Period): ReadonlySet<number> {
    const from = p.startsAt.getTime();
    const to = p.endsAt.getTime();
    return new Set(
      this.roundBids
        .filter((b) => b.placedAt.getTime() >= from && b.placedAt.getTime() < to)
        .map((b) => b.registrationId),
    );
  }

  private lotChange(reason: LotChangeReason, at: Date): void {
    const s = this.standing;
    const leader = s.leaderRegistrationId === null ? undefined : this.read.bidders.get(s.leaderRegistrationId);
    this.outcome.lotChanges.push(
      lotChange(
        {
          ...this.lot,
          status: effectiveStatus(this.lot, at),
          currentPrice: s.currentPrice,
          leaderRegistrationId: s.leaderRegistrationId,
          seq: s.seq,
          endsAt: s.endsAt,
        },
        reason,
        { leaderCode: leader?.bidderCode ?? null, winnerCode: null },
        at,
      ),
    );
  }

  private append(e: Omit<NewEntry, 'lotId' | 'seq' | 'prevHash' | 'hash' | 'placedAt'>, receivedAt: Date): NewEntry {
    const s = this.standing;
    const lotId = this.lot.id;
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
      actorNo: e.actorNo ?? null,
    };
    const hash = ledgerEntryHash(s.lastHash, fields);
    const row: NewEntry = { ...e, lotId, seq, placedAt, prevHash: s.lastHash, hash };
    this.write.entries.push(row);
    this.outcome.entries.push({
      lotId,
      seq,
      kind: e.kind,
      amount: e.amount,
      bidderCode: e.bidderCode,
      placedAt: fields.placedAt,
      ...(e.withdrawsSeq ? { withdrawsSeq: e.withdrawsSeq } : {}),
      ...(e.actorNo ? { actorNo: e.actorNo } : {}),
    });
    s.seq = seq;
    s.lastHash = hash;
    s.lastPlacedAt = placedAt;
    return row;
  }
}
