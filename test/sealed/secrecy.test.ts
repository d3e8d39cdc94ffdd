// No sealed amount before the end (issue 16): every read path, tried as another bidder, as the lot's
// manager, as a regulator and anonymously, shows none of the sealed amounts (nor a count of bids):
// the lot, the catalogue, the ledger, someone else's sealed bids, registrations, the result, the
// record (refused), the audit log, socket watch snapshots and events, the logs. After the reveal the
// same reads show them, so the checks would see an amount if one were there.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/shared/clock.ts';
import { createLogger } from '../../server/shared/log.ts';
import { person, type Actor } from '../auctions/factories.ts';
import { connect, Watcher, type ClientSocket } from '../realtime/support.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import type { Json } from '../support/json.ts';
import { openBidding, passTheEnd, sealedBid, sealedLot } from './factory.ts';

/** Amounts no other field holds (a price, step or deposit would never be these). */
const AMOUNTS = [47_654_321, 53_219_877];
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let t: TestPlatform;
const sockets: ClientSocket[] = [];
/** Every log line the platform writes, at every level. */
const logLines: string[] = [];

beforeAll(async () => {
  t = await startTestPlatform({
    clock,
    env: { SEALED_BID_KEY: randomBytes(32).toString('base64url') },
    log: createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } }),
  });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.stop();
});

/** Every way an amount could be written: digits, grouped with commas, dots or spaces. */
function shows(text: string): number[] {
  return AMOUNTS.filter((n) =>
    [String(n), n.toLocaleString('en-US'), n.toLocaleString('de-DE'), n.toLocaleString('fr-FR')].some((f) =>
      text.includes(f),
    ),
  );
}

describe('sealed amounts before the end', () => {
  it('are shown to no one but their bidder, through any read path', async () => {
    const manager = await person(t.idp, t.database.db, { roles: ['manager'] });
    const regulator = await person(t.idp, t.database.db, { roles: ['regulator'] });
    const [a, b, other] = await Promise.all([1, 2, 3].map(() => person(t.idp, undefined)));
    const { lot } = await sealedLot({ call: t.call, clock, db: t.database.db }, manager, [a, b, other]);
    openBidding(clock, lot);

    const viewers: [string, Actor | undefined][] = [
      ['another bidder', other],
      ['the manager', manager],
      ['a regulator', regulator],
      ['anonymous', undefined],
    ];
    const watchers: Watcher[] = [];
    for (const [, who] of viewers) {
      const socket = await connect(t.base, who ? { token: who.token } : {});
      sockets.push(socket);
      const w = new Watcher(socket, lot.id);
      await w.watch();
      watchers.push(w);
    }
    expect((await sealedBid(t.call, a, lot.id, AMOUNTS[0])).status).toBe(201);
    clock.advance(1_000);
    expect((await sealedBid(t.call, b, lot.id, AMOUNTS[1])).status).toBe(201);
    // Refused submissions carry amounts too (the lot does not allow replacing).
    expect((await sealedBid(t.call, b, lot.id, AMOUNTS[0])).status).toBe(409);

    const reads = async (who: Actor | undefined): Promise<{ path: string; status: number; text: string }[]> => {
      const paths = [
        `/api/lots/${lot.id}`,
        '/api/lots',
        `/api/lots/${lot.id}/bids?after=0`,
        `/api/lots/${lot.id}/sealed-bids/mine`,
        `/api/lots/${lot.id}/result`,
        `/api/lots/${lot.id}/registrations`,
        '/api/me/registrations',
        `/api/records/lots/${lot.id}?format=json`,
        `/api/records/lots/${lot.id}?format=csv`,
        '/api/records/audit?format=ndjson',
        '/api/records/audit?format=csv',
      ];
      return Promise.all(
        paths.map(async (path) => {
          const res = await t.call('GET', path, { token: who?.token });
          return { path, status: res.status, text: res.text };
        }),
      );
    };

    for (const [name, who] of viewers) {
      const answers = await reads(who);
      for (const r of answers) expect(shows(r.text), `${name}: GET ${r.path} (${r.status})`).toEqual([]);
      const byPath = new Map(answers.map((r) => [r.path, r]));
      const lotView: Json = JSON.parse(byPath.get(`/api/lots/${lot.id}`)!.text);
      expect(lotView, name).toMatchObject({ bidCount: 0, seq: 0, currentPrice: null, highestBidderCode: null });
      expect(JSON.parse(byPath.get(`/api/lots/${lot.id}/bids?after=0`)!.text).items, name).toEqual([]);
      if (who) expect(JSON.parse(byPath.get(`/api/lots/${lot.id}/sealed-bids/mine`)!.text).items, name).toEqual([]);
      // The record exists only once the lot has ended.
      if (who === regulator) {
        expect(byPath.get(`/api/records/lots/${lot.id}?format=json`)!.status).toBe(409);
        // The audit log holds the submissions' commitments, never their amounts.
        expect(byPath.get('/api/records/audit?format=ndjson')!.text).toContain('sealed_bid.submitted');
      }
    }
    for (const w of watchers) {
      expect(shows(JSON.stringify(w.snapshot))).toEqual([]);
      expect(shows(JSON.stringify(w.lotEvents))).toEqual([]);
      expect(w.ledger.size).toBe(0);
    }
    // A fresh watch after the submissions shows nothing either.
    const late = new Watcher(await connect(t.base, { token: other.token }), lot.id);
    sockets.push(late.socket);
    expect(shows(JSON.stringify(await late.watch()))).toEqual([]);

    // Nor did any log line, at any level.
    expect(logLines.length).toBeGreaterThan(0);
    expect(shows(logLines.join('\n'))).toEqual([]);

    // After the reveal the same reads show the amounts: the checks above would have seen them.
    await passTheEnd({ call: t.call, clock, db: t.database.db }, lot.id);
    const after = await reads(other);
    expect(shows(after.find((r) => r.path === `/api/lots/${lot.id}/bids?after=0`)!.text)).toEqual(AMOUNTS);
    for (const w of watchers) {
      await new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 10_000;
        const check = () =>
          w.ledger.size === 2
            ? resolve()
            : Date.now() > deadline
              ? reject(new Error('no reveal'))
              : setTimeout(check, 20);
        check();
      });
      expect([...w.ledger.values()].map((e) => [e.amount, typeof e.commitment, typeof e.salt])).toEqual([
        [AMOUNTS[0], 'string', 'string'],
        [AMOUNTS[1], 'string', 'string'],
      ]);
      expect(w.lotEvents.map((e) => e.reason)).toEqual(expect.arrayContaining(['revealed', 'closed']));
    }
  });
});
