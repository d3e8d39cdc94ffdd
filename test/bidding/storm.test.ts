// Storms over real HTTP against real server processes: 50 approved bidders each firing 20 bids at one
// live lot. Afterwards every 201 is in the ledger and nothing else is, seq has no gaps, amounts
// strictly increase, the hash chain verifies and the current price is the last standing bid.
import { afterEach, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { onPostgres } from '../support/db.ts';
import { createLot, lotBody, type Actor } from '../auctions/factories.ts';
import {
  caller,
  expectSoundLedger,
  prepareDatabase,
  registerMany,
  sleepUntil,
  storm,
  type PreparedDb,
} from './storm-support.ts';

const BIDDERS = 50;
const BIDS_EACH = 20;
const STEP = 1_000_000;
let cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups = [];
});

async function setUp(processes: number): Promise<{ servers: ServerProcess[]; db: PreparedDb; idp: TestIdp }> {
  const idp = await startTestIdp();
  cleanups.push(() => idp.close());
  const db = await prepareDatabase(idp);
  cleanups.push(() => db.drop());
  const servers: ServerProcess[] = [];
  for (let i = 0; i < processes; i++) {
    const s = await startServerProcess(db.env);
    servers.push(s);
    cleanups.push(() => s.stop('SIGKILL'));
  }
  return { servers, db, idp };
}

/**
 * A lot whose bidding starts a few seconds from now, with every bidder registered and approved. On a
 * machine so loaded that registering them does not fit the window, a new lot with a longer one.
 */
async function liveStormLot(base: string, manager: Actor, bidders: Actor[]): Promise<number> {
  const call = caller(base);
  for (const windowMs of [12_000, 30_000, 60_000]) {
    const now = Date.now();
    const startsAt = now + windowMs;
    const lot = await createLot(
      call,
      manager,
      lotBody(now - 1_000, {
        startingPrice: 100_000_000,
        priceStep: STEP,
        deposit: 10_000_000,
        registrationClosesAt: new Date(startsAt).toISOString(),
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
      }),
    );
    expect((await call('POST', `/api/lots/${lot.id}/publish`, { token: manager.token })).status).toBe(200);
    if (!(await registerMany(call, manager, lot.id, bidders))) {
      console.log(`storm: registering ${bidders.length} bidders took over ${windowMs} ms; trying a longer window`);
      continue;
    }
    await sleepUntil(startsAt + 50);
    return lot.id;
  }
  throw new Error('registering the storm bidders did not fit even a 60 s window');
}

const bidders = (idp: TestIdp): Promise<Actor[]> =>
  Promise.all(
    Array.from({ length: BIDDERS }, async () => {
      const pid = newPid();
      return { pid, token: await idp.token({ sub: pid, loa: 2 }) };
    }),
  );

describe('a storm of bids on one lot', () => {
  it('keeps exactly the acknowledged bids, in order, chained, with one server process', async () => {
    const { servers, db, idp } = await setUp(1);
    const people = await bidders(idp);
    const lotId = await liveStormLot(servers[0].base, db.manager, people);
    const outcome = await storm({
      bases: [servers[0].base],
      lotId,
      bidders: people,
      bidsEach: BIDS_EACH,
      start: 100_000_000,
      step: STEP,
    });
    expect(outcome.unanswered).toBe(0);
    expect(outcome.accepted.length).toBeGreaterThan(BIDS_EACH);
    expect(
      Object.keys(outcome.refused).every((code) => code === 'BID_TOO_LOW' || code === 'ALREADY_LEADING'),
      JSON.stringify(outcome.refused),
    ).toBe(true);
    await expectSoundLedger(caller(servers[0].base), lotId, outcome, { exact: true });
  }, 180_000);

  it('keeps exactly the acknowledged bids with two server processes on one PostgreSQL', async () => {
    if (!onPostgres()) {
      // CI runs the suite a second time against PostgreSQL (.ci/run fails when it is unreachable),
      // where this test runs; on the embedded pass and on a user's machine it is skipped.
      console.log('skipped: the two-process storm needs PostgreSQL (set TEST_DATABASE_URL)');
      return;
    }
    const { servers, db, idp } = await setUp(2);
    const people = await bidders(idp);
    const lotId = await liveStormLot(servers[0].base, db.manager, people);
    const outcome = await storm({
      bases: servers.map((s) => s.base),
      lotId,
      bidders: people,
      bidsEach: BIDS_EACH,
      start: 100_000_000,
      step: STEP,
    });
    expect(outcome.unanswered).toBe(0);
    expect(
      Object.keys(outcome.refused).every((code) => code === 'BID_TOO_LOW' || code === 'ALREADY_LEADING'),
      JSON.stringify(outcome.refused),
    ).toBe(true);
    // Both processes read the same ledger.
    const ledger = await expectSoundLedger(caller(servers[0].base), lotId, outcome, { exact: true });
    expect(await expectSoundLedger(caller(servers[1].base), lotId, outcome, { exact: true })).toEqual(ledger);
  }, 180_000);
});
