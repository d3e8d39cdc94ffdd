// The person-hash key: chains carry HMAC-SHA256 of personal ids under it (issue 13 item 2,
// DESIGN.md §8). It comes from PERSON_HASH_KEY or a file; only the demo generates one, once, into its
// data directory; and a process never mixes two keys.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  installPersonHashKey,
  loadPersonHashKey,
  personHash,
  personHashWith,
  usePersonHashKey,
} from '../../server/audit/person-hash.ts';
import { TEST_PERSON_HASH_KEY } from '../support/person-hash-key.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'person-hash-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the keyed hash of a personal id', () => {
  it('is an HMAC under the key: the same id hashes alike, another key or id differently, and the id does not show', () => {
    const pid = '079123456789';
    expect(personHash(pid)).toBe(personHashWith(Buffer.from(TEST_PERSON_HASH_KEY), pid));
    expect(personHash(pid)).toMatch(/^[0-9a-f]{64}$/);
    expect(personHash(pid)).not.toBe(personHash('079123456780'));
    expect(personHashWith(Buffer.from('another key of at least thirty-two bytes'), pid)).not.toBe(personHash(pid));
  });
});

describe('where the key comes from', () => {
  it('is generated once into the data directory (the demo), private to its owner, and read back by later starts', () => {
    const dataDir = path.join(dir, 'demo');
    const first = loadPersonHashKey({ dataDir });
    expect(first.source).toBe(`generated into ${path.join(dataDir, 'person-hash.key')}`);
    expect(first.key.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(path.join(dataDir, 'person-hash.key')).mode & 0o777).toBe(0o600);
    expect(loadPersonHashKey({ dataDir }).key.equals(first.key)).toBe(true);
    expect(fs.readdirSync(dataDir)).toEqual(['person-hash.key']);
  });

  it('is taken from PERSON_HASH_KEY or PERSON_HASH_KEY_FILE when configured, and never generated then', () => {
    const dataDir = path.join(dir, 'configured');
    expect(loadPersonHashKey({ dataDir, personHashKey: 'k'.repeat(32) })).toMatchObject({
      source: 'PERSON_HASH_KEY',
      key: Buffer.from('k'.repeat(32)),
    });
    const file = path.join(dir, 'key.txt');
    fs.writeFileSync(file, `  ${'f'.repeat(40)}\n`);
    expect(loadPersonHashKey({ dataDir, personHashKeyFile: file })).toMatchObject({
      source: 'PERSON_HASH_KEY_FILE',
      key: Buffer.from('f'.repeat(40)),
    });
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(() => loadPersonHashKey({ dataDir, personHashKeyFile: path.join(dir, 'missing') })).toThrow(
      /invalid PERSON_HASH_KEY_FILE: cannot read .*missing \(ENOENT\)/,
    );
    fs.writeFileSync(file, 'short');
    expect(() => loadPersonHashKey({ dataDir, personHashKeyFile: file })).toThrow(
      /invalid PERSON_HASH_KEY_FILE: the person-hash key must be at least 32 bytes/,
    );
  });

  it("stays the process's one key: a platform without a configured key uses it, a different configured key is refused", () => {
    expect(usePersonHashKey({ dataDir: path.join(dir, 'unused') })).toMatchObject({
      source: 'already loaded in this process',
    });
    expect(fs.existsSync(path.join(dir, 'unused'))).toBe(false);
    expect(usePersonHashKey({ dataDir: dir, personHashKey: TEST_PERSON_HASH_KEY })).toMatchObject({
      source: 'PERSON_HASH_KEY',
    });
    expect(() =>
      usePersonHashKey({ dataDir: dir, personHashKey: 'a different key, also thirty-two bytes long' }),
    ).toThrow(/already hashes personal ids with key [0-9a-f]{16}; a second key/);
    expect(() => installPersonHashKey(Buffer.from('x'.repeat(32)))).toThrow(/a second key/);
    expect(personHash('079123456789')).toBe(personHashWith(Buffer.from(TEST_PERSON_HASH_KEY), '079123456789'));
  });
});
