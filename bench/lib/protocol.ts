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
  /** HTTP keep-alive connections (http) or database connections (raw) of this process. */
  connections: number;
}

export interface LoadgenStepReport {
  sent: number;
  accepted: number;
  /** Rejections by error code (raw mode: REJECTED). */
  rejected: Record<string, number>;
  /** Transport errors and 5xx answers, with a few samples. */
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

export type StepMessage = ScheduledStep & { deadlineMs: number };
