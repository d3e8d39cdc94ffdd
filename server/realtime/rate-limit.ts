// A token bucket per socket: every client → server event takes tokens (more for the events that cost
// the database more); tokens refill at a steady rate up to a burst. An event without a token is refused (RATE_LIMITED ack) without being handled,
// and a socket that keeps flooding after being refused is disconnected, so one abusive client costs
// the process little and never slows the others.
export interface RateLimitOptions {
  /** Events a socket may send at once. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
  /** Refused events within one refill period after which the socket is disconnected. */
  disconnectAfterRefused: number;
}

export type RateDecision = 'allow' | 'refuse' | 'disconnect';

export class TokenBucket {
  private tokens: number;
  private refused = 0;
  private last: number;
  private readonly options: RateLimitOptions;
  private readonly now: () => number;

  constructor(options: RateLimitOptions, now: () => number = () => performance.now()) {
    this.options = options;
    this.now = now;
    this.tokens = options.burst;
    this.last = now();
  }

  take(cost = 1): RateDecision {
    const t = this.now();
    const elapsed = (t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsed * this.options.perSecond);
    // Refusals are forgiven as tokens come back: only a sustained flood reaches the threshold.
    this.refused = Math.max(0, this.refused - elapsed * this.options.perSecond);
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 'allow';
    }
    this.refused += 1;
    return this.refused > this.options.disconnectAfterRefused ? 'disconnect' : 'refuse';
  }
}

/**
 * Tokens per event: a sync may read thousands of ledger entries and a watch a lot and its latest
 * entries, so they cost more than a bid or a time exchange. Unknown events cost one (and are ignored).
 */
const EVENT_COST = new Map<unknown, number>([
  ['sync', 5],
  ['watch', 2],
  ['unwatch', 1],
  ['bid', 1],
  ['time', 1],
]);

export const eventCost = (event: unknown): number => EVENT_COST.get(event) ?? 1;
