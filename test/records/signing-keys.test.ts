// The record-signing keys. The zero-config demo generates one key into its database; a deployment
// configures its key (RECORD_SIGNING_KEY or RECORD_SIGNING_KEY_FILE; production refuses to start
// without one) and the public halves of retired keys (RECORD_RETIRED_KEYS), and exactly those are
// published: a key a database writer slips into `signing_keys` is never published, so what it signs
// does not verify (issue 13, item 2).
import { PAYMENT_ACCOUNT } from '../support/production-env.ts';
import { GENEROUS_BOUNDS } from '../support/bounds.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { signingKeys } from '../../db/schema.ts';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { createPlatform, type Platform } from '../../server/platform.ts';
import { signFlattened } from '../../server/records/jws.ts';
import { RECORD_CTY } from '../../server/records/record-format.ts';
import {
  loadRecordKeys,
  parseConfiguredKey,
  parseRetiredKeys,
  SigningKeyError,
  tableKeys,
} from '../../server/records/signing-keys.ts';
import { verifyDocument } from '../../server/records/verify-document.ts';
import { createLogger } from '../../server/shared/log.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { CONTESTED_BIDS, seedEndedLot } from './factory.ts';
import { fetchJwks, getBytes, personaTokens } from './support.ts';

let tp: TestPlatform;
let regulator: string;
const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-keys-'));

beforeAll(async () => {
  tp = await startTestPlatform();
  regulator = (await personaTokens(tp)).regulator!;
});
afterAll(async () => {
  await tp?.stop();
  fs.rmSync(keyDir, { recursive: true, force: true });
});

const privateJwk = async (alg: 'EdDSA' | 'ES256', extra: Partial<JWK> = {}): Promise<JWK> => {
  const { privateKey } = await generateKeyPair(
    alg,
    alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true },
  );
  return { ...(await exportJWK(privateKey)), ...extra };
};
const publicHalf = (jwk: JWK): JWK => {
  const { d: _d, ...pub } = jwk;
  return pub;
};
const kidOf = (bytes: Buffer): string =>
  JSON.parse(Buffer.from(JSON.parse(bytes.toString()).protected, 'base64url').toString()).kid;

/** A second platform on the same database, as a restarted or additional process would be. */
async function secondPlatform(env: Record<string, string>): Promise<{ platform: Platform; base: string }> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    AUCTION_MIN_BIDDING_MINUTES: '0',
    ...GENEROUS_BOUNDS,
    ...tp.idp.env(),
    ...env,
  });
  const platform = await createPlatform(config, {
    database: tp.database,
    pages: false,
    log: createLogger({ level: 'silent' }),
  });
  const port = await platform.listen(0, '127.0.0.1');
  return { platform, base: `http://127.0.0.1:${port}` };
}

describe('the generated record-signing key (the demo)', () => {
  it('is generated once and kept: every later load, even concurrent ones, gets the same key', async () => {
    const { db } = tp.database;
    const first = (await fetchJwks(tp)).keys;
    expect(first).toHaveLength(1);
    const loads = await Promise.all(Array.from({ length: 5 }, () => loadRecordKeys(db, {}, new Date())));
    expect(new Set(loads.map((k) => k.key.kid))).toEqual(new Set([first[0].kid]));
    expect(loads[0]).toMatchObject({ source: 'generated', key: { alg: 'EdDSA' } });
    expect(await db.$count(signingKeys)).toBe(1);
    expect(first[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(first[0]).not.toHaveProperty('d');
  });
});

describe('a configured record-signing key', () => {
  it('signs, and the published keys are exactly the configured and retired ones, never the rows of signing_keys', async () => {
    const lot = await seedEndedLot(tp.database.db, { bids: CONTESTED_BIDS });
    const old = (await getBytes(tp, `/api/records/lots/${lot.lotId}?format=json`, regulator)).bytes;
    const oldKid = kidOf(old);
    const oldPublic = (await tableKeys(tp.database.db)).find((k) => k.kid === oldKid)!;
    // A database writer adds a key of their own (with its private half) to the table.
    const rogue = await privateJwk('EdDSA', { kid: 'rogue-key' });
    await tp.database.db.insert(signingKeys).values({
      kid: 'rogue-key',
      alg: 'EdDSA',
      privateJwk: rogue as Record<string, unknown>,
      publicJwk: publicHalf(rogue) as Record<string, unknown>,
    });
    const configured = await privateJwk('ES256', { kid: 'records-2026' });
    const keyFile = path.join(keyDir, 'records-2026.jwk');
    fs.writeFileSync(keyFile, JSON.stringify(configured), { mode: 0o600 });
    const b = await secondPlatform({
      RECORD_SIGNING_KEY_FILE: keyFile,
      RECORD_RETIRED_KEYS: JSON.stringify({ keys: [oldPublic] }),
    });
    try {
      const jwks = (await (await fetch(`${b.base}/api/.well-known/jwks.json`)).json()) as { keys: JWK[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([oldKid, 'records-2026']);
      expect(jwks.keys.every((k) => !('d' in k))).toBe(true);
      const fresh = Buffer.from(
        await (
          await fetch(`${b.base}/api/records/lots/${lot.lotId}?format=json`, {
            headers: { authorization: `Bearer ${regulator}` },
          })
        ).arrayBuffer(),
      );
      expect(kidOf(fresh)).toBe('records-2026');
      expect(await verifyDocument(fresh, jwks as never)).toMatchObject({ valid: true, kid: 'records-2026' });
      // Records signed by the retired key still verify; what the rogue key signs does not.
      expect(await verifyDocument(old, jwks as never)).toMatchObject({ valid: true, kid: oldKid });
      const rogueKey = {
        kid: 'rogue-key',
        alg: 'EdDSA' as const,
        privateKey: (await importJWK(rogue, 'EdDSA')) as CryptoKey,
      };
      const forged = await signFlattened(
        Buffer.from(JSON.parse(old.toString()).payload, 'base64url'),
        rogueKey,
        RECORD_CTY,
      );
      const verdict = (await (
        await fetch(`${b.base}/api/records/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(forged),
        })
      ).json()) as { valid: boolean; reason: string };
      expect(verdict).toMatchObject({
        valid: false,
        reason: expect.stringMatching(/signed by key "rogue-key", which is not among the platform's published keys/),
      });
      // Nothing was written to the table for the configured key: it lives in configuration only.
      expect((await tp.database.db.select().from(signingKeys)).map((r) => r.kid).sort()).toEqual(
        [oldKid, 'rogue-key'].sort(),
      );
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
      [
        JSON.stringify({ ...(await privateJwk('EdDSA')), x: (await privateJwk('EdDSA')).x }),
        /does not import|do not belong/,
      ],
    ];
    for (const [value, reason] of cases) {
      const err = await parseConfiguredKey(value).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err, value).toBeInstanceOf(SigningKeyError);
      expect(err!.message).toMatch(/^invalid RECORD_SIGNING_KEY/);
      expect(err!.message).toMatch(reason);
    }
    await expect(secondPlatform({ RECORD_SIGNING_KEY: 'not json' })).rejects.toThrow(/invalid RECORD_SIGNING_KEY/);
    await expect(secondPlatform({ RECORD_SIGNING_KEY_FILE: path.join(keyDir, 'missing.jwk') })).rejects.toThrow(
      /invalid RECORD_SIGNING_KEY_FILE: cannot read .*missing\.jwk \(ENOENT\)/,
    );
  });

  it("refuses retired keys that are private, malformed, or that reuse the signing key's kid for another key", async () => {
    const signing = await privateJwk('EdDSA', { kid: 'records-2027' });
    expect(() => parseRetiredKeys(JSON.stringify([signing]))).toThrow(/entry 0 holds a private key/);
    expect(() => parseRetiredKeys('{"nokeys":[]}')).toThrow(/neither an array nor an object with "keys"/);
    expect(() => parseRetiredKeys(JSON.stringify([{ ...publicHalf(signing), kid: undefined }]))).toThrow(
      /entry 0 has no kid/,
    );
    const other = publicHalf(await privateJwk('EdDSA', { kid: 'records-2027' }));
    const err = await loadRecordKeys(
      tp.database.db,
      { recordSigningKey: JSON.stringify(signing), recordRetiredKeys: JSON.stringify([other]) },
      new Date(),
    ).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/name two different keys "records-2027"/);
  });
});

describe('production', () => {
  it('refuses to start without a configured signing key: none is generated into the database', () => {
    const env = {
      NODE_ENV: 'production',
      PUBLIC_ORIGIN: 'https://auction.example.vn',
      EID_ISSUER: 'https://eid.example.vn',
      EID_AUDIENCE: 'a',
      PERSON_HASH_KEY: 'p'.repeat(40),
      PERSONAL_DATA_KEY: 'd'.repeat(40),
      SEALED_BID_KEY: 's'.repeat(43),
      ...PAYMENT_ACCOUNT,
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/RECORD_SIGNING_KEY or RECORD_SIGNING_KEY_FILE is required in production/);
    expect(loadConfig({ ...env, RECORD_SIGNING_KEY_FILE: path.join(keyDir, 'k.jwk') }).recordSigningKeyFile).toBe(
      path.join(keyDir, 'k.jwk'),
    );
  });
});
