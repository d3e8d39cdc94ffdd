// When a webhook delivery is tried again (issue 20): exponential back-off with jitter, within a series
// bounded by a number of attempts and an age (WEBHOOK_MAX_ATTEMPTS, WEBHOOK_MAX_AGE_HOURS). The first
// series starts when the event is fanned out; an admin's retry of a failed delivery starts another.
// Pure: the caller gives the time and, in tests, the randomness.
import type { WebhookConfig } from './targets.ts';

/** The pause after the first failed attempt, doubling after each further one, … */
export const RETRY_BASE_MS = 30_000;
/** … up to an hour. */
export const RETRY_CAP_MS = 3_600_000;

/**
 * The pause after the n-th failed attempt of a series: 30 s × 2^(n-1), at most an hour, of which the
 * second half is random ("equal jitter"), so targets that failed together are not retried together.
 */
export function retryDelayMs(failedAttempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_BASE_MS * 2 ** Math.max(0, failedAttempts - 1), RETRY_CAP_MS);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** After a failed attempt: when to try again, or why to stop. */
export function afterFailure(
  series: { attempts: number; startedAt: Date },
  limits: Pick<WebhookConfig, 'maxAttempts' | 'maxAgeHours'>,
  now: Date,
  random: () => number = Math.random,
): { retryAt: Date } | { giveUp: string } {
  if (series.attempts >= limits.maxAttempts) return { giveUp: `gave up after ${series.attempts} attempts` };
  const retryAt = new Date(now.getTime() + retryDelayMs(series.attempts, random));
  if (retryAt.getTime() > series.startedAt.getTime() + limits.maxAgeHours * 3_600_000)
    return { giveUp: `gave up after ${limits.maxAgeHours} hours (${series.attempts} attempts)` };
  return { retryAt };
}
