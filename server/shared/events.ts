// The post-commit event bus: domain services publish here only after their transaction committed,
// and the realtime gateway (and anything else) subscribes. Listeners run synchronously in publish
// order, so per-lot seq order is kept; a throwing listener is logged and never reaches the publisher.
import type { Logger } from './log.ts';
import type { PublicEntry } from '../bidding/bid-schemas.ts';
import type { AwardState } from '../../db/schema.ts';

/** A ledger entry as the public sees it (bidder codes only, never personal data); its schema: bidding/bid-schemas.ts. */
export type { PublicEntry } from '../bidding/bid-schemas.ts';

/**
 * A lot's public state at one seq, as the server computes it (auctions/public-lot.ts, lotState): the
 * standing state and the outcome, under the same names as GET /api/lots/:id. Clients show it as it is.
 */
export interface LotState {
  lotId: number;
  status: string;
  endsAt: string;
  currentPrice: number | null;
  highestBidderCode: string | null;
  /** The lowest amount the next bid may be, while bidding is open; otherwise null. */
  minNextBid: number | null;
  /** A descending lot's next price fall while open, else null. */
  nextPriceAt: string | null;
  /** The price a descending lot will ask from nextPriceAt, else null. */
  nextPrice: number | null;
  /** The period: a rounds lot's 0 (official time) or extension round, a sealed lot's 0 or tie round; else null. */
  round: number | null;
  /** Whether a bid would be taken now (the rules' isBiddingOpen), as of the state's time. */
  biddingOpen: boolean;
  /** Whether the lot's end is final (closed, failed or cancelled: the rules' isEnded). */
  ended: boolean;
  seq: number;
  cancelReason: string | null;
  finalPrice: number | null;
  winnerBidderCode: string | null;
  /** The legal outcome after the close (DESIGN.md §8): null until the lot closes with a winner. */
  award: { state: AwardState; bidderCode: string | null; price: number | null; deadline: string | null } | null;
  /** A technical suspension (issue 18): when bidding was stopped, and the reason stated; else null. */
  suspendedAt: string | null;
  suspensionReason: string | null;
  /** Re-runs, linked both ways: the suspended lot this one re-runs, and the lot this one was re-run as. */
  rerunOf: number | null;
  rerunAs: number | null;
}

/** Why a `lot` event was sent: a notice clients show in the person's language (web/lib/i18n `server.notice`). */
export const LOT_CHANGE_REASONS = [
  'published',
  'live',
  'extended',
  'withdrawal',
  'closed',
  'failed',
  'cancelled',
  // The other methods (issue 16).
  'price',
  'accepted',
  'round',
  'revealed',
  'tie_round',
  // After the close (issue 17): the award changed (the winner defaulted).
  'award',
  // A technical suspension stopped bidding (issue 18).
  'suspended',
] as const;
export type LotChangeReason = (typeof LOT_CHANGE_REASONS)[number];

export interface LotChange extends LotState {
  reason: LotChangeReason;
}

/** What became of the person's deposit (a registration's depositState) with a `won` or `lost`. */
export type PersonalEvent =
  | { type: 'outbid'; lotId: number; seq: number; amount: number }
  | { type: 'won'; lotId: number; finalPrice: number; depositState: string }
  | { type: 'lost'; lotId: number; finalPrice: number | null; depositState: string }
  | { type: 'registration'; lotId: number; registrationId: number; status: string; depositState: string };

export interface DomainEventMap {
  /** Committed ledger entries of one lot, consecutive and in seq order. */
  entries: { lotId: number; entries: PublicEntry[] };
  lot: LotChange;
  personal: { pid: string; event: PersonalEvent };
  /**
   * Someone's access changed: a session ended (sign-out) or a person's roles changed. The realtime
   * gateway disconnects that session's (or person's) sockets on every process.
   */
  'access-changed': { kind: 'session'; idHash: string } | { kind: 'person'; pid: string };
}

type Listener<K extends keyof DomainEventMap> = (payload: DomainEventMap[K]) => void;

export class DomainEvents {
  private listeners: { [K in keyof DomainEventMap]?: Listener<K>[] } = {};
  private readonly log?: Logger;
  constructor(log?: Logger) {
    this.log = log;
  }

  on<K extends keyof DomainEventMap>(type: K, listener: Listener<K>): () => void {
    const list = (this.listeners[type] ??= []) as Listener<K>[];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  publish<K extends keyof DomainEventMap>(type: K, payload: DomainEventMap[K]): void {
    for (const listener of (this.listeners[type] ?? []) as Listener<K>[]) {
      try {
        listener(payload);
      } catch (err) {
        this.log?.error({ err, type }, 'domain event listener failed');
      }
    }
  }
}
