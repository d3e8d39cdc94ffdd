// Envelope encryption of personal data (server/privacy/envelope.ts): fields open only with their
// subject's data key, under their own subject and field; a data key unwraps with any configured key
// and is rewrapped by the current one on rotation; once the wrapped key is gone (crypto-shredding)
// nothing opens, and nothing in a sealed value or wrapped key shows the clear text.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EnvelopeError,
  KeyRing,
  newDataKey,
  openField,
  rewrapDataKey,
  sealField,
  unwrapDataKey,
  wrapDataKey,
  wrappingKeyId,
} from '../../server/privacy/envelope.ts';

const kek = (id: string) => ({ id, key: new Uint8Array(randomBytes(32)) });
const SUBJECT = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

describe('envelope encryption of personal data', () => {
  it('seals a field so that only its data key, subject and field open it, and the clear text never shows', () => {
    const dataKey = newDataKey();
    const sealed = sealField(dataKey, SUBJECT, 'pid', '001085000201');
    expect(sealed).not.toContain('001085000201');
    expect(Buffer.from(sealed.split('.')[1]!, 'base64url').toString('latin1')).not.toContain('001085000201');
    expect(openField(dataKey, SUBJECT, 'pid', sealed)).toBe('001085000201');
    // Random IVs: the same value seals differently each time (no equality leaks through ciphertexts).
    expect(sealField(dataKey, SUBJECT, 'pid', '001085000201')).not.toBe(sealed);
    expect(() => openField(newDataKey(), SUBJECT, 'pid', sealed)).toThrow(EnvelopeError);
    expect(() => openField(dataKey, OTHER, 'pid', sealed)).toThrow(EnvelopeError);
    expect(() => openField(dataKey, SUBJECT, 'name', sealed)).toThrow(EnvelopeError);
    const body = Buffer.from(sealed.split('.')[1]!, 'base64url');
    body[body.length - 20]! ^= 1;
    expect(() => openField(dataKey, SUBJECT, 'pid', `e1.${body.toString('base64url')}`)).toThrow(EnvelopeError);
    expect(openField(dataKey, SUBJECT, 'name', sealField(dataKey, SUBJECT, 'name', 'Nguyễn Văn An'))).toBe(
      'Nguyễn Văn An',
    );
  });

  it('wraps data keys under the current key, unwraps with any configured one, and rewraps on rotation', () => {
    const [k1, k2] = [kek('2026-01'), kek('2026-12')];
    const before = new KeyRing(k1);
    const dataKey = newDataKey();
    const wrapped = wrapDataKey(before, SUBJECT, dataKey);
    expect(wrappingKeyId(wrapped)).toBe('2026-01');
    expect(unwrapDataKey(before, SUBJECT, wrapped)).toEqual(dataKey);
    expect(() => unwrapDataKey(before, OTHER, wrapped)).toThrow(EnvelopeError);

    // Rotation: the new key is current, the old one still configured: old wrapped keys keep opening
    // while they are rewrapped, and new ones are wrapped by the new key.
    const during = new KeyRing(k2, [k1]);
    expect(unwrapDataKey(during, SUBJECT, wrapped)).toEqual(dataKey);
    const rewrapped = rewrapDataKey(during, SUBJECT, wrapped);
    expect(wrappingKeyId(rewrapped)).toBe('2026-12');
    expect(rewrapDataKey(during, SUBJECT, rewrapped)).toBe(rewrapped);
    // Once every key is rewrapped the old key can go.
    const after = new KeyRing(k2);
    expect(unwrapDataKey(after, SUBJECT, rewrapped)).toEqual(dataKey);
    expect(() => unwrapDataKey(after, SUBJECT, wrapped)).toThrow(/not configured/);
  });

  it('refuses malformed key rings', () => {
    expect(() => new KeyRing({ id: 'k', key: new Uint8Array(16) })).toThrow(/32 bytes/);
    expect(() => new KeyRing(kek('a b'))).toThrow(/key id/);
    expect(() => new KeyRing(kek('same'), [kek('same')])).toThrow(/twice/);
    expect(() => wrappingKeyId('plain')).toThrow(EnvelopeError);
  });
});
