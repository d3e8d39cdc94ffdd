// The keys of sealed bids (issue 16; DESIGN.md §8). Each sealed lot gets its own random content key at
// its first sealed bid; the lot row keeps it only wrapped (JWE, A256KW + A256GCM) by SEALED_BID_KEY,
// which lives outside the database (configuration, a file, or for the demo a file generated into
// DATA_DIR: server/shared/secret-file.ts). So a reader of the database alone cannot open a bid, and
// the keys survive restarts. A bid is a JWE (dir + A256GCM) under its lot's key of {amount, salt};
// its protected header names the lot, the registration and the round, so a ciphertext moved to another
// row (another bidder, lot or round) no longer opens.
import { randomBytes } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';
import type { Config } from '../config.ts';
import { loadSecret } from '../shared/secret-file.ts';

export const GENERATED_SEALED_KEY_FILE = 'sealed-bid.key';
const KEY_BYTES = 32;

export class SealedKeyError extends Error {}

type KeySettings = Pick<Config, 'sealedBidKey' | 'sealedBidKeyFile' | 'dataDir'>;

/**
 * SEALED_BID_KEY (base64url of 32 bytes), SEALED_BID_KEY_FILE (a file holding it), or, outside
 * production, a key generated once into DATA_DIR/sealed-bid.key.
 */
export function loadSealedBidKey(config: KeySettings): { key: Uint8Array; source: string; generated: boolean } {
  const secret = loadSecret(
    {
      value: config.sealedBidKey,
      file: config.sealedBidKeyFile,
      variable: 'SEALED_BID_KEY',
      dataDir: config.dataDir,
      generatedName: GENERATED_SEALED_KEY_FILE,
    },
    (message) => new SealedKeyError(message),
  );
  const key = Buffer.from(secret.text, 'base64url');
  if (key.length !== KEY_BYTES || key.toString('base64url') !== secret.text)
    throw new SealedKeyError(
      `invalid ${secret.source}: the sealed-bid key is ${KEY_BYTES} random bytes as base64url (for example: openssl rand 32 | basenc --base64url)`,
    );
  return { key: new Uint8Array(key), source: secret.source, generated: secret.generated };
}

/** The key of each configuration, loaded once (several platforms in one process each have theirs). */
const loaded = new WeakMap<KeySettings, ReturnType<typeof loadSealedBidKey>>();

/**
 * This platform's sealed-bid key and where it came from, loaded on first use (server/sealed/index.ts
 * uses it at start, so a bad or unreadable key stops the process then).
 */
export function useSealedBidKey(config: KeySettings): ReturnType<typeof loadSealedBidKey> {
  let key = loaded.get(config);
  if (!key) {
    key = loadSealedBidKey(config);
    loaded.set(config, key);
  }
  return key;
}

/** This platform's sealed-bid key. */
export function sealedBidKey(config: KeySettings): Uint8Array {
  return useSealedBidKey(config).key;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A fresh content key for a lot, and its wrapped form for lots.sealedKey. */
export async function newLotKey(master: Uint8Array, lotId: number): Promise<{ key: Uint8Array; wrapped: string }> {
  const key = new Uint8Array(randomBytes(KEY_BYTES));
  const wrapped = await new CompactEncrypt(key)
    .setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM', cty: 'sealed-lot-key', lot: lotId })
    .encrypt(master);
  return { key, wrapped };
}

/** The lot's content key from lots.sealedKey; throws when it does not open or names another lot. */
export async function openLotKey(master: Uint8Array, lotId: number, wrapped: string): Promise<Uint8Array> {
  const { plaintext, protectedHeader } = await compactDecrypt(wrapped, master, {
    keyManagementAlgorithms: ['A256KW'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  if (protectedHeader.lot !== lotId || plaintext.length !== KEY_BYTES)
    throw new SealedKeyError(`lot ${lotId}: its sealed key belongs to another lot`);
  return plaintext;
}

/** Where a sealed bid belongs: bound into its JWE's protected header. */
export interface SealedBinding {
  lotId: number;
  registrationId: number;
  round: number;
}

export interface SealedContent {
  amount: number;
  /** base64url of the 32 salt bytes. */
  salt: string;
}

/** The JWE of a bid's amount and salt under its lot's key. */
export function sealContent(lotKey: Uint8Array, at: SealedBinding, content: SealedContent): Promise<string> {
  return new CompactEncrypt(encoder.encode(JSON.stringify({ amount: content.amount, salt: content.salt })))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', lot: at.lotId, reg: at.registrationId, round: at.round })
    .encrypt(lotKey);
}

/** Opens a sealed bid; throws when it does not open under the lot's key or belongs to another row. */
export async function openContent(lotKey: Uint8Array, at: SealedBinding, jwe: string): Promise<SealedContent> {
  const { plaintext, protectedHeader: h } = await compactDecrypt(jwe, lotKey, {
    keyManagementAlgorithms: ['dir'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  if (h.lot !== at.lotId || h.reg !== at.registrationId || h.round !== at.round)
    throw new SealedKeyError(`lot ${at.lotId}: a sealed bid was moved from another row`);
  const value = JSON.parse(decoder.decode(plaintext)) as { amount?: unknown; salt?: unknown };
  if (!Number.isSafeInteger(value.amount) || typeof value.salt !== 'string')
    throw new SealedKeyError(`lot ${at.lotId}: a sealed bid holds no amount and salt`);
  return { amount: value.amount as number, salt: value.salt };
}
