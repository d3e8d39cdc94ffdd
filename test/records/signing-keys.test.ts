import { GENEROUS_BOUNDS } from '../support/bounds.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { signingKeys } from '../../db/schema.ts';
import { loadConfig } from '../../server/config.ts';
import { createPlatform, type Platform } from '../../server/platform.ts';
import { loadSigningKey, parseConfiguredKey, publishedKeys, SigningKeyError } from '../../server/records/signing-keys.ts';
import { verifyDocument } from '../../server/records/verify-document.ts';
import { createLogger } from '../../server/shared/log.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot } from './factory.ts';
import { fetchJwks, getBytes, personaTokens } from './support.ts';

let tp: TestPlatform;
let regulator: string;

beforeAll(async () => {
  tp = await startTestPlatform();
  regulator = (await personaTokens(tp)).regulator!;
});
afterAll(async () => tp?.stop());

const privateJwk = async (alg: 'EdDSA' | 'ES256', extra: Partial<JWK> = {}): Promise<JWK> => {
  const { privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true });
  return { ...(await exportJWK(privateKey)), ...extra };
};
const kidOf = (bytes: Buffer): string => JSON.parse(Buffer.from(JSON.parse(bytes.toString()).protected, 'base64url').toString()).kid;

/** A second platform on the same database, as a restarted or additional process would be. */
async function secondPlatform(env: Record<string, string>): Promise<{ platform: Platform; base: string }> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DATA: 'false', AUCTION_MIN_BIDDING_MINUTES: '0', ...GENEROUS_BOUNDS, ...tp.idp.env(), ...env });
  const platform = await createPlatform(config, { database: tp.database, pages: false, log: createLogger({ level: 'silent' }) });
  const port = await platform.listen(0, '127.0.0.1');
  return { platform, base: `http://127.0.0.1:${port}` };
}

describe('the generated record-signing key', () => {
  it('is generated once and kept: every later load, even concurrent ones, gets the same key', async () => {
    const { db } = tp.database;
    const first = (await fetchJwks(tp)).keys;
    expect(first).toHaveLength(1);
    const loads = await Promise.all(Array.from({ length: 5 }, () => loadSigningKey(db, undefined, new Date())));
    expect(new Set(loads.map((k) => k.kid))).toEqual(new Set([first[0].kid]));
    expect(loads[0].alg).toBe('EdDSA');
    expect(await db.$count(signingKeys)).toBe(1);
    expect(first[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(first[0]).not.toHaveProperty('d');
  });
});

describe('a configured RECORD_SIGNING_KEY', () => {
  it('signs new records while the retired generated key stays published and its records still verify', async () => {
    const lot = await seedEndedLot(tp.database.db, { bids: CONTESTED_BIDS });
    const old = (await getBytes(tp, `/api/records/lots/${lot.lotId}?format=json`, regulator)).bytes;
    const oldKid = kidOf(old);
    const configured = await privateJwk('ES256', { kid: 'records-2026' });
    const b = await secondPlatform({ RECORD_SIGNING_KEY: JSON.stringify(configured) });
    try {
      const jwks = (await (await fetch(`${b.base}/api/.well-known/jwks.json`)).json()) as { keys: JWK[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([oldKid, 'records-2026']);
      expect(jwks.keys.every((k) => !('d' in k))).toBe(true);
      const fresh = await fetch(`${b.base}/api/records/lots/${lot.lotId}?format=json`, { headers: { authorization: `Bearer ${regulator}` } });
      const freshBytes = Buffer.from(await fresh.arrayBuffer());
      expect(kidOf(freshBytes)).toBe('records-2026');
      expect(JSON.parse(Buffer.from(JSON.parse(freshBytes.toString()).protected, 'base64url').toString()).alg).toBe('ES256');
      expect(await verifyDocument(freshBytes, jwks as never)).toMatchObject({ valid: true, kid: 'records-2026' });
      expect(await verifyDocument(old, jwks as never)).toMatchObject({ valid: true, kid: oldKid });
      const rows = await tp.database.db.select().from(signingKeys);
      expect(rows.find((r) => r.kid === oldKid)!.retiredAt).not.toBeNull();
      expect(rows.find((r) => r.kid === 'records-2026')!.privateJwk).toBeNull();
    } finally {
      await b.platform.stop();
    }
  });

  it('accepts an Ed25519 key and names it by its thumbprint when it has no kid', async () => {
    const jwk = await privateJwk('EdDSA');
    const { key, publicJwk } = await parseConfiguredKey(JSON.stringify(jwk));
    expect(key.alg).toBe('EdDSA');
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(publicJwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: key.kid, alg: 'EdDSA', use: 'sig' });
  });

  it('stops start-up with a message naming the variable when the key is unusable', async () => {
    const pub = await privateJwk('EdDSA');
    delete pub.d;
    const rsa = { ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey)) };
    const cases: [string, RegExp][] = [
      ['not json', /not JSON/],
      ['[1,2]', /not a JSON object/],
      [JSON.stringify(pub), /private part/],
      [JSON.stringify(rsa), /RSA\/undefined is not OKP\/Ed25519 or EC\/P-256/],
      [JSON.stringify({ ...(await privateJwk('EdDSA')), alg: 'ES256' }), /does not fit its curve/],
      [JSON.stringify({ ...(await privateJwk('EdDSA')), x: 'AAAA' }), /does not import|do not belong/],
      [JSON.stringify({ ...(await privateJwk('EdDSA')), x: (await privateJwk('EdDSA')).x }), /does not import|do not belong/],
    ];
    for (const [value, reason] of cases) {
      const err = await parseConfiguredKey(value).then(() => undefined, (e: unknown) => e as Error);
      expect(err, value).toBeInstanceOf(SigningKeyError);
      expect(err!.message).toMatch(/^invalid RECORD_SIGNING_KEY/);
      expect(err!.message).toMatch(reason);
    }
    await expect(secondPlatform({ RECORD_SIGNING_KEY: 'not json' })).rejects.toThrow(/invalid RECORD_SIGNING_KEY/);
  });

  it('refuses a configured kid that already names a different published key', async () => {
    const taken = (await publishedKeys(tp.database.db))[0].kid;
    const err = await loadSigningKey(tp.database.db, JSON.stringify(await privateJwk('EdDSA', { kid: taken })), new Date()).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/already names a different published key/);
  });
});
