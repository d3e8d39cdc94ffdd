// Per-client limits (429 RATE_LIMITED with Retry-After): sign-in attempts and repeated token failures
// (fixed windows that count only failures), and request and socket-connect budgets per person and per
// address (token buckets: a burst, refilled at a steady rate). Small counters rather than a library:
// they are shared by the HTTP middleware and the socket.io handshake and follow the platform clock in
// tests. Counters are per process; behind a load balancer with N processes a client gets up to N
// times the limit, which still bounds abuse.
//
// Token failures never refuse a token that verifies: past the limit a failing token gets 429 instead
// of 401, while a valid token from the same address (a carrier NAT, a balancer without TRUST_PROXY)
// is served, so one attacker cannot lock everyone behind an address out.
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.ts';
import { AppError, refuse } from '../shared/errors.ts';

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

/** Token buckets per key: `burst` events at once, refilled at `perSecond`. */
export class KeyedBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly now: () => number;
  constructor(options: { perSecond: number; burst: number; now?: () => number }) {
    this.perMs = options.perSecond / 1000;
    this.burst = options.burst;
    this.now = options.now ?? Date.now;
  }

  /** Takes one token for the key: 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const now = this.now();
    if (this.buckets.size > 100_000) this.sweep(now);
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000));
  }

  /** Drops buckets that have refilled (they behave exactly like absent ones). */
  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.at) * this.perMs >= this.burst) this.buckets.delete(k);
    if (this.buckets.size > 100_000) this.buckets.clear();
  }
}

/** 429 with Retry-After; `what` and `from` name the limit in the English message (and in params). */
export function rateLimited(retryAfterSeconds: number, what: string, from = 'from this address'): AppError {
  return AppError.from(refuse('rate_limited', { retryAfterSeconds, what, from }), {
    'retry-after': String(retryAfterSeconds),
  });
}

/**
 * Loopback peers are not limited per address: the platform's own pages call the API over loopback
 * for every visitor (web/lib/api/server.ts), so their address is everyone's. Their signed-in calls
 * still count against the person.
 */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

/**
 * The client's address: the socket's peer, or, with TRUST_PROXY, the last X-Forwarded-For entry
 * (the one our own load balancer appended; earlier entries are whatever the client claimed).
 */
export function clientIpOf(
  incoming: IncomingMessage | undefined,
  forwardedFor: string | undefined,
  trustProxy: boolean,
): string {
  if (trustProxy && forwardedFor) {
    const last = forwardedFor
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .pop();
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
  /** Failed token verifications per client; over the limit, failing tokens get 429 (valid ones pass). */
  tokenFailures: WindowLimiter;
  /** API requests per signed-in person. */
  personRequests: KeyedBuckets;
  /** API requests without a verified person, per client address (loopback excepted). */
  addressRequests: KeyedBuckets;
  /** socket.io connections per signed-in person. */
  personSockets: KeyedBuckets;
  /** Anonymous socket.io connections per client address (loopback excepted). */
  addressSockets: KeyedBuckets;
}

export const SIGNIN_LIMIT = { limit: 20, windowMs: 60_000 };
export const TOKEN_FAILURE_LIMIT = { limit: 60, windowMs: 60_000 };

export function createLimits(rates: Config['rateLimits'], now?: () => number): IdentityLimits {
  return {
    signIn: new WindowLimiter({ ...SIGNIN_LIMIT, now }),
    tokenFailures: new WindowLimiter({ ...TOKEN_FAILURE_LIMIT, now }),
    personRequests: new KeyedBuckets({ ...rates.person, now }),
    addressRequests: new KeyedBuckets({ ...rates.address, now }),
    personSockets: new KeyedBuckets({ ...rates.socketConnectsPerson, now }),
    addressSockets: new KeyedBuckets({ ...rates.socketConnectsAddress, now }),
  };
}

/** Counts one socket.io connection: 0 when admitted, else seconds until the next is. */
export function admitSocket(limits: IdentityLimits, ip: string, pid: string | undefined): number {
  if (pid) return limits.personSockets.take(pid);
  return isLoopback(ip) ? 0 : limits.addressSockets.take(ip);
}
