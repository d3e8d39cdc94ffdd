// The registry of job handlers: which code runs a job of each kind. Domains register theirs when they
// are created (payments: the balance deadline, the refund deadline); a process runs only the kinds it
// has a handler for, so a job of a kind this version does not know waits for one that does.
import type { Tx } from '../../db/client.ts';
import type { AppContext } from '../context.ts';
import { JOB_KIND_PATTERN, type Job } from './queue.ts';

/**
 * Runs one job. `tx` is the transaction that marks the job done when the handler returns: do the
 * job's database work in it, so the work and "done" commit together, exactly once. A handler that
 * throws rolls both back; the job is tried again after a back-off (runner.ts). Work outside the
 * database (an e-mail) is not undone by the rollback: make it idempotent, or leave it to an outbox.
 * A handler may return what to do once that transaction has committed (publish a domain event); the
 * runner calls it then, and never when the transaction rolled back.
 */
export type JobHandler = (ctx: AppContext, job: Job, tx: Tx) => Promise<void | AfterCommit>;

/**
 * A job whose main work happens outside the database (an HTTP call to another system), in two phases:
 * `outside` runs first, under the claim's lease but in no transaction (a slow answer holds no database
 * connection and no lock), and resolves with what happened; `record` then writes that down in the
 * transaction that marks the job done. Both phases share the handler's bound. If the process dies
 * between them, the job runs again once its lease expires, `outside` included: make it idempotent (an
 * idempotency key the other side honours). `outside` throwing counts as a failed attempt, as a handler's.
 */
export interface TwoPhaseJobHandler<Outcome> {
  outside(ctx: AppContext, job: Job): Promise<Outcome>;
  record(ctx: AppContext, job: Job, tx: Tx, outcome: Outcome): Promise<void | AfterCommit>;
}
/** Work a job handler leaves for after its transaction committed (domain events are published only then). */
export type AfterCommit = () => void;

/** How the runner runs a kind: optional work outside the database, then the handler in the job's transaction. */
export interface RegisteredJob {
  outside?: (ctx: AppContext, job: Job) => Promise<unknown>;
  handler: (ctx: AppContext, job: Job, tx: Tx, outcome: unknown) => Promise<void | AfterCommit>;
}

const handlers = new Map<string, RegisteredJob>();

/** Registers the handler of a kind; registering the same kind again replaces it (tests). */
export function registerJobHandler(kind: string, handler: JobHandler): void {
  if (!JOB_KIND_PATTERN.test(kind)) throw new RangeError(`not a job kind: ${kind}`);
  handlers.set(kind, { handler: (ctx, job, tx) => handler(ctx, job, tx) });
}

/** Registers a kind that works outside the database first (see TwoPhaseJobHandler). */
export function registerTwoPhaseJobHandler<Outcome>(kind: string, handler: TwoPhaseJobHandler<Outcome>): void {
  if (!JOB_KIND_PATTERN.test(kind)) throw new RangeError(`not a job kind: ${kind}`);
  handlers.set(kind, {
    outside: (ctx, job) => handler.outside(ctx, job),
    handler: (ctx, job, tx, outcome) => handler.record(ctx, job, tx, outcome as Outcome),
  });
}

/** Forgets a kind's handler (tests). */
export function unregisterJobHandler(kind: string): void {
  handlers.delete(kind);
}

export function jobHandler(kind: string): RegisteredJob | undefined {
  return handlers.get(kind);
}

/** The kinds this process can run. */
export function handledKinds(): string[] {
  return [...handlers.keys()];
}
