// A job kind for tests only, registered when NODE_ENV=test (never in development or production): the
// multi-process and kill -9 tests schedule 'test.probe' jobs and count their effects. The handler
// writes its effect, a row of kind 'test.probe-effect' naming the job, this process and the attempt,
// in the job's own transaction (so an effect exists exactly when the job is done), after an optional
// pause (payload.sleepMs, to be killed in) and an optional failure (payload.failAttempts: the first N
// attempts throw). It logs at warn when it starts, so a test can tell which process holds a job.
import { jobs } from '../../db/schema.ts';
import type { JobHandler } from './handlers.ts';

export const TEST_PROBE_KIND = 'test.probe';
export const TEST_PROBE_EFFECT_KIND = 'test.probe-effect';

export const testProbe: JobHandler = async (ctx, job, tx) => {
  ctx.log.warn({ probe: job.key, pid: process.pid, attempt: job.attempts }, 'test probe job started');
  const sleepMs = Number(job.payload.sleepMs ?? 0);
  if (sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(sleepMs, 60_000)));
  if (job.attempts <= Number(job.payload.failAttempts ?? 0))
    throw new Error(`probe failure on attempt ${job.attempts}`);
  const now = ctx.clock.now();
  await tx.insert(jobs).values({
    kind: TEST_PROBE_EFFECT_KIND,
    key: `${job.key}#${process.pid}#${job.attempts}`,
    runAt: now,
    payload: { of: job.key, pid: process.pid, attempt: job.attempts },
    state: 'done',
    doneAt: now,
    createdAt: now,
  });
};
