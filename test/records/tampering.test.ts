import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { signingKeys } from '../../db/schema.ts';
import { signFlattened, type FlattenedJws, type Jwks } from '../../server/records/jws.ts';
import { RECORD_CTY, type AuctionRecord } from '../../server/records/record-format.ts';
import { verifyDocument } from '../../server/records/verify-document.ts';
import { ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot, type SeededLot } from './factory.ts';
import { fetchJwks, personaTokens, postRaw } from './support.ts';

let tp: TestPlatform;
let regulator: string;
let lot: SeededLot;
let original: FlattenedJws;
let jwks: Jwks;
let platformKey: { kid: string; alg: 'EdDSA'; privateKey: CryptoKey };

beforeAll(async () => {
  tp = await startTestPlatform();
  regulator = (await personaTokens(tp)).regulator!;
  lot = await seedEndedLot(tp.database.db, { bids: CONTESTED_BIDS, extend: true });
  original = (await tp.call('GET', `/api/records/lots/${lot.lotId}?format=json`, { token: regulator })).json;
  jwks = await fetchJwks(tp);
  // The platform's own private key, as an insider with database access could read it.
  const [row] = await tp.database.db
    .select()
    .from(signingKeys)
    .where(eq(signingKeys.kid, JSON.parse(Buffer.from(original.protected, 'base64url').toString()).kid));
  platformKey = {
    kid: row.kid,
    alg: 'EdDSA',
    privateKey: (await importJWK(row.privateJwk as JWK, 'EdDSA')) as CryptoKey,
  };
});
afterAll(async () => tp?.stop());

const recordOf = (jws: FlattenedJws): AuctionRecord =>
  JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'));
const encode = (r: AuctionRecord): Uint8Array => new TextEncoder().encode(JSON.stringify(r));
const verify = (jws: unknown): ReturnType<typeof verifyDocument> =>
  verifyDocument(new TextEncoder().encode(typeof jws === 'string' ? jws : JSON.stringify(jws)), jwks);
/** A changed record, re-encoded but not re-signed. */
const edited = (change: (r: AuctionRecord) => void): FlattenedJws => {
  const r = recordOf(original);
  change(r);
  return { ...original, payload: Buffer.from(encode(r)).toString('base64url') };
};
/** A changed record re-signed by the platform's real key: only the hash chain can tell. */
const insider = async (change: (r: AuctionRecord) => void): Promise<FlattenedJws> => {
  const r = recordOf(original);
  change(r);
  return signFlattened(encode(r), platformKey, RECORD_CTY);
};

describe('verification of an untouched record', () => {
  it('is valid and names the key and final hash', async () => {
    const v = await verify(original);
    expect(v).toMatchObject({
      valid: true,
      kind: 'auction-record',
      kid: platformKey.kid,
      details: { lotId: lot.lotId, entries: 7, finalHash: lot.finalHash },
    });
  });
});

describe('a record with any byte changed', () => {
  it('is invalid whichever single byte of the returned JSON is changed', async () => {
    const text = JSON.stringify(original);
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let checked = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      const replacement = B64.includes(c) ? B64[(B64.indexOf(c) + 1 + (i % 63)) % 64] : c === 'x' ? 'y' : 'x';
      const v = await verify(text.slice(0, i) + replacement + text.slice(i + 1));
      if (v.valid) throw new Error(`changing byte ${i} (${c} → ${replacement}) went unnoticed`);
      checked++;
    }
    expect(checked).toBe(text.length);
  }, 120_000);

  it('reports a changed amount as a signature that does not hold', async () => {
    const v = await verify(edited((r) => void (r.ledger[2].amount = 51_000_000)));
    expect(v.valid).toBe(false);
    expect(v.reason).toMatch(/signature does not verify/);
  });
});

describe('a record whose bids were removed, added or reordered', () => {
  const cases: [string, (r: AuctionRecord) => void, RegExp, string | RegExp][] = [
    ['a bid removed', (r) => void r.ledger.splice(2, 1), /seq|link/, 'LEDGER_SEQ_GAP'],
    ['the last bid removed', (r) => void r.ledger.pop(), /final hash|counts/, 'FINAL_HASH_MISMATCH'],
    [
      'two bids swapped',
      (r) => void ([r.ledger[1], r.ledger[2]] = [r.ledger[2], r.ledger[1]]),
      /seq/,
      'LEDGER_SEQ_GAP',
    ],
    [
      'a bid added at the end',
      (r) => void r.ledger.push({ ...r.ledger[6], seq: 8, amount: 70_000_000, prevHash: r.ledger[6].hash }),
      /seq 8 was changed|hash/,
      /^(LEDGER_ENTRY_CHANGED|FINAL_HASH_MISMATCH)$/,
    ],
    [
      'a bid inserted and the rest renumbered',
      (r) => {
        r.ledger.splice(3, 0, { ...r.ledger[2], amount: 52_000_000 });
        r.ledger.forEach((e, i) => (e.seq = i + 1));
      },
      /link|changed/,
      /^LEDGER_(LINK_BROKEN|ENTRY_CHANGED)$/,
    ],
    ['the withdrawal removed', (r) => void r.ledger.splice(4, 1), /seq/, 'LEDGER_SEQ_GAP'],
    ['an amount changed', (r) => void (r.ledger[5].amount = 56_000_000), /seq 6 was changed/, 'LEDGER_ENTRY_CHANGED'],
    [
      'a bidder code swapped',
      (r) => void (r.ledger[0].bidderCode = 'B-002'),
      /seq 1 was changed/,
      'LEDGER_ENTRY_CHANGED',
    ],
    [
      'a bid time moved',
      (r) => void (r.ledger[6].placedAt = new Date(Date.parse(r.ledger[6].placedAt) - 60_000).toISOString()),
      /seq 7 was changed/,
      'LEDGER_ENTRY_CHANGED',
    ],
    ['the final hash replaced', (r) => void (r.finalHash = 'f'.repeat(64)), /final hash/, 'FINAL_HASH_MISMATCH'],
    [
      'an entry recomputed but the final hash kept',
      (r) => {
        r.ledger[6].amount = 66_000_000;
        r.ledger[6].hash = ledgerEntryHash(r.ledger[6].prevHash, { ...r.ledger[6], lotId: r.lot.id });
      },
      /final hash/,
      'FINAL_HASH_MISMATCH',
    ],
    // The chain covers the actor's keyed hash, not the clear actorPid beside it (DESIGN.md §8); the
    // platform checks the clear column against the hash before it signs (test/records/rewritten-registration.test.ts).
    [
      'a history event altered',
      (r) => void (r.history[0].actorHash = 'a'.repeat(64)),
      /history event/,
      'HISTORY_EVENT_CHANGED',
    ],
    [
      'the people behind two bidder codes swapped',
      (r) => {
        const [a, b] = r.registrations;
        [a.pid, b.pid, a.personHash, b.personHash, a.name, b.name] = [
          b.pid,
          a.pid,
          b.personHash,
          a.personHash,
          b.name,
          a.name,
        ];
      },
      /registration B-001 names a different person than the one chained/,
      'REGISTRATION_PERSON_CHANGED',
    ],
    [
      'another winner named',
      (r) => {
        const other = r.registrations.find((x) => x.bidderCode !== r.result.winnerBidderCode)!;
        Object.assign(r.result, { winnerBidderCode: other.bidderCode, winnerPid: other.pid, winnerName: other.name });
      },
      /the record names B-\d+, but the close chained B-001/,
      'RESULT_WINNER_MISMATCH',
    ],
    [
      'a registration dropped',
      (r) => void r.registrations.splice(2, 1),
      /bidder code B-003 was registered \(audit event \d+\) but is missing/,
      'REGISTRATION_MISSING',
    ],
  ];

  for (const [what, change, reason, code] of cases) {
    it(`detects ${what}, even when re-signed with the platform's own key`, async () => {
      const tampered = await verify(edited(change));
      expect(tampered).toMatchObject({ valid: false, signed: false, code: 'SIGNATURE_INVALID' });
      expect(tampered.reason).toMatch(/signature does not verify/);
      const resigned = await verify(await insider(change));
      // The key signed it, but the content contradicts its own chains: the code says what.
      expect(resigned).toMatchObject({ valid: false, signed: true });
      expect(resigned.code).toMatch(code);
      expect(resigned.reason).toMatch(reason);
    });
  }

  it('names a changed final price with the amounts as numbers, for the reader to format', async () => {
    const resigned = await verify(await insider((r) => void (r.result.finalPrice = 160_000_000)));
    expect(resigned).toMatchObject({
      valid: false,
      code: 'RESULT_PRICE_MISMATCH',
      params: { price: 160_000_000, chainedPrice: 65_000_000 },
    });
  });
});

describe('a record signed by another key', () => {
  it('is invalid when the key is not published', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await signFlattened(
      encode(recordOf(original)),
      { kid: 'attacker-key', alg: 'EdDSA', privateKey },
      RECORD_CTY,
    );
    const v = await verify(forged);
    expect(v.valid).toBe(false);
    expect(v.reason).toMatch(/not among the platform's published keys/);
  });

  it("is invalid when the other key claims the platform's kid", async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await signFlattened(
      encode(recordOf(original)),
      { kid: platformKey.kid, alg: 'EdDSA', privateKey },
      RECORD_CTY,
    );
    const v = await verify(forged);
    expect(v.valid).toBe(false);
    expect(v.reason).toMatch(/signature does not verify/);
  });

  it('is invalid when signed with another algorithm or as another kind of document', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const es = await signFlattened(
      encode(recordOf(original)),
      { kid: platformKey.kid, alg: 'ES256', privateKey },
      RECORD_CTY,
    );
    expect((await verify(es)).reason).toMatch(/does not fit published key/);
    const seal = await signFlattened(encode(recordOf(original)), platformKey, 'export-seal+json');
    expect((await verify(seal)).reason).toMatch(/content type/);
  });
});

describe('POST /api/records/verify reports tampering with the reason', () => {
  it('answers valid:false with the reason for a tampered record', async () => {
    const res = await postRaw(
      tp,
      '/api/records/verify',
      JSON.stringify(await insider((r) => void r.ledger.splice(1, 1))),
      'application/json',
    );
    expect(res.status).toBe(200);
    expect(res.json.valid).toBe(false);
    expect(res.json.reason).toMatch(/ledger position 2 holds seq 3/);
  });

  it('detects a ledger changed in the database behind the triggers', async () => {
    const { db } = tp.database;
    const victim = await seedEndedLot(db, { bids: CONTESTED_BIDS });
    await db.execute(sql`alter table ledger_entries disable trigger user`);
    try {
      await db.execute(sql`update ledger_entries set amount = 64000000 where lot_id = ${victim.lotId} and seq = 7`);
    } finally {
      await db.execute(sql`alter table ledger_entries enable trigger user`);
    }
    // The platform checks the chain before it signs: it refuses to issue the record, and says why.
    const record = await tp.call('GET', `/api/records/lots/${victim.lotId}?format=json`, { token: regulator });
    expect(record.status).toBe(409);
    expect(record.json.error).toMatchObject({
      code: 'RECORD_INCONSISTENT',
      message: expect.stringMatching(/seq 7 was changed/),
    });
  });

  it('detects a bid deleted from the database behind the triggers', async () => {
    const { db } = tp.database;
    const victim = await seedEndedLot(db, { bids: CONTESTED_BIDS });
    await db.execute(sql`alter table ledger_entries disable trigger user`);
    try {
      await db.execute(sql`delete from ledger_entries where lot_id = ${victim.lotId} and seq = 3`);
    } finally {
      await db.execute(sql`alter table ledger_entries enable trigger user`);
    }
    const record = await tp.call('GET', `/api/records/lots/${victim.lotId}?format=json`, { token: regulator });
    expect(record.status).toBe(409);
    expect(record.json.error).toMatchObject({
      code: 'RECORD_INCONSISTENT',
      message: expect.stringMatching(/position 3 holds seq 4/),
    });
  });
});
