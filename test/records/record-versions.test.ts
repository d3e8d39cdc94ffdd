// Records of version 2 bind each registration to the person hash chained when it was made; records of
// version 3 add the auction method's parts. Records issued as version 1 or 2, before those existed,
// keep verifying as they were issued (a signed record never changes); a version-2 record cannot drop
// the binding to pass as version 1, and an older version cannot carry another method.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { lots } from '../../db/schema.ts';
import { signFlattened, type Jwks } from '../../server/records/jws.ts';
import { loadDetails } from '../../server/records/queries.ts';
import { buildRecord } from '../../server/records/record.ts';
import { RECORD_CTY, type AuctionRecord } from '../../server/records/record-format.ts';
import { verifySignedRecord } from '../../server/records/verify.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { CONTESTED_BIDS, seedEndedLot } from './factory.ts';

let database: TestDatabase;
let record: AuctionRecord;
let key: { kid: string; alg: 'EdDSA'; privateKey: CryptoKey };
let jwks: Jwks;

beforeAll(async () => {
  database = await openTestDatabase();
  const seeded = await seedEndedLot(database.db, { bids: CONTESTED_BIDS });
  const [lot] = await database.db.select().from(lots).where(eq(lots.id, seeded.lotId));
  record = buildRecord({ ...lot, status: 'closed' }, (await loadDetails(database.db, [lot.id])).get(lot.id)!, {
    issuedAt: new Date(),
    issuer: null,
    minBidders: 2,
  });
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  key = { kid: 'versions', alg: 'EdDSA', privateKey: pair.privateKey };
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'versions', alg: 'EdDSA', use: 'sig' }] };
});
afterAll(async () => database?.close());

const signed = async (r: AuctionRecord): Promise<unknown> =>
  signFlattened(new TextEncoder().encode(JSON.stringify(r)), key, RECORD_CTY);
/** The record as version 4 issued it: no requester (issue 20). */
const asVersion4 = (r: AuctionRecord): AuctionRecord => {
  const { requestedBy: _, ...rest } = r;
  return { ...rest, version: 4 };
};
/** The record as version 2 issued it: no method parts (an ascending lot's `rounds: null` among them). */
const asVersion2 = (r: AuctionRecord): AuctionRecord => {
  const { rounds: _, ...policy } = r.policy;
  return { ...asVersion4(r), version: 2, policy };
};
const withoutBinding = (r: AuctionRecord, version: 1 | 2): AuctionRecord => ({
  ...asVersion2(r),
  version,
  registrations: r.registrations.map(({ personHash: _, ...rest }) => rest),
});

describe('record versions', () => {
  it('a current record verifies with its method and registrations bound to the chain', async () => {
    expect(record.version).toBe(5);
    expect(record.requestedBy).toBeNull();
    expect(record.policy).toMatchObject({ method: 'ascending', rounds: null });
    expect(await verifySignedRecord(await signed(record), jwks)).toMatchObject({
      valid: true,
      details: { method: 'ascending' },
    });
  });

  it('a version-5 record names its requester, and verification reports who (issue 20)', async () => {
    const requested: AuctionRecord = {
      ...record,
      requestedBy: { pid: '012345678901', personHash: 'a'.repeat(64), name: 'Hoàng Thanh Tra', role: 'regulator' },
    };
    expect(await verifySignedRecord(await signed(requested), jwks)).toMatchObject({
      valid: true,
      details: { requestedBy: { role: 'regulator', name: 'Hoàng Thanh Tra' }, signedAt: record.issuedAt },
    });
  });

  it('a version-4 record, issued before records named their requester, still verifies', async () => {
    expect(await verifySignedRecord(await signed(asVersion4(record)), jwks)).toMatchObject({ valid: true });
  });

  it('a version-5 record without its requester, or an older one with one, is not an auction record', async () => {
    const { requestedBy: _, ...withoutRequester } = record;
    for (const r of [withoutRequester, { ...record, version: 4 }] as AuctionRecord[])
      expect(await verifySignedRecord(await signed(r), jwks)).toMatchObject({
        valid: false,
        code: 'NOT_AN_AUCTION_RECORD',
      });
  });

  it('a version-3 record, issued before organisations bid, still verifies', async () => {
    expect(await verifySignedRecord(await signed({ ...asVersion4(record), version: 3 }), jwks)).toMatchObject({
      valid: true,
    });
  });

  it('a version-2 record, issued before the methods, still verifies', async () => {
    expect(await verifySignedRecord(await signed(asVersion2(record)), jwks)).toMatchObject({ valid: true });
  });

  it('a version-3 record without its method parts, or an older one with them, is not an auction record', async () => {
    const { rounds: _, ...policy } = record.policy;
    const cases: AuctionRecord[] = [
      { ...record, policy },
      { ...asVersion2(record), policy: { ...policy, rounds: null } },
      { ...asVersion2(record), policy: { ...policy, method: 'descending' } },
    ];
    for (const r of cases)
      expect(await verifySignedRecord(await signed(r), jwks)).toMatchObject({
        valid: false,
        code: 'NOT_AN_AUCTION_RECORD',
      });
  });

  it('a version-1 record, issued before registrations were bound, still verifies', async () => {
    expect(await verifySignedRecord(await signed(withoutBinding(record, 1)), jwks)).toMatchObject({ valid: true });
  });

  it('a version-2 record without the person hashes is invalid', async () => {
    const v = await verifySignedRecord(await signed(withoutBinding(record, 2)), jwks);
    expect(v).toMatchObject({
      valid: false,
      reason: 'registration B-001 carries no person hash to compare with the chain',
    });
  });
});
