// The lot room's method helpers (web/lib/lot-method.ts): a revealed sealed bid's commitment worked out
// again in the browser's Web Crypto agrees with the server's definition (DESIGN.md §8: base64url
// SHA-256 of the 32 salt bytes then the amount's ASCII digits), a receipt's claims are read from its
// JWS payload, and the two figures shown for display (a descending lot's next price, the end its
// schedule gives) follow the server's rules (server/auctions/rules/descending.ts).
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commitmentOf, descendingEndPreview, readReceipt } from '../../web/lib/lot-method.ts';
import { descendingEnd } from '../../server/auctions/rules/descending.ts';

const b64url = (b: Buffer): string => b.toString('base64url');

describe('commitmentOf', () => {
  it('works out the commitment the server publishes for a salt and an amount', async () => {
    const salt = randomBytes(32);
    const amount = 1_250_000_000;
    const expected = b64url(createHash('sha256').update(salt).update(String(amount), 'ascii').digest());
    expect(await commitmentOf(b64url(salt), amount)).toBe(expected);
  });

  it('does not match another amount', async () => {
    const salt = randomBytes(32);
    const other = b64url(createHash('sha256').update(salt).update('41000000', 'ascii').digest());
    expect(await commitmentOf(b64url(salt), 40_000_000)).not.toBe(other);
  });
});

describe('readReceipt', () => {
  const claims = { lotId: 7, bidderCode: 'B-7K3Q', commitment: 'abc_-', submittedAt: '2026-12-02T10:00:00.000Z' };
  const jws = (payload: unknown): string =>
    [b64url(Buffer.from('{"alg":"EdDSA"}')), b64url(Buffer.from(JSON.stringify(payload))), 'c2ln'].join('.');

  it("reads a receipt's claims from its payload", () => {
    expect(readReceipt(jws(claims))).toEqual(claims);
    expect(readReceipt(`  ${jws(claims)}\n`)).toEqual(claims);
  });

  it('refuses what is not a receipt', () => {
    expect(readReceipt('not a jws')).toBeUndefined();
    expect(readReceipt(jws({ ...claims, commitment: 5 }))).toBeUndefined();
    expect(readReceipt('a.!!!.c')).toBeUndefined();
  });
});

describe('descending figures for display', () => {
  it("previews the end as the server's schedule computes it", () => {
    const terms = { startingPrice: 40_000_000, priceStep: 3_000_000, floorPrice: 20_000_000, intervalSeconds: 45 };
    const startsAt = '2027-03-05T02:00:00.000Z';
    expect(descendingEndPreview({ ...terms, startsAt })).toBe(
      descendingEnd({ ...terms, startsAt: new Date(startsAt) }).toISOString(),
    );
    expect(descendingEndPreview({ ...terms, startsAt, floorPrice: 50_000_000 })).toBeNull();
    expect(descendingEndPreview({ ...terms, startsAt, intervalSeconds: null })).toBeNull();
  });
});
