// Envelope encryption of personal data (issue 20, part 3): each person (a data subject) has a data
// key of their own; their identification number, name and birth date are sealed under it; the data
// key is stored only wrapped by a key-encryption key from the configuration, never in clear. So:
//   - a database dump, a backup or a stolen disk holds ciphertext and wrapped keys, useless without
//     the configured key, which lives outside the database;
//   - the configured key is rotated without downtime: a new key becomes current and wraps every new
//     data key, older keys stay configured for unwrapping until every wrapped key has been rewrapped
//     (rewrap() is cheap: only the 32-byte data keys are re-encrypted, never the data);
//   - retention ends by destroying one subject's wrapped data key (crypto-shredding): their data can
//     no longer be read, while the hash chains, which carry only keyed hashes, and every signature
//     stay intact.
// AES-256-GCM from node:crypto (OpenSSL). Each ciphertext is bound by GCM's associated data to what
// it is (wrapped key or field, the field's name) and whose it is (the subject's keyed hash), so a
// ciphertext moved to another person or another column does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALG = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Format marker of both encodings below; a later format gets another. */
const VERSION = 'e1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export class EnvelopeError extends Error {}

/** A key-encryption key from the configuration: an id (stored beside every key it wraps) and 32 bytes. */
export interface KeyEncryptionKey {
  id: string;
  key: Uint8Array;
}

/** The configured key-encryption keys: `current` wraps, every one of them unwraps. */
export class KeyRing {
  readonly current: KeyEncryptionKey;
  private readonly byId: Map<string, KeyEncryptionKey>;

  constructor(current: KeyEncryptionKey, older: readonly KeyEncryptionKey[] = []) {
    this.byId = new Map();
    for (const k of [current, ...older]) {
      if (!KEY_ID.test(k.id))
        throw new EnvelopeError(`a key id is 1–32 letters, digits, - or _, not ${JSON.stringify(k.id)}`);
      if (k.key.length !== KEY_BYTES)
        throw new EnvelopeError(`key ${k.id} must be ${KEY_BYTES} bytes, not ${k.key.length}`);
      if (this.byId.has(k.id)) throw new EnvelopeError(`key id ${k.id} is configured twice`);
      this.byId.set(k.id, k);
    }
    this.current = current;
  }

  get(id: string): KeyEncryptionKey | undefined {
    return this.byId.get(id);
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }
}

function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALG, key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: Uint8Array, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new EnvelopeError('the ciphertext is too short');
  const decipher = createDecipheriv(ALG, key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new EnvelopeError('the ciphertext does not open: another key, another subject or field, or altered');
  }
}

const wrapAad = (subject: string, kekId: string) => `${VERSION} data-key ${kekId} ${subject}`;
const fieldAad = (subject: string, field: string) => `${VERSION} field ${field} ${subject}`;

/** A new random data key for one subject. */
export function newDataKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_BYTES));
}

/** `e1.<kek id>.<base64url iv‖ciphertext‖tag>`: the data key wrapped by the ring's current key. */
export function wrapDataKey(ring: KeyRing, subject: string, dataKey: Uint8Array): string {
  if (dataKey.length !== KEY_BYTES) throw new EnvelopeError(`a data key is ${KEY_BYTES} bytes`);
  const kek = ring.current;
  return `${VERSION}.${kek.id}.${seal(kek.key, dataKey, wrapAad(subject, kek.id)).toString('base64url')}`;
}

/** The id of the key that wrapped a data key (to find those still to rewrap). */
export function wrappingKeyId(wrapped: string): string {
  const [version, id, body] = wrapped.split('.');
  if (version !== VERSION || !id || !body) throw new EnvelopeError('not a wrapped data key');
  return id;
}

export function unwrapDataKey(ring: KeyRing, subject: string, wrapped: string): Uint8Array {
  const id = wrappingKeyId(wrapped);
  const kek = ring.get(id);
  if (!kek)
    throw new EnvelopeError(
      `the data key is wrapped by key ${id}, which is not configured (configured: ${ring.ids.join(', ')})`,
    );
  const key = open(kek.key, Buffer.from(wrapped.split('.')[2]!, 'base64url'), wrapAad(subject, id));
  if (key.length !== KEY_BYTES) throw new EnvelopeError('the wrapped data key is not a key');
  return new Uint8Array(key);
}

/** The same data key wrapped by the ring's current key (key rotation); unchanged if it already is. */
export function rewrapDataKey(ring: KeyRing, subject: string, wrapped: string): string {
  if (wrappingKeyId(wrapped) === ring.current.id) return wrapped;
  return wrapDataKey(ring, subject, unwrapDataKey(ring, subject, wrapped));
}

/** `e1.<base64url iv‖ciphertext‖tag>`: one field of a subject, sealed under their data key. */
export function sealField(dataKey: Uint8Array, subject: string, field: string, value: string): string {
  return `${VERSION}.${seal(dataKey, Buffer.from(value, 'utf8'), fieldAad(subject, field)).toString('base64url')}`;
}

export function openField(dataKey: Uint8Array, subject: string, field: string, sealed: string): string {
  const [version, body, extra] = sealed.split('.');
  if (version !== VERSION || !body || extra !== undefined) throw new EnvelopeError('not a sealed field');
  return open(dataKey, Buffer.from(body, 'base64url'), fieldAad(subject, field)).toString('utf8');
}
