// Messages between the day scenario's orchestrator (bench/day.ts) and its child processes: the
// browsers of the opening rush (day-rush.ts), the bidders (day-bidders.ts) and the watcher pools
// (day-watchers.ts). Histograms travel encoded (lib/hist.ts) and are added up by the orchestrator.
import type { LotClass } from './day-plan.ts';
import type { PriceRules } from './schedule.ts';

/** A lot as the bidders and watchers need it: its class, price rules and planned send times. */
export interface LotSchedule {
  lotId: number;
  cls: LotClass;
  rules: PriceRules;
  /** ms after the window opens, ascending; the k-th bid offers startingPrice + k × priceStep. */
  bids: number[];
}

export interface RushInit {
  base: string;
  arrivals: {
    pid: string;
    /** The person's own loopback source address. */
    address: string;
    /** ms after the rush starts. */
    atMs: number;
    /** Lot ids whose pages the person loads, and the bidder code each page must show them. */
    lots: { lotId: number; bidderCode: string }[];
    /** A spectator: loads the pages without signing in (no bidder code to show). */
    anonymous?: boolean;
  }[];
  /** A browser gives up on one request after this long. */
  timeoutMs: number;
}

export interface RushReport {
  people: number;
  signIns: { ok: number; failed: number; hist: string; failures: Record<string, number>; samples: string[] };
  pages: {
    ok: number;
    failed: number;
    hist: string;
    failures: Record<string, number>;
    samples: string[];
    /** Pages that showed the person's own bidder code (the server-rendered page knew who they were). */
    showedBidder: number;
    bytes: number;
  };
  /** Wall-clock ms: the first arrival, the last sign-in and the last page completed. */
  startAt: number;
  lastSignInAt: number;
  lastPageAt: number;
  cpuSeconds: number;
}

export interface BiddersInit {
  base: string;
  /** Every person's API token, by person index. */
  tokens: string[];
  /** Each lot's registrants (person indices): bid k comes from bidders[k % n]. */
  lots: (LotSchedule & { bidders: number[] })[];
  connections: number;
  /** A bid's answer is waited for at most this long (the platform answers within its 2 s bound). */
  timeoutMs: number;
}

export interface ClassBidReport {
  sent: number;
  accepted: number;
  rejected: Record<string, number>;
  /** 503 UNAVAILABLE (shed): the bid was not placed. */
  shed: number;
  errors: number;
  /** Bids sent again (same Idempotency-Key) after a connection failed without an answer. */
  retried: number;
  /** Accepted bids: from the planned send time to the acknowledgement. */
  ackHist: string;
  /** Every answer (accepted, refused, shed). */
  answerHist: string;
  sendLagHist: string;
}

export interface BiddersReport {
  byClass: Record<LotClass, ClassBidReport>;
  errorSamples: string[];
  unanswered: number;
  /** Per lot id: every acknowledged bid as [k, seq, amount]. */
  acks: Record<number, [number, number, number][]>;
  firstSendAt: number;
  lastAnswerAt: number;
  cpuSeconds: number;
}

export interface DayWatcherInit {
  url: string;
  lots: (LotSchedule & { sockets: number })[];
  connectBatch: number;
}

export interface DayWatcherProgress {
  connected: number;
  /** Per lot id: the lowest seq any of the pool's sockets on it has reached. */
  minSeq: Record<number, number>;
}

export interface DayWatcherReport {
  sockets: number;
  connected: number;
  disconnects: number;
  /** Seqs missing, summed over sockets; entries that came out of order or twice. */
  gaps: number;
  outOfOrder: number;
  /** Sockets that ended at their lot's final seq. */
  complete: number;
  /** Entries whose amount is no planned bid of their lot (must be 0). */
  unknownAmounts: number;
  /** Bid entries delivered per class (one per socket per entry) and their latency from the planned send. */
  byClass: Record<LotClass, { deliveries: number; hist: string }>;
  /** socket.io frames received ('bid', 'bids', 'lot'...). */
  frames: number;
  cpuSeconds: number;
}
