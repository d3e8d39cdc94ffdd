// Two platform processes starting together on one fresh PostgreSQL database must agree on a single
// generated record-signing key (insert-if-absent under an advisory lock), and a record signed by one
// must verify on the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../db/client.ts';
import { createPostgresDatabase, onPostgres } from '../support/db.ts';
import { startTestIdp, type TestIdp } from '../support/eid.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { addPerson, CONTESTED_BIDS, seedEndedLot } from './factory.ts';

const missing = onPostgres()
  ? undefined
  : 'two processes need a shared PostgreSQL (set TEST_DATABASE_URL); embedded PGlite belongs to one process';
if (missing) console.log(`Skipping the multi-process record-signing test: ${missing}`);

describe.skipIf(Boolean(missing))('two processes sharing PostgreSQL', () => {
  let idp: TestIdp;
  let servers: ServerProcess[] = [];
  let database: Database;
  let drop = async (): Promise<void> => {};

  beforeAll(async () => {
    idp = await startTestIdp();
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    database = await openDatabase({ url: pg.url, poolSize: 2 });
    servers = await Promise.all([0, 1].map(() => startServerProcess({ ...idp.env(), DATABASE_URL: pg.url })));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await database?.close();
    await drop();
    await idp?.close();
  });

  it('publish the same single generated key, and verify each other’s records', async () => {
    const sets = await Promise.all(
      servers.map(async (s) => (await fetch(`${s.base}/api/.well-known/jwks.json`)).json()),
    );
    expect(sets[0].keys).toHaveLength(1);
    expect(sets[1]).toEqual(sets[0]);

    const regulator = await addPerson(database.db, { roles: ['regulator'] });
    const lot = await seedEndedLot(database.db, { bids: CONTESTED_BIDS });
    const token = await idp.token({ sub: regulator, loa: 2 });
    const record = await (
      await fetch(`${servers[0].base}/api/records/lots/${lot.lotId}?format=json`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).text();
    const verdict = await (
      await fetch(`${servers[1].base}/api/records/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: record,
      })
    ).json();
    expect(verdict).toMatchObject({ valid: true, kid: sets[0].keys[0].kid });
  });
});
