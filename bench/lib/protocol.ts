// Messages between the orchestrator (bench/storm.ts) and its child processes.
import type { PriceRules, ScheduledStep } from './schedule.ts';

export interface BidderRef {
  token: string;
  registrationId: number;
  bidderCode: string;
  pid: string;
}

export interface LoadgenInit {
  /** http: POST /api/lots/:id/bids to a server; raw: one postgres.js transaction per bid (baseline a). */
  mode: 'http' | 'raw';
  /** This process sends the bids g with g % of === index. */
  index: number;
  of: number;
  base?: string;
  dbUrl?: string;
  lotId: number;
  rules: PriceRules;
  approved: BidderRef[];
  unapproved: BidderRef[];
  /** HTTP keep-alive connections (http) or database connections (raw) of this process, opened before each step. */
  connections: number;
  /**
   * More HTTP connections the pool may open when every one is busy (default: none), so that a bid
   * goes on the wire at its scheduled time as another bidder's browser would, rather than wait in
   * the generator for a free connection (overload and outage steps).
   */
  maxConnections?: number;
  /** The HTTP client: undici (default) or the lean one of lib/lean-http.ts (overload steps). */
  client?: 'undici' | 'lean';
}

export interface LoadgenStepReport {
  sent: number;
  accepted: number;
  /** Rejections by error code (raw mode: REJECTED). */
  rejected: Record<string, number>;
  /** 503 UNAVAILABLE answers: the platform shed the bid (overload, or a dependency down). */
  shed: number;
  /** Transport errors and 5xx answers other than 503 UNAVAILABLE, with a few samples. */
  errors: number;
  errorSamples: string[];
  /** Bids still unanswered when the step's deadline passed. */
  unanswered: number;
  /** Invalid bids (too low, unapproved) that were accepted: must be 0. */
  invalidAccepted: number;
  acceptedHist: string;
  rejectedHist: string;
  /** How late sends left versus their schedule (ms): the generator's own lag. */
  sendLagHist: string;
  firstSendAt: number;
  lastAcceptedAt: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** Present when the step asked for bounded answers (overload, outage). */
  bounded?: BoundedCounts;
}

/** How a step measures answers against the platform's bound (overload and outage steps). */
export interface BoundedOptions {
  /** The bound on a bid's answer, counted from its scheduled send time. */
  boundMs: number;
  /** The client gives up (aborts the request) this long after the scheduled send time. */
  clientTimeoutMs: number;
  /** Keep one record per bid (and per retry) for the orchestrator to fetch with `records`. */
  records: boolean;
  /** Retry once, with the same Idempotency-Key, every bid not answered definitively, once the orchestrator sends `retry`. */
  retries: boolean;
}

/**
 * Every bid's first attempt in one of: accepted (201), refused (4xx), shed (503 UNAVAILABLE),
 * error (another 5xx answer), failed (connection reset or refused: no answer), noAnswer (the client
 * gave up at its timeout). waitHist: every HTTP answer's wait from the scheduled send time.
 */
export interface BoundedCounts {
  sent: number;
  accepted: number;
  refused: number;
  shed: number;
  /** 503 UNAVAILABLE answers without a Retry-After header (the contract asks for one). */
  shedWithoutRetryAfter: number;
  error: number;
  failed: number;
  noAnswer: number;
  /** HTTP answers (any of accepted, refused, shed, error) within the bound of the scheduled send time. */
  withinBound: number;
  /** Accepted or refused (a definitive answer) within the bound. */
  definitiveWithinBound: number;
  /** Bids that found every connection of the generator busy (at its cap) and waited in the client for one. */
  clientQueued: number;
  /** The most connections the generator had open at once during the step. */
  peakConnections: number;
  waitHist: string;
  shedHist: string;
}

export type AttemptOutcome = 'accepted' | 'refused' | 'shed' | 'error' | 'failed' | 'noAnswer';

/** One attempt of one bid (wall-clock ms as in lib/hist.ts; sentDate is Date.now(), the clock the platform stamps placedAt with). */
export interface AttemptRecord {
  g: number;
  scheduledAt: number;
  sentAt: number;
  sentDate: number;
  endAt: number;
  outcome: AttemptOutcome;
  /** The error code, or HTTP status, of an answer other than 201. */
  code?: string;
  seq?: number;
  amount: number;
  bidderCode: string;
}

export interface LoadgenRecords {
  first: AttemptRecord[];
  retries: AttemptRecord[];
}

export interface LoadgenFinal {
  /** Every acknowledged bid: [g, seq, amount]. */
  acks: [number, number, number][];
}

export interface WatcherInit {
  url: string;
  lotId: number;
  count: number;
  rules: PriceRules;
  /** Sockets opened at once while connecting. */
  connectBatch: number;
}

export interface WatcherConnectReport {
  connected: number;
  failed: number;
  failureSamples: string[];
  ms: number;
}

export interface WatcherProgress {
  connected: number;
  minSeq: number;
  maxSeq: number;
}

export interface WatcherStepReport {
  /** Latency from each bid's scheduled send to its arrival at each watcher, for bids of this step. */
  hist: string;
  items: number;
  events: number;
  cpuSeconds: number;
}

export interface WatcherTotals {
  sockets: number;
  connected: number;
  disconnects: number;
  /** Missing seqs summed over sockets, and entries that came out of order or twice. */
  gaps: number;
  outOfOrder: number;
  /** Sockets that ended at the expected final seq. */
  complete: number;
  minSeq: number;
  maxSeq: number;
  items: number;
  events: number;
  /** Items whose amount is not one of the workload's valid amounts (must be 0). */
  unknownAmounts: number;
}

export type StepMessage = ScheduledStep & { deadlineMs: number; bounded?: BoundedOptions };
