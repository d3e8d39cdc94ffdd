// Durable scheduled jobs (issue 17: deadlines that survive restarts and run once with several
// processes), on the `jobs` table. This module is the writer's side: a job is scheduled or cancelled
// inside the caller's transaction, so it exists exactly when the change that needs it committed.
// runner.ts runs due jobs; handlers.ts maps a job's kind to the code that runs it.
//
// Scheduling the same key twice schedules once. While the job is still pending, a second
// scheduleJob with its key moves it to the new runAt and payload (a deadline recomputed after an
// admin's calendar change, say); a job already done or failed is left as it is. Cancelling removes a
// pending job; one already running finishes (the cancel waits for its row and then finds it done).
import { and, eq, sql } from 'drizzle-orm';
import { jobs, type JobState } from '../../db/schema.ts';
import type { Db, Tx } from '../../db/client.ts';

/** A job kind: lower case words separated by dots or dashes ('payment.balance-deadline'). */
export const JOB_KIND_PATTERN = /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/;

export interface JobRequest {
  kind: string;
  /** Unique across all jobs, e.g. 'balance-deadline:42'. */
  key: string;
  runAt: Date;
  payload?: Record<string, unknown>;
  /** When it was scheduled (default: the database's now()). */
  at?: Date;
}

/** A job as a handler sees it. */
export interface Job {
  id: number;
  kind: string;
  key: string;
  runAt: Date;
  payload: Record<string, unknown>;
  /** This run's number: 1 the first time, more after failures or a lease that expired. */
  attempts: number;
}

/** What scheduleJob did: a new job, a pending one moved, or nothing (the key is done or failed). */
export type Scheduled = 'scheduled' | 'rescheduled' | 'unchanged';

/** Schedules a job inside the caller's transaction (see the header for a key scheduled twice). */
export async function scheduleJob(q: Tx | Db, job: JobRequest): Promise<Scheduled> {
  if (!JOB_KIND_PATTERN.test(job.kind)) throw new RangeError(`not a job kind: ${job.kind}`);
  if (job.key.length === 0 || job.key.length > 200) throw new RangeError('a job key is 1–200 characters');
  if (Number.isNaN(job.runAt.getTime())) throw new RangeError('runAt is not a time');
  const payload = job.payload ?? {};
  const rows = await q
    .insert(jobs)
    .values({
      kind: job.kind,
      key: job.key,
      runAt: job.runAt,
      payload,
      createdAt: job.at ?? sql`now()`,
    })
    .onConflictDoUpdate({
      target: jobs.key,
      set: { runAt: job.runAt, payload },
      setWhere: and(eq(jobs.state, 'pending'), eq(jobs.kind, job.kind)),
    })
    .returning({ inserted: sql<boolean>`(xmax = 0)` });
  if (rows.length === 0) return 'unchanged';
  return rows[0].inserted ? 'scheduled' : 'rescheduled';
}

/** Cancels a pending job inside the caller's transaction; false when there is none by that key. */
export async function cancelJob(q: Tx | Db, key: string): Promise<boolean> {
  const rows = await q
    .delete(jobs)
    .where(and(eq(jobs.key, key), eq(jobs.state, 'pending')))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** A job's row as admins see it. */
export interface JobView {
  id: number;
  kind: string;
  key: string;
  runAt: string;
  payload: Record<string, unknown>;
  state: JobState;
  attempts: number;
  lockedUntil: string | null;
  lastError: string | null;
  doneAt: string | null;
  createdAt: string;
}

export function jobView(r: typeof jobs.$inferSelect): JobView {
  return {
    id: r.id,
    kind: r.kind,
    key: r.key,
    runAt: r.runAt.toISOString(),
    payload: r.payload,
    state: r.state,
    attempts: r.attempts,
    lockedUntil: r.lockedUntil?.toISOString() ?? null,
    lastError: r.lastError,
    doneAt: r.doneAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}
