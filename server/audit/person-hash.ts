// Keyed hashes of personal identification numbers, for the hash chains (DESIGN.md §8: nothing in any
// chain holds a personal id in clear). A chain covers HMAC-SHA256(key, pid), never the pid, so an
// exported chain names no one, and encrypting or erasing the clear personal data later changes no
// chained byte. Only a holder of the key can tell whose hash it is; a database writer without it can
// neither forge a binding for another person nor recompute one.
//
// The key comes from PERSON_HASH_KEY or PERSON_HASH_KEY_FILE; without either (not in production) one
// is generated once into DATA_DIR, for the demo. Every process of a deployment must use the same key,
// and it must never change: chained hashes made with another key no longer match their people.
//
// The key is process-wide: the audit writer (appendAudit) is called from every domain without a
// context, and a deployment has exactly one key. Configuring a different key in a process that
// already has one is refused, so a mix-up cannot silently chain two kinds of hash; a platform without
// a configured key uses the process's key when there is one (several platforms in one process, as
// tests run them), and only otherwise generates one.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Config } from '../config.ts';
import { loadSecret } from '../shared/secret-file.ts';

/** Domain separation: this HMAC is used for nothing else. */
const PURPOSE = 'auction-platform person v1\n';
const MIN_KEY_BYTES = 32;
export const GENERATED_KEY_FILE = 'person-hash.key';

export class PersonHashKeyError extends Error {}

// The key as a KeyObject: createHmac checks a raw key's type by throwing and catching, which made
// each hash about 10 µs instead of 1.5 µs, and every authenticated request hashes its person's id.
let installed: { key: KeyObject; id: string } | undefined;

/** HMAC-SHA256 of a personal id under a given key, hex. */
export function personHashWith(key: Uint8Array | KeyObject, pid: string): string {
  return createHmac('sha256', key).update(PURPOSE).update(pid).digest('hex');
}

/** A short, non-secret name of a key (so processes can be checked to share one), from the key itself. */
export function personHashKeyIdOf(key: Uint8Array): string {
  return createHmac('sha256', key).update('auction-platform person key id').digest('hex').slice(0, 16);
}

/** Makes a key this process's person-hash key. Refuses a different key once one is installed. */
export function installPersonHashKey(key: Uint8Array): string {
  const id = personHashKeyIdOf(key);
  if (installed && installed.id !== id) {
    throw new PersonHashKeyError(
      `this process already hashes personal ids with key ${installed.id}; a second key (${id}) would make chained hashes that match no one. Give every platform of a deployment the same PERSON_HASH_KEY.`,
    );
  }
  installed ??= { key: createSecretKey(Buffer.from(key)), id };
  return id;
}

/**
 * Hashes already made under the installed key (which never changes once installed): every request
 * with a bearer token hashes its person's id, and a bidding storm sends thousands a second from a few
 * hundred people. Bounded: emptied when full.
 */
const recent = new Map<string, string>();
const RECENT_MAX = 50_000;

/** The keyed hash of a personal id, as every chain carries it. Throws when no key is installed. */
export function personHash(pid: string): string {
  if (!installed)
    throw new PersonHashKeyError('no person-hash key is loaded (PERSON_HASH_KEY): the platform installs it at start');
  let hash = recent.get(pid);
  if (hash === undefined) {
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(pid, (hash = personHashWith(installed.key, pid)));
  }
  return hash;
}

/** The installed key's id, for the start-up log. */
export function personHashKeyId(): string | undefined {
  return installed?.id;
}

function checked(bytes: Buffer, source: string): Buffer {
  if (bytes.length < MIN_KEY_BYTES)
    throw new PersonHashKeyError(
      `invalid ${source}: the person-hash key must be at least ${MIN_KEY_BYTES} bytes (for example: openssl rand -base64 32)`,
    );
  return bytes;
}

/**
 * Gives this process its person-hash key from the configuration (see loadPersonHashKey), unless none
 * is configured and the process already has one. Returns the key's id and where it came from.
 */
export function usePersonHashKey(config: Pick<Config, 'personHashKey' | 'personHashKeyFile' | 'dataDir'>): {
  keyId: string;
  source: string;
} {
  if (installed && !config.personHashKey && !config.personHashKeyFile)
    return { keyId: installed.id, source: 'already loaded in this process' };
  const { key, source } = loadPersonHashKey(config);
  return { keyId: installPersonHashKey(key), source };
}

/**
 * The person-hash key from the configuration: PERSON_HASH_KEY (the secret itself), PERSON_HASH_KEY_FILE
 * (a file holding it), or, outside production, a key generated once into DATA_DIR/person-hash.key
 * (server/shared/secret-file.ts). Configuration guarantees production sets one of the two.
 */
export function loadPersonHashKey(config: Pick<Config, 'personHashKey' | 'personHashKeyFile' | 'dataDir'>): {
  key: Buffer;
  source: string;
} {
  const secret = loadSecret(
    {
      value: config.personHashKey,
      file: config.personHashKeyFile,
      variable: 'PERSON_HASH_KEY',
      dataDir: config.dataDir,
      generatedName: GENERATED_KEY_FILE,
    },
    (message) => new PersonHashKeyError(message),
  );
  const what = secret.generated ? (secret.path ?? secret.source) : secret.source;
  return { key: checked(Buffer.from(secret.text, 'utf8'), what), source: secret.source };
}
