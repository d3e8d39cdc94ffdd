// Per-client limits on sign-in attempts and on repeated token failures (429 RATE_LIMITED with
// Retry-After). A small fixed-window counter rather than a library: it must count only failures,
// be shared by the HTTP middleware and the socket.io handshake, and follow the platform clock in
// tests. Counters are per process; behind a load balancer with N processes a client gets up to N
// times the limit, which still bounds abuse.
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../shared/errors.ts';

export class WindowLimiter {
  private readonly counts = new Map<string, { count: number; resetAt: number }>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  constructor(options: { limit: number; windowMs: number; now?: () => number }) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.now = options.now ?? Date.now;
  }

  /** Seconds until the key may try again, or 0 when it is under the limit. */
  retryAfter(key: string): number {
    const e = this.counts.get(key);
    const now = this.now();
    if (!e || e.resetAt <= now || e.count < this.limit) return 0;
    return Math.max(1, Math.ceil((e.resetAt - now) / 1000));
  }

  /** Counts one event for the key. */
  hit(key: string): void {
    const now = this.now();
    if (this.counts.size > 100_000) this.sweep(now);
    const e = this.counts.get(key);
    if (!e || e.resetAt <= now) this.counts.set(key, { count: 1, resetAt: now + this.windowMs });
    else e.count++;
  }

  private sweep(now: number): void {
    for (const [k, e] of this.counts) if (e.resetAt <= now) this.counts.delete(k);
    if (this.counts.size > 100_000) this.counts.clear();
  }
}

export function rateLimited(retryAfterSeconds: number, what: string): AppError {
  return new AppError('RATE_LIMITED', `Too many ${what} from this address; try again in ${retryAfterSeconds} s.`, { headers: { 'retry-after': String(retryAfterSeconds) } });
}

/**
 * The client's address: the socket's peer, or, with TRUST_PROXY, the last X-Forwarded-For entry
 * (the one our own load balancer appended; earlier entries are whatever the client claimed).
 */
export function clientIpOf(incoming: IncomingMessage | undefined, forwardedFor: string | undefined, trustProxy: boolean): string {
  if (trustProxy && forwardedFor) {
    const last = forwardedFor.split(',').map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

export function clientIp(c: Context, trustProxy: boolean): string {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return clientIpOf(env?.incoming, c.req.header('x-forwarded-for'), trustProxy);
}

export interface IdentityLimits {
  /** GET /auth/signin and /auth/callback per client. */
  signIn: WindowLimiter;
  /** Failed token verifications per client; over the limit, tokens are refused unverified. */
  tokenFailures: WindowLimiter;
}

export const SIGNIN_LIMIT = { limit: 20, windowMs: 60_000 };
export const TOKEN_FAILURE_LIMIT = { limit: 60, windowMs: 60_000 };

export function createLimits(now?: () => number): IdentityLimits {
  return { signIn: new WindowLimiter({ ...SIGNIN_LIMIT, now }), tokenFailures: new WindowLimiter({ ...TOKEN_FAILURE_LIMIT, now }) };
}
