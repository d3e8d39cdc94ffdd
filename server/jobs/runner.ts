// The job runner, started in every process with the platform: every poll it claims due jobs one at a
// time and runs each with its handler (handlers.ts). Several processes share the table safely:
//   - claiming takes the oldest due job with FOR UPDATE SKIP LOCKED and gives it a lease
//     (lockedUntil = now + lease, attempts + 1) in a short transaction of its own, so no other
//     process claims it while the lease runs;
//   - the job then runs in a second transaction that locks its row again (still pending, still this
//     claim's attempt), runs the handler with that transaction, and marks the job done in it: the
//     handler's database work and "done" commit together, once (a two-phase kind, handlers.ts, first
//     does its work outside the database, an HTTP call, under the lease and outside any transaction);
//   - a process killed mid-job loses its transaction (PostgreSQL rolls it back when the connection
//     drops) but not the lease: the job waits until the lease expires, then any process, this one
//     after a restart included, claims it again;
//   - a handler that throws rolls back; the job is tried again after a back-off (retryDelayMs) and
//     after MAX_JOB_ATTEMPTS attempts is marked failed, with the error, logged and listed to admins
//     (GET /api/admin/jobs?state=failed). A job whose lease expired MAX_JOB_ATTEMPTS times (it
//     crashes its process, or outlasts its bound every time) is marked failed when next claimed.
// Every step is bounded like the closing scheduler's (server/auctions/scheduler.ts), and nothing is
// tried while the database is known to be down. Times are the platform's clock (ctx.clock).
import { and, asc, eq, inArray, isNull, lte, or } from 'drizzle-orm';
import { jobs } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { DeadlineExceeded, isUnavailable, withDeadline } from '../shared/unavailable.ts';
import { backgroundLoop, type BackgroundLoop } from '../shared/background-loop.ts';
import { handledKinds, jobHandler } from './handlers.ts';
import type { Job } from './queue.ts';

/** Attempts before a job is marked failed. */
export const MAX_JOB_ATTEMPTS = 5;
/** Jobs one poll runs at most (the next poll takes the rest). */
const BATCH = 20;
/** The longest lastError kept. */
const MAX_ERROR_LENGTH = 2_000;

/** The pause before attempt n + 1 after attempt n failed: 30 s doubling, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export interface JobTimings {
  /** How long one job may run before the runner stops waiting for it. */
  handlerTimeoutMs: number;
  /** How long a claim keeps other processes away: longer than the handler's bound. */
  leaseMs: number;
}

/** The runner's bounds from the configuration: a handler gets two request bounds, a lease three times that. */
export function jobTimings(ctx: Pick<AppContext, 'config'>): JobTimings {
  const handlerTimeoutMs = 2 * ctx.config.limits.requestTimeoutMs;
  return { handlerTimeoutMs, leaseMs: 3 * handlerTimeoutMs };
}

export interface JobRunner {
  start(): void;
  /** Runs due jobs now (tests, and the start-up catch-up); resolves with how many were claimed. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

const toJob = (r: typeof jobs.$inferSelect): Job => ({
  id: r.id,
  kind: r.kind,
  key: r.key,
  runAt: r.runAt,
  payload: r.payload,
  attempts: r.attempts,
});

/** Claims the oldest due job of these kinds (a lease and one more attempt), or undefined when none is due. */
export async function claimDueJob(ctx: AppContext, kinds: string[], leaseMs: number): Promise<Job | undefined> {
  if (kinds.length === 0) return undefined;
  return ctx.db.transaction(async (tx) => {
    const now = ctx.clock.now();
    for (;;) {
      const [row] = await tx
        .select()
        .from(jobs)
        .where(
          and(
            eq(jobs.state, 'pending'),
            inArray(jobs.kind, kinds),
            lte(jobs.runAt, now),
            or(isNull(jobs.lockedUntil), lte(jobs.lockedUntil, now)),
          ),
        )
        .orderBy(asc(jobs.runAt), asc(jobs.id))
        .limit(1)
        .for('update', { skipLocked: true });
      if (!row) return undefined;
      if (row.attempts >= MAX_JOB_ATTEMPTS) {
        const lastError = `abandoned: its lease expired on attempt ${row.attempts}${row.lastError ? `; before: ${row.lastError}` : ''}`;
        await tx
          .update(jobs)
          .set({ state: 'failed', lockedUntil: null, lastError: lastError.slice(0, MAX_ERROR_LENGTH) })
          .where(eq(jobs.id, row.id));
        ctx.log.error({ jobId: row.id, kind: row.kind, key: row.key }, 'job failed: %s', lastError);
        continue;
      }
      const [claimed] = await tx
        .update(jobs)
        .set({ attempts: row.attempts + 1, lockedUntil: new Date(now.getTime() + leaseMs) })
        .where(eq(jobs.id, row.id))
        .returning();
      return toJob(claimed);
    }
  });
}

/**
 * Runs a claimed job: its handler and "done" in one transaction, if the job is still pending under
 * this claim. Resolves with 'done', 'skipped' (cancelled, or claimed again by another process),
 * 'failed' (the handler threw; the failure is recorded) or 'timeout' (the lease will expire).
 */
export async function runClaimedJob(
  ctx: AppContext,
  job: Job,
  timings: JobTimings,
): Promise<'done' | 'skipped' | 'failed' | 'timeout'> {
  const registered = jobHandler(job.kind);
  if (!registered) throw new Error(`no handler for job kind ${job.kind}`);
  const { outside, handler } = registered;
  try {
    const run = async () => {
      // A two-phase kind's work outside the database, under this claim's lease (handlers.ts).
      const outcome = outside ? await outside(ctx, job) : undefined;
      return ctx.db.transaction(async (tx) => {
        const [mine] = await tx
          .select({ id: jobs.id })
          .from(jobs)
          .where(and(eq(jobs.id, job.id), eq(jobs.state, 'pending'), eq(jobs.attempts, job.attempts)))
          .for('update', { skipLocked: true });
        if (!mine) return false;
        const afterCommit = await handler(ctx, job, tx, outcome);
        await tx
          .update(jobs)
          .set({ state: 'done', doneAt: ctx.clock.now(), lockedUntil: null, lastError: null })
          .where(eq(jobs.id, job.id));
        return { afterCommit };
      });
    };
    const ran = await withDeadline(run(), timings.handlerTimeoutMs, `running job ${job.key}`);
    if (!ran) return 'skipped';
    try {
      ran.afterCommit?.();
    } catch (err) {
      ctx.log.error({ err, jobId: job.id, kind: job.kind }, 'a job’s after-commit work failed');
    }
    return 'done';
  } catch (err) {
    if (err instanceof DeadlineExceeded) {
      // The transaction goes on and commits or rolls back on its own; if it rolls back, the job is
      // claimed again when its lease expires.
      ctx.log.warn({ jobId: job.id, kind: job.kind, key: job.key }, 'a job is taking longer than its bound');
      return 'timeout';
    }
    // The database, not the handler, failed: the lease expires and the job is tried again later.
    if (isUnavailable(err)) throw err;
    await withDeadline(recordFailure(ctx, job, err), timings.handlerTimeoutMs, `recording job ${job.key}'s failure`);
    return 'failed';
  }
}

async function recordFailure(ctx: AppContext, job: Job, err: unknown): Promise<void> {
  const lastError = (err instanceof Error ? err.message || err.name : String(err)).slice(0, MAX_ERROR_LENGTH);
  const final = job.attempts >= MAX_JOB_ATTEMPTS;
  const retryAt = new Date(ctx.clock.now().getTime() + retryDelayMs(job.attempts));
  await ctx.db
    .update(jobs)
    .set(final ? { state: 'failed', lockedUntil: null, lastError } : { lockedUntil: retryAt, lastError })
    .where(and(eq(jobs.id, job.id), eq(jobs.state, 'pending'), eq(jobs.attempts, job.attempts)));
  const fields = { jobId: job.id, kind: job.kind, key: job.key, attempts: job.attempts, err };
  if (final) ctx.log.error(fields, 'job failed after %d attempts', job.attempts);
  else ctx.log.warn({ ...fields, retryAt }, 'job attempt failed; it is tried again later');
}

export function createJobRunner(ctx: AppContext, timings: JobTimings = jobTimings(ctx)): JobRunner {
  const bound = ctx.config.limits.requestTimeoutMs;
  const loop: BackgroundLoop<number> = backgroundLoop(ctx, {
    name: 'job runner',
    everyMs: ctx.config.closePollMs,
    idle: 0,
    run: async () => {
      let claimed = 0;
      while (claimed < BATCH && !loop.stopped) {
        const job = await withDeadline(claimDueJob(ctx, handledKinds(), timings.leaseMs), bound, 'claiming a due job');
        if (!job) break;
        claimed++;
        await runClaimedJob(ctx, job, timings);
      }
      return claimed;
    },
  });
  return loop;
}
