// Bounded waits and the one rule for "a dependency is unavailable". Every wait on the request and bid
// paths goes through `withDeadline`, so nothing waits without bound; every error that means "the
// database (or another dependency) is unreachable, too slow or shedding" is recognised by
// `isUnavailable`, and clients get 503 UNAVAILABLE with Retry-After for it, never a 500 and never a hang.
import { AppError, refuse } from './errors.ts';
import type { ShedReason } from '../bidding/shed-reasons.ts';

/** A wait that ran past its bound. The work behind it may still finish; nobody waits for it. */
export class DeadlineExceeded extends Error {
  readonly code = 'DEADLINE_EXCEEDED';
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * Resolves or rejects as `work` does, or rejects with DeadlineExceeded after `ms`. The work is not
 * cancelled (a database statement carries its own server-side timeout); a late rejection is swallowed.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
  });
  work.catch(() => {});
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/**
 * Error codes that mean the database or the network to it failed (not the request): connection
 * refused, reset, closed or timed out; PostgreSQL's shutdown, connection-exception (08xxx),
 * too-many-connections, statement and lock timeouts, and serialization failures under contention.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'DEADLINE_EXCEEDED',
]);
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '57014', '55P03', '40001', '40P01']);

/** The `code`s of `err` and of the errors it wraps (Drizzle wraps the driver's error as `cause`), outermost first. */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/** True when `err` (or an error it wraps, as Drizzle's query errors do) means a dependency is unavailable. */
export function isUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof AppError) return e.code === 'UNAVAILABLE';
    if (
      /PGlite is closed|database .*(closed|not open)|Connection terminated/i.test(
        String((e as { message?: unknown }).message),
      )
    )
      return true;
  }
  return errorCodes(err).some((code) => CONNECTION_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08'));
}

/**
 * True when the failure happened before anything could have been written: the connection was never
 * made. Anything else on a write path leaves the outcome unknown to the caller.
 */
export function failedBeforeWriting(err: unknown): boolean {
  return errorCodes(err).some(
    (code) => code === 'ECONNREFUSED' || code === 'CONNECT_TIMEOUT' || code === '57P03' || code === '53300',
  );
}

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 1;

/** Reasons a 503 is answered with (server/shared/reasons.ts). */
export type UnavailableReason = 'unavailable' | 'database_unreachable' | 'database_not_answering' | ShedReason;

/** The 503 a client gets when a dependency is unavailable or the platform sheds load. */
export function unavailable(
  reason: UnavailableReason = 'unavailable',
  retryAfterSeconds = RETRY_AFTER_SECONDS,
): AppError {
  return AppError.from(refuse(reason), { 'retry-after': String(retryAfterSeconds) });
}
