// The sealed-bid keys (server/sealed/keys.ts): where SEALED_BID_KEY comes from (the variable, a file,
// or generated once into DATA_DIR for the demo), bad keys refused, a lot's key wrapped so that only
// SEALED_BID_KEY opens it, and a sealed bid bound to its lot, registration and round.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GENERATED_SEALED_KEY_FILE,
  loadSealedBidKey,
  newLotKey,
  openContent,
  openLotKey,
  sealContent,
  SealedKeyError,
} from '../../server/sealed/keys.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealed-keys-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

describe('the sealed-bid key', () => {
  it('is generated once into the data directory outside production, and read back', () => {
    const dataDir = path.join(dir, 'generated');
    const first = loadSealedBidKey({ dataDir });
    expect(first).toMatchObject({
      generated: true,
      source: `generated into ${path.join(dataDir, GENERATED_SEALED_KEY_FILE)}`,
    });
    expect(first.key).toHaveLength(32);
    expect(fs.statSync(path.join(dataDir, GENERATED_SEALED_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(b64(loadSealedBidKey({ dataDir }).key)).toBe(b64(first.key));
  });

  it('is taken from SEALED_BID_KEY or SEALED_BID_KEY_FILE when configured, and bad ones are refused', () => {
    const value = randomBytes(32).toString('base64url');
    expect(b64(loadSealedBidKey({ dataDir: dir, sealedBidKey: value }).key)).toBe(value);
    const file = path.join(dir, 'sealed.key');
    fs.writeFileSync(file, `${value}\n`);
    expect(loadSealedBidKey({ dataDir: dir, sealedBidKeyFile: file })).toMatchObject({
      source: 'SEALED_BID_KEY_FILE',
      generated: false,
    });
    fs.writeFileSync(file, 'short\n');
    expect(() => loadSealedBidKey({ dataDir: dir, sealedBidKeyFile: file })).toThrow(SealedKeyError);
    expect(() => loadSealedBidKey({ dataDir: dir, sealedBidKeyFile: path.join(dir, 'missing') })).toThrow(
      /invalid SEALED_BID_KEY_FILE: cannot read/,
    );
  });
});

describe("a lot's key and its sealed bids", () => {
  it('open only under SEALED_BID_KEY, for their own lot, registration and round', async () => {
    const master = new Uint8Array(randomBytes(32));
    const { key, wrapped } = await newLotKey(master, 5);
    expect(b64(await openLotKey(master, 5, wrapped))).toBe(b64(key));
    await expect(openLotKey(new Uint8Array(randomBytes(32)), 5, wrapped)).rejects.toThrow();
    await expect(openLotKey(master, 6, wrapped)).rejects.toThrow(SealedKeyError);
    const at = { lotId: 5, registrationId: 9, round: 0 };
    const jwe = await sealContent(key, at, { amount: 41_000_000, salt: 'c2FsdA' });
    expect(jwe).not.toContain('41000000');
    expect(await openContent(key, at, jwe)).toEqual({ amount: 41_000_000, salt: 'c2FsdA' });
    await expect(openContent(key, { ...at, registrationId: 10 }, jwe)).rejects.toThrow(SealedKeyError);
    await expect(openContent(key, { ...at, round: 1 }, jwe)).rejects.toThrow(SealedKeyError);
  });
});
