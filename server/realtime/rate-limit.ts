// A token bucket per socket: every client → server event takes one token; tokens refill at a steady
// rate up to a burst. An event without a token is refused (RATE_LIMITED ack) without being handled,
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

  take(): RateDecision {
    const t = this.now();
    const elapsed = (t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsed * this.options.perSecond);
    // Refusals are forgiven as tokens come back: only a sustained flood reaches the threshold.
    this.refused = Math.max(0, this.refused - elapsed * this.options.perSecond);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'allow';
    }
    this.refused += 1;
    return this.refused > this.options.disconnectAfterRefused ? 'disconnect' : 'refuse';
  }
}
