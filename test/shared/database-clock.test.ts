// The platform's clock: the database's time, measured from each process (server/shared/database-clock.ts).
// The arithmetic is driven by a scripted database and scripted host clocks, so each case is exact;
// then the real thing against this run's database (PGlite, or PostgreSQL with TEST_DATABASE_URL), and
// the platform's wiring (/api/health). Two processes with offset host clocks: test/faults/clock-skew.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseClock, databaseTimeReader, type HostClocks } from '../../server/shared/database-clock.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { createLogger, type Logger } from '../../server/shared/log.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { startTestPlatform } from '../support/platform.ts';

/** A logger whose lines the test reads. */
function capturedLog(): { log: Logger; lines: () => { level: number; msg: string }[] } {
  const out: string[] = [];
  const log = createLogger({ level: 'info', destination: { write: (line: string) => void out.push(line) } as never });
  return { log, lines: () => out.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}
const WARN = 40;

/** Host clocks the test moves: a wall clock that may be stepped, and a monotonic one. */
class ScriptedHost implements HostClocks {
  wall = 1_700_000_000_000;
  monotonic = 5_000;
  wallMs = (): number => this.wall;
  monotonicMs = (): number => this.monotonic;
  /** Time passes on both clocks. */
  pass(ms: number): void {
    this.wall += ms;
    this.monotonic += ms;
  }
}

const clocks: DatabaseClock[] = [];
afterEach(() => clocks.splice(0).forEach((c) => c.stop()));
function clock(options: ConstructorParameters<typeof DatabaseClock>[0]): DatabaseClock {
  const c = new DatabaseClock(options);
  clocks.push(c);
  return c;
}

describe('the database clock', () => {
  it("takes the database's time from the round trip with the shortest time, at its midpoint", async () => {
    const host = new ScriptedHost();
    const databaseAhead = 2_500;
    // Three round trips of 8, 2 and 5 ms. The database reads its clock 1 ms after a request arrives
    // when the trip is lopsided (the first and third), at the midpoint on the short one.
    const trips = [
      { out: 1, back: 7 },
      { out: 1, back: 1 },
      { out: 1, back: 4 },
    ];
    let i = 0;
    const readDatabaseMs = async (): Promise<number> => {
      const { out, back } = trips[i++];
      host.pass(out);
      const reading = host.wall + databaseAhead;
      host.pass(back);
      return reading;
    };
    const c = clock({ readDatabaseMs, log: createLogger({ level: 'silent' }), host });
    const reading = await c.measure();
    expect(reading).toMatchObject({ offsetMs: databaseAhead, roundTripMs: 2 });
    expect(c.now().getTime()).toBe(host.wall + databaseAhead);
  });

  it("runs on from the last measurement by the monotonic clock, so a step of the host's wall clock changes nothing", async () => {
    const host = new ScriptedHost();
    const c = clock({ readDatabaseMs: async () => host.wall - 700, log: createLogger({ level: 'silent' }), host });
    await c.measure();
    const measured = c.now().getTime();
    host.pass(1_000);
    host.wall -= 3_600_000; // an operator sets the host clock back an hour
    expect(c.now().getTime()).toBe(measured + 1_000);
    expect(c.reading?.offsetMs).toBe(-700);
  });

  it('keeps the last measurement when one fails, logs the failure once, and logs when it works again', async () => {
    const host = new ScriptedHost();
    const { log, lines } = capturedLog();
    let down = false;
    const c = clock({
      readDatabaseMs: async () =>
        down
          ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
          : host.wall + 40,
      log,
      host,
    });
    await c.measure();
    down = true;
    host.pass(500);
    expect(await c.measure()).toBeUndefined();
    expect(await c.measure()).toBeUndefined();
    expect(c.reading?.offsetMs).toBe(40);
    expect(c.now().getTime()).toBe(host.wall + 40);
    expect(lines().filter((l) => /measuring the database's clock failed/.test(l.msg))).toHaveLength(1);
    down = false;
    expect(await c.measure()).toMatchObject({ offsetMs: 40 });
    expect(lines().filter((l) => /works again/.test(l.msg))).toHaveLength(1);
  });

  it('answers now() at once while a measurement hangs, and gives the measurement up at its bound', async () => {
    const host = new ScriptedHost();
    let hang = false;
    const c = clock({
      readDatabaseMs: () => (hang ? new Promise<number>(() => {}) : Promise.resolve(host.wall + 10)),
      log: createLogger({ level: 'silent' }),
      host,
      timeoutMs: 50,
    });
    await c.measure();
    hang = true;
    const started = performance.now();
    const pending = c.measure();
    expect(c.now().getTime()).toBe(host.wall + 10);
    expect(await pending).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('keeps the more certain reading: a later measurement with slow round trips does not displace a good one', async () => {
    const host = new ScriptedHost();
    let rtt = 1;
    let databaseAhead = 100;
    const readDatabaseMs = async (): Promise<number> => {
      host.pass(rtt / 2);
      const r = host.wall + databaseAhead;
      host.pass(rtt / 2);
      return r;
    };
    const c = clock({ readDatabaseMs, log: createLogger({ level: 'silent' }), host });
    await c.measure();
    host.pass(15_000);
    rtt = 900; // a busy pool: within ±450 ms, against ±0.5 ms (+1.5 ms of possible drift since)
    databaseAhead = 400;
    expect(await c.measure()).toBeUndefined();
    expect(c.reading).toMatchObject({ offsetMs: 100, roundTripMs: 1 });
    expect(c.now().getTime()).toBe(host.wall + 100);
    rtt = 3; // within ±1.5 ms: as certain as the old reading 15 s on
    expect(await c.measure()).toMatchObject({ offsetMs: 400, roundTripMs: 3 });
    expect(c.now().getTime()).toBe(host.wall + 400);
  });

  it('warns when the host clock is a second or more away from the database’s', async () => {
    const host = new ScriptedHost();
    const { log, lines } = capturedLog();
    const c = clock({ readDatabaseMs: async () => host.wall - 3_000, log, host });
    await c.start();
    const warned = lines().filter((l) => l.level === WARN);
    expect(warned.map((l) => l.msg)).toEqual([
      expect.stringMatching(/this host's clock is 3000 ms ahead of the database's/),
    ]);
    await c.measure();
    expect(lines().filter((l) => l.level === WARN)).toHaveLength(1);
  });
});

describe("the database clock on this run's database", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("reads the database's clock and agrees with it", async () => {
    const read = databaseTimeReader(database.db);
    const c = clock({ readDatabaseMs: read, log: createLogger({ level: 'silent' }) });
    const reading = await c.measure();
    expect(reading).toBeDefined();
    // The database runs on this host (PGlite in this very process): the host clocks agree.
    expect(Math.abs(reading!.offsetMs)).toBeLessThan(50);
    for (let i = 0; i < 5; i++) {
      const before = await read();
      const now = c.now().getTime();
      const after = await read();
      const slack = reading!.roundTripMs / 2 + 1;
      expect(now).toBeGreaterThanOrEqual(before - slack);
      expect(now).toBeLessThanOrEqual(after + slack);
    }
  });
});

describe("the platform's clock", () => {
  it('runs the platform on the database clock and reports its offset in readiness', async () => {
    const t = await startTestPlatform();
    try {
      const before = Date.now();
      const health = await t.call('GET', '/api/health');
      expect(health.status).toBe(200);
      expect(typeof health.json.clockOffsetMs).toBe('number');
      expect(Math.abs(health.json.clockOffsetMs)).toBeLessThan(50);
      const serverTime = Date.parse(health.json.serverTime);
      expect(serverTime).toBeGreaterThanOrEqual(before - 50);
      expect(serverTime).toBeLessThanOrEqual(Date.now() + 50);
    } finally {
      await t.stop();
    }
  }, 60_000);

  it('keeps a controlled clock in tests, with no offset to report', async () => {
    const manual = new ManualClock(Date.parse('2031-05-01T08:00:00Z'));
    const t = await startTestPlatform({ clock: manual });
    try {
      const health = await t.call('GET', '/api/health');
      expect(health.json).toMatchObject({ status: 'ok', clockOffsetMs: null, serverTime: '2031-05-01T08:00:00.000Z' });
    } finally {
      await t.stop();
    }
  }, 60_000);
});
