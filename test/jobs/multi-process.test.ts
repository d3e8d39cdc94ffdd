// Durable jobs with several platform processes on one PostgreSQL database: every job runs once however
// many processes poll (FOR UPDATE SKIP LOCKED with a lease), and a job whose process is killed with
// SIGKILL while running it is run by the other process once its lease expired, its effect written once.
// Uses the test-only 'test.probe' kind (server/jobs/test-probe.ts, NODE_ENV=test), whose effect is a
// row naming the job, the process and the attempt, written in the job's transaction. Needs PostgreSQL
// (TEST_DATABASE_URL): embedded PGlite belongs to one process. It skips, with the reason printed, on
// an embedded-PGlite run (CI runs the suite on PostgreSQL as well, where it runs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { openDatabase, type Database } from '../../db/client.ts';
import { jobs } from '../../db/schema.ts';
import { scheduleJob } from '../../server/jobs/queue.ts';
import { TEST_PROBE_EFFECT_KIND, TEST_PROBE_KIND } from '../../server/jobs/test-probe.ts';
import { createPostgresDatabase, onPostgres } from '../support/db.ts';
import { startTestIdp, type TestIdp } from '../support/eid.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

const missing = onPostgres()
  ? undefined
  : 'two processes and a kill -9 need a shared PostgreSQL (set TEST_DATABASE_URL); embedded PGlite belongs to one process';
if (missing) console.log(`Skipping the multi-process job tests: ${missing}`);

/** A handler gets 2 × REQUEST_TIMEOUT_MS, a lease 3 × that: 6 s here (server/jobs/runner.ts). */
const REQUEST_TIMEOUT_MS = 1_000;
const LEASE_MS = 6 * REQUEST_TIMEOUT_MS;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(Boolean(missing))('durable jobs with two processes on PostgreSQL', () => {
  let idp: TestIdp;
  let database: Database;
  let servers: ServerProcess[] = [];
  let drop = async (): Promise<void> => {};

  beforeAll(async () => {
    idp = await startTestIdp();
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    database = await openDatabase({ url: pg.url, poolSize: 3 });
    servers = await Promise.all(
      [0, 1].map(() =>
        startServerProcess({
          ...idp.env(),
          DATABASE_URL: pg.url,
          REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
          CLOSE_POLL_MS: '50',
        }),
      ),
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await database?.close();
    await drop();
    await idp?.close();
  });

  const effectsOf = async (keys: string[]) =>
    (await database.db.select().from(jobs).where(eq(jobs.kind, TEST_PROBE_EFFECT_KIND)))
      .map((r) => r.payload as { of: string; pid: number; attempt: number })
      .filter((p) => keys.includes(p.of));

  it('run each job once while both processes poll', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `once-${i}`);
    await database.db.transaction(async (tx) => {
      for (const key of keys)
        await scheduleJob(tx, {
          kind: TEST_PROBE_KIND,
          key,
          runAt: new Date(Date.now() - 1_000),
          payload: { sleepMs: 20 },
        });
    });
    await until(async () => {
      const done = await database.db.$count(jobs, and(inArray(jobs.key, keys), eq(jobs.state, 'done')));
      return done === keys.length ? true : undefined;
    }, 'every job done');
    const effects = await effectsOf(keys);
    expect(effects).toHaveLength(keys.length);
    expect(new Set(effects.map((e) => e.of)).size).toBe(keys.length);
    // One effect per job, written by the attempt that marked it done. Under load an attempt may
    // outlast its bound; its transaction then rolls back, effect included, and a later attempt runs.
    const attempts = new Map(
      (await database.db.select().from(jobs).where(inArray(jobs.key, keys))).map((j) => [j.key, j.attempts]),
    );
    for (const e of effects) expect(e.attempt, e.of).toBe(attempts.get(e.of));
    const byProcess = new Set(effects.map((e) => e.pid));
    console.log(`60 jobs ran once each, on ${byProcess.size} process(es)`);
    for (const pid of byProcess) expect(servers.map((s) => s.child.pid)).toContain(pid);
  }, 60_000);

  it('run a job once after kill -9 of the process running it, when its lease expired', async () => {
    const key = 'killed-holder';
    // Long enough to be killed in, within the handler's bound (2 s).
    await scheduleJob(database.db, {
      kind: TEST_PROBE_KIND,
      key,
      runAt: new Date(Date.now() - 1_000),
      payload: { sleepMs: 1_500 },
    });
    const holder = await until(
      async () => servers.find((s) => s.output().includes(`"probe":"${key}"`)),
      'a process to start the job',
    );
    const [leased] = await database.db.select().from(jobs).where(eq(jobs.key, key));
    expect(leased).toMatchObject({ state: 'pending', attempts: 1 });
    expect(leased.lockedUntil).not.toBeNull();
    const killed = await holder.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const survivor = servers.find((s) => s !== holder)!;

    // The lease keeps the survivor away until it expires, then it runs the job.
    await sleep(1_000);
    expect((await database.db.select().from(jobs).where(eq(jobs.key, key)))[0]).toMatchObject({
      state: 'pending',
      attempts: 1,
    });
    const done = await until(
      async () => {
        const [row] = await database.db.select().from(jobs).where(eq(jobs.key, key));
        return row.state === 'done' ? row : undefined;
      },
      'the survivor to run the job',
      LEASE_MS + 20_000,
    );
    expect(done.attempts).toBe(2);
    expect(done.doneAt!.getTime()).toBeGreaterThanOrEqual(leased.lockedUntil!.getTime());
    expect(await effectsOf([key])).toEqual([{ of: key, pid: survivor.child.pid, attempt: 2 }]);
    expect(survivor.output()).toContain(`"probe":"${key}"`);
  }, 60_000);
});
