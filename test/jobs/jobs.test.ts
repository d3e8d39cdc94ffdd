// Durable jobs on the platform (embedded PGlite, a controlled clock): a job runs at its runAt and not
// before, scheduling a key twice schedules once, a failing handler is retried with a back-off and then
// marked failed (and listed to admins), and a job claimed by a process that died runs after a restart
// once its lease expired, with its effect written once. The runner polls every CLOSE_POLL_MS (100 ms
// in tests); the clock only moves when a test moves it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { jobs } from '../../db/schema.ts';
import { cancelJob, scheduleJob } from '../../server/jobs/queue.ts';
import { claimDueJob, jobTimings, MAX_JOB_ATTEMPTS, retryDelayMs } from '../../server/jobs/runner.ts';
import { TEST_PROBE_EFFECT_KIND, TEST_PROBE_KIND } from '../../server/jobs/test-probe.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { eventually } from '../auctions/factories.ts';

const T0 = Date.parse('2027-02-04T08:00:00Z');
const HOUR = 3_600_000;
const clock = new ManualClock(T0);
let database: TestDatabase;
let idp: TestIdp;
let t: TestPlatform;
let adminToken: string;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Long enough for several polls of the runner (CLOSE_POLL_MS is 100 ms in tests). */
const SEVERAL_POLLS_MS = 800;

async function jobRow(key: string) {
  const [row] = await database.db.select().from(jobs).where(eq(jobs.key, key));
  return row;
}
async function effects(key: string): Promise<Record<string, unknown>[]> {
  const rows = await database.db.select().from(jobs).where(eq(jobs.kind, TEST_PROBE_EFFECT_KIND));
  return rows.map((r) => r.payload).filter((p) => p.of === key);
}
const doneJob = (key: string) =>
  eventually(async () => {
    const row = await jobRow(key);
    return row?.state === 'done' ? row : undefined;
  }, `job ${key} done`);

beforeAll(async () => {
  database = await openTestDatabase();
  idp = await startTestIdp();
  const adminPid = newPid();
  t = await startTestPlatform({ clock, database, idp, env: { ADMIN_PIDS: adminPid } });
  adminToken = await t.idp.token({ sub: adminPid, loa: 2 });
});
afterAll(async () => {
  await t?.stop();
  await database?.close();
  await idp?.close();
});

describe('durable jobs', () => {
  it('run at runAt and not before, once', async () => {
    await scheduleJob(database.db, { kind: TEST_PROBE_KIND, key: 'at-runat', runAt: new Date(T0 + HOUR) });
    await sleep(SEVERAL_POLLS_MS);
    expect(await jobRow('at-runat')).toMatchObject({ state: 'pending', attempts: 0, lockedUntil: null });
    clock.set(T0 + HOUR - 1);
    await sleep(SEVERAL_POLLS_MS);
    expect((await jobRow('at-runat')).state).toBe('pending');
    clock.set(T0 + HOUR);
    const done = await doneJob('at-runat');
    expect(done).toMatchObject({ attempts: 1, lockedUntil: null, lastError: null });
    expect(done.doneAt).toEqual(new Date(T0 + HOUR));
    await sleep(SEVERAL_POLLS_MS);
    expect(await effects('at-runat')).toEqual([{ of: 'at-runat', pid: process.pid, attempt: 1 }]);
  });

  it('schedule a key once: a second schedule moves a pending job, and leaves a done one alone', async () => {
    const now = clock.now().getTime();
    expect(
      await scheduleJob(database.db, {
        kind: TEST_PROBE_KIND,
        key: 'twice',
        runAt: new Date(now + 2 * HOUR),
        payload: { v: 1 },
      }),
    ).toBe('scheduled');
    expect(
      await scheduleJob(database.db, {
        kind: TEST_PROBE_KIND,
        key: 'twice',
        runAt: new Date(now + HOUR),
        payload: { v: 2 },
      }),
    ).toBe('rescheduled');
    expect(await database.db.$count(jobs, eq(jobs.key, 'twice'))).toBe(1);
    expect(await jobRow('twice')).toMatchObject({ runAt: new Date(now + HOUR), payload: { v: 2 }, state: 'pending' });

    // Inside a transaction that rolls back, the job is not scheduled at all.
    await database.db
      .transaction(async (tx) => {
        await scheduleJob(tx, { kind: TEST_PROBE_KIND, key: 'rolled-back', runAt: new Date(now) });
        throw new Error('roll back');
      })
      .catch(() => {});
    expect(await jobRow('rolled-back')).toBeUndefined();

    clock.set(now + HOUR);
    await doneJob('twice');
    expect(
      await scheduleJob(database.db, { kind: TEST_PROBE_KIND, key: 'twice', runAt: new Date(now + 5 * HOUR) }),
    ).toBe('unchanged');
    expect(await jobRow('twice')).toMatchObject({ state: 'done', runAt: new Date(now + HOUR), payload: { v: 2 } });
    expect(await effects('twice')).toHaveLength(1);
  });

  it('cancel a pending job, which then never runs', async () => {
    const now = clock.now().getTime();
    await scheduleJob(database.db, { kind: TEST_PROBE_KIND, key: 'cancelled', runAt: new Date(now + HOUR) });
    expect(await cancelJob(database.db, 'cancelled')).toBe(true);
    expect(await cancelJob(database.db, 'cancelled')).toBe(false);
    clock.set(now + HOUR);
    await sleep(SEVERAL_POLLS_MS);
    expect(await jobRow('cancelled')).toBeUndefined();
    expect(await effects('cancelled')).toEqual([]);
  });

  it('retry a failing handler after a back-off, and succeed when it stops failing', async () => {
    const now = clock.now().getTime();
    await scheduleJob(database.db, {
      kind: TEST_PROBE_KIND,
      key: 'flaky',
      runAt: new Date(now),
      payload: { failAttempts: 1 },
    });
    const failedOnce = await eventually(async () => {
      const row = await jobRow('flaky');
      return row?.lastError ? row : undefined;
    }, 'the first attempt to fail');
    expect(failedOnce).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'probe failure on attempt 1',
      lockedUntil: new Date(now + retryDelayMs(1)),
    });
    await sleep(SEVERAL_POLLS_MS);
    expect((await jobRow('flaky')).attempts).toBe(1);
    clock.set(now + retryDelayMs(1));
    expect(await doneJob('flaky')).toMatchObject({ attempts: 2, lastError: null });
    expect(await effects('flaky')).toEqual([{ of: 'flaky', pid: process.pid, attempt: 2 }]);
  });

  it(`mark a job failed after ${MAX_JOB_ATTEMPTS} failed attempts, and list it to admins`, async () => {
    await scheduleJob(database.db, {
      kind: TEST_PROBE_KIND,
      key: 'hopeless',
      runAt: clock.now(),
      payload: { failAttempts: 99 },
    });
    for (let attempt = 1; attempt <= MAX_JOB_ATTEMPTS; attempt++) {
      const row = await eventually(async () => {
        const r = await jobRow('hopeless');
        // This attempt's own failure: while an attempt runs, the row still carries the previous one's.
        return r && r.attempts === attempt && r.lastError === `probe failure on attempt ${attempt}` ? r : undefined;
      }, `attempt ${attempt}`);
      if (attempt < MAX_JOB_ATTEMPTS) {
        expect(row.state).toBe('pending');
        clock.set(row.lockedUntil!.getTime());
      } else expect(row).toMatchObject({ state: 'failed', lockedUntil: null, lastError: 'probe failure on attempt 5' });
    }
    clock.advance(2 * HOUR);
    await sleep(SEVERAL_POLLS_MS);
    expect(await jobRow('hopeless')).toMatchObject({ state: 'failed', attempts: MAX_JOB_ATTEMPTS });
    expect(await effects('hopeless')).toEqual([]);

    const listed = await t.call('GET', '/api/admin/jobs?state=failed', { token: adminToken });
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([
      expect.objectContaining({
        kind: TEST_PROBE_KIND,
        key: 'hopeless',
        state: 'failed',
        attempts: MAX_JOB_ATTEMPTS,
        lastError: 'probe failure on attempt 5',
      }),
    ]);
    const bad = await t.call('GET', '/api/admin/jobs?state=broken', { token: adminToken });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fieldErrors.state.code).toBe('NOT_ONE_OF');
    const bidder = await t.idp.token({ sub: newPid(), loa: 2 });
    expect((await t.call('GET', '/api/admin/jobs?state=failed', { token: bidder })).status).toBe(403);
    expect((await t.call('GET', '/api/admin/jobs?state=failed')).status).toBe(401);
  });

  it('run a job whose process died holding it after a restart, once its lease expired', async () => {
    const now = clock.now().getTime();
    await t.stop();
    await scheduleJob(database.db, { kind: TEST_PROBE_KIND, key: 'orphan', runAt: new Date(now) });
    // A process claims it and dies before its transaction commits: the lease stays, the work does not.
    const claimed = await claimDueJob(t.platform.ctx, [TEST_PROBE_KIND], jobTimings(t.platform.ctx).leaseMs);
    expect(claimed).toMatchObject({ key: 'orphan', attempts: 1 });
    const leased = await jobRow('orphan');
    expect(leased.lockedUntil).toEqual(new Date(now + jobTimings(t.platform.ctx).leaseMs));

    t = await startTestPlatform({ clock, database, idp });
    await sleep(SEVERAL_POLLS_MS);
    expect(await jobRow('orphan')).toMatchObject({ state: 'pending', attempts: 1 });
    clock.set(leased.lockedUntil!.getTime());
    expect(await doneJob('orphan')).toMatchObject({ attempts: 2 });
    expect(await effects('orphan')).toEqual([{ of: 'orphan', pid: process.pid, attempt: 2 }]);
    expect(await database.db.$count(jobs, and(eq(jobs.kind, TEST_PROBE_KIND), eq(jobs.state, 'pending')))).toBe(0);
  });
});
