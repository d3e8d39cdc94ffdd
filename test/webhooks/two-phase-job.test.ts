// The job runner's two-phase kinds (server/jobs/handlers.ts), which webhook deliveries are: the outside
// phase runs under the claim's lease but in no transaction (the job's row is not locked while it
// runs), its outcome reaches the record phase, which commits with "done"; an outside phase that throws
// is a failed attempt retried after the runner's back-off; a record phase that throws rolls back, and
// the next attempt runs the outside phase again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { jobs } from '../../db/schema.ts';
import { registerTwoPhaseJobHandler, unregisterJobHandler } from '../../server/jobs/handlers.ts';
import { scheduleJob } from '../../server/jobs/queue.ts';
import { retryDelayMs } from '../../server/jobs/runner.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { eventually } from '../auctions/factories.ts';

const KIND = 'test.two-phase';
const T0 = Date.parse('2027-04-01T02:00:00Z');
const clock = new ManualClock(T0);
let t: TestPlatform;
const calls: { phase: 'outside' | 'record'; key: string; attempt: number; outcome?: unknown; rowFree?: boolean }[] = [];

beforeAll(async () => {
  t = await startTestPlatform({ clock });
  registerTwoPhaseJobHandler<{ said: string }>(KIND, {
    async outside(ctx, job) {
      // No transaction holds the job's row: it can be locked at once (NOWAIT) from another one.
      const rowFree = await ctx.db
        .transaction(async (tx) => {
          await tx.execute(sql`select id from jobs where id = ${job.id} for update nowait`);
          return true;
        })
        .catch(() => false);
      calls.push({ phase: 'outside', key: job.key, attempt: job.attempts, rowFree });
      if (job.attempts <= Number(job.payload.outsideFails ?? 0)) throw new Error(`outside failure ${job.attempts}`);
      return { said: `attempt ${job.attempts}` };
    },
    async record(ctx, job, tx, outcome) {
      calls.push({ phase: 'record', key: job.key, attempt: job.attempts, outcome });
      await tx
        .update(jobs)
        .set({ payload: { ...job.payload, recorded: outcome.said } })
        .where(eq(jobs.id, job.id));
      if (job.attempts <= Number(job.payload.recordFails ?? 0)) throw new Error(`record failure ${job.attempts}`);
    },
  });
});
afterAll(async () => {
  unregisterJobHandler(KIND);
  await t?.stop();
});

const row = async (key: string) => (await t.database.db.select().from(jobs).where(eq(jobs.key, key)))[0];
const state = (key: string, want: string, attempts: number) =>
  eventually(async () => {
    const r = await row(key);
    return r?.state === want && r.attempts === attempts ? r : undefined;
  }, `${key} ${want} after ${attempts}`);

describe('a two-phase job', () => {
  it('works outside any transaction, then records its outcome with "done"', async () => {
    await scheduleJob(t.database.db, { kind: KIND, key: 'two-phase:plain', runAt: clock.now() });
    const done = await state('two-phase:plain', 'done', 1);
    expect(done.payload).toEqual({ recorded: 'attempt 1' });
    expect(calls.filter((c) => c.key === 'two-phase:plain')).toEqual([
      { phase: 'outside', key: 'two-phase:plain', attempt: 1, rowFree: true },
      { phase: 'record', key: 'two-phase:plain', attempt: 1, outcome: { said: 'attempt 1' } },
    ]);
  });

  it('counts an outside failure as a failed attempt, retried after the back-off', async () => {
    const key = 'two-phase:outside-fails';
    await scheduleJob(t.database.db, { kind: KIND, key, runAt: clock.now(), payload: { outsideFails: 1 } });
    const failed = await eventually(async () => {
      const r = await row(key);
      return r?.lastError ? r : undefined;
    }, 'the failed attempt');
    expect(failed).toMatchObject({ state: 'pending', attempts: 1, lastError: 'outside failure 1' });
    expect(failed.lockedUntil).toEqual(new Date(clock.now().getTime() + retryDelayMs(1)));
    expect(calls.filter((c) => c.key === key).map((c) => c.phase)).toEqual(['outside']);
    clock.set(failed.lockedUntil!);
    expect((await state(key, 'done', 2)).payload).toMatchObject({ recorded: 'attempt 2' });
  });

  it('rolls back a record that throws, and runs the outside phase again on the next attempt', async () => {
    const key = 'two-phase:record-fails';
    await scheduleJob(t.database.db, { kind: KIND, key, runAt: clock.now(), payload: { recordFails: 1 } });
    const failed = await eventually(async () => {
      const r = await row(key);
      return r?.lastError ? r : undefined;
    }, 'the failed record');
    expect(failed).toMatchObject({ state: 'pending', attempts: 1, lastError: 'record failure 1' });
    expect(failed.payload).toEqual({ recordFails: 1 });
    clock.set(failed.lockedUntil!);
    expect((await state(key, 'done', 2)).payload).toEqual({ recordFails: 1, recorded: 'attempt 2' });
    expect(calls.filter((c) => c.key === key).map((c) => `${c.phase} ${c.attempt}`)).toEqual([
      'outside 1',
      'record 1',
      'outside 2',
      'record 2',
    ]);
  });
});
