// Personal data at rest (issue 20, part 3). The platform stores no personal identification number and
// no name in clear:
//   - a person is known inside the platform by their *person key*, the keyed hash of their
//     identification number (server/audit/person-hash.ts), the same value the hash chains carry. Every
//     `pid` column of the database (people.pid, registrations.pid, role_grants.pid, the `*_by` columns,
//     …) holds that key, never the 12 digits; lookups hash the digits a client sends and compare keys;
//   - the identification number and the name themselves are sealed in `people` under a data key of the
//     person's own (envelope encryption, server/privacy/envelope.ts), stored only wrapped by a
//     key-encryption key from the configuration (PERSONAL_DATA_KEY, outside the database);
//   - where an identity is shown (a record with identities, the registrations list, an export, the
//     supervision view, the person's own page), `revealPeople` opens it for the keys at hand;
//   - a person's data key is destroyed when their retention ends (crypto-shredding,
//     server/privacy/shredding.ts): the keys, chains and signatures stay whole, the identity is gone.
// So a database dump, a backup or a stolen disk names no one without the configured key.
//
// The key ring is process-wide, as the person-hash key is: the writers are called from every domain
// without a context. A platform configured with keys installs its ring (replacing an earlier one: a
// rotation test starts a platform with a new key after an old); one without configured keys reuses the
// process's ring, or generates one into DATA_DIR (not in production).
import { createHash } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { people } from '../../db/schema.ts';
import type { Config } from '../config.ts';
import { personHash } from '../audit/person-hash.ts';
import { loadSecret } from '../shared/secret-file.ts';
import {
  EnvelopeError,
  KeyRing,
  newDataKey,
  openField,
  sealField,
  unwrapDataKey,
  wrapDataKey,
  type KeyEncryptionKey,
} from './envelope.ts';

/** A person key: the hex keyed hash of a personal identification number. */
export const PERSON_KEY = /^[0-9a-f]{64}$/;
/** A personal identification number as the e-ID gives it. */
export const CLEAR_PID = /^[0-9]{12}$/;
export const GENERATED_PERSONAL_DATA_KEY_FILE = 'personal-data.key';

export class PersonalDataKeyError extends Error {}

let ring: KeyRing | undefined;

/** The person key of an identification number (12 digits). */
export function personKey(pid: string): string {
  if (!CLEAR_PID.test(pid)) throw new PersonalDataKeyError('a personal identification number is 12 digits');
  return personHash(pid);
}

/**
 * The person key of a value that is either a person key already (every pid column now) or a clear
 * 12-digit number (a version-1 audit event's actor, a client's input): what the chains carry.
 */
export function keyOf(value: string): string {
  return isPersonKey(value) ? value : personKey(value);
}

/** Whether a value is a person key (a `pid` column's content), as opposed to a row id or a clear number. */
export function isPersonKey(value: string | null | undefined): value is string {
  return typeof value === 'string' && PERSON_KEY.test(value);
}

/**
 * One configured key: `id:secret` or just the secret (its id is then derived from it). The secret is
 * at least 32 characters; the 32-byte key is its SHA-256 (so any strong secret, base64 or not, serves).
 */
export function parseKeyEncryptionKey(text: string, what: string): KeyEncryptionKey {
  const m = /^([A-Za-z0-9_-]{1,32}):(.+)$/s.exec(text.trim());
  const secret = (m ? m[2]! : text).trim();
  if (secret.length < 32)
    throw new PersonalDataKeyError(
      `invalid ${what}: a secret of at least 32 characters, optionally prefixed by an id and a colon (for example: k2026:$(openssl rand -base64 32))`,
    );
  const key = createHash('sha256').update('auction-platform personal data kek\n').update(secret).digest();
  const id = m ? m[1]! : `k${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
  return { id, key: new Uint8Array(key) };
}

type KeyConfig = Pick<Config, 'personalDataKey' | 'personalDataKeyFile' | 'personalDataRetiredKeys' | 'dataDir'>;

/** The key ring from the configuration (the current key, then the retired ones, which only unwrap). */
export function loadPersonalDataKeys(config: KeyConfig): { ring: KeyRing; source: string } {
  const secret = loadSecret(
    {
      value: config.personalDataKey,
      file: config.personalDataKeyFile,
      variable: 'PERSONAL_DATA_KEY',
      dataDir: config.dataDir,
      generatedName: GENERATED_PERSONAL_DATA_KEY_FILE,
    },
    (message) => new PersonalDataKeyError(message),
  );
  const current = parseKeyEncryptionKey(secret.text, secret.source);
  const retired = (config.personalDataRetiredKeys ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s, i) => parseKeyEncryptionKey(s, `PERSONAL_DATA_RETIRED_KEYS (entry ${i + 1})`));
  try {
    return { ring: new KeyRing(current, retired), source: secret.source };
  } catch (err) {
    throw new PersonalDataKeyError(`invalid personal-data keys: ${(err as Error).message}`);
  }
}

/** Installs the configured ring (or keeps the process's one when nothing is configured). */
export function usePersonalDataKeys(config: KeyConfig): { keyId: string; keys: string[]; source: string } {
  if (ring && !config.personalDataKey && !config.personalDataKeyFile)
    return { keyId: ring.current.id, keys: ring.ids, source: 'already loaded in this process' };
  const loaded = loadPersonalDataKeys(config);
  ring = loaded.ring;
  return { keyId: ring.current.id, keys: ring.ids, source: loaded.source };
}

export function personalDataRing(): KeyRing {
  if (!ring)
    throw new PersonalDataKeyError(
      'no personal-data key is loaded (PERSONAL_DATA_KEY): the platform installs it at start',
    );
  return ring;
}

/** The sealed columns of a person's row: a new data key, wrapped, and their number and name under it. */
export interface SealedPerson {
  pid: string;
  dataKey: string;
  sealedPid: string;
  sealedName: string | null;
}

/**
 * Seals a person's identity under a fresh data key, or under their existing one (given wrapped, as
 * their row holds it).
 */
export function sealPerson(
  clear: { pid: string; name: string | null },
  existingWrapped: string | null = null,
): SealedPerson {
  const key = personKey(clear.pid);
  const dk = existingWrapped ? unwrapDataKey(personalDataRing(), key, existingWrapped) : newDataKey();
  return {
    pid: key,
    dataKey: existingWrapped ?? wrapDataKey(personalDataRing(), key, dk),
    sealedPid: sealField(dk, key, 'pid', clear.pid),
    sealedName: clear.name === null ? null : sealField(dk, key, 'name', clear.name),
  };
}

/**
 * Personal data that belongs to no person row (a payer's name and account as the bank reported them):
 * sealed under a data key of its own, bound to `subject` (what the values are of, e.g. the credit),
 * wrapped by the configured key. Returns a null data key when every value is null.
 */
export function sealDetached<F extends string>(
  subject: string,
  values: Record<F, string | null | undefined>,
): { dataKey: string | null; sealed: Record<F, string | null> } {
  const fields = Object.keys(values) as F[];
  const sealed = Object.fromEntries(fields.map((f) => [f, null])) as Record<F, string | null>;
  if (fields.every((f) => values[f] == null)) return { dataKey: null, sealed };
  const dk = newDataKey();
  for (const f of fields) {
    const v = values[f];
    if (v != null) sealed[f] = sealField(dk, subject, f, v);
  }
  return { dataKey: wrapDataKey(personalDataRing(), subject, dk), sealed };
}

/** Opens values sealed by sealDetached; nulls once the data key is destroyed. */
export function openDetached<F extends string>(
  subject: string,
  dataKey: string | null,
  sealed: Record<F, string | null>,
): Record<F, string | null> {
  const fields = Object.keys(sealed) as F[];
  const out = Object.fromEntries(fields.map((f) => [f, null])) as Record<F, string | null>;
  if (!dataKey) return out;
  const dk = unwrapDataKey(personalDataRing(), subject, dataKey);
  for (const f of fields) {
    const v = sealed[f];
    if (v != null) out[f] = openField(dk, subject, f, v);
  }
  return out;
}

/** The subject a payment credit's payer details are sealed for: the credit's source and transaction. */
export const payerSubject = (credit: { source: string; transactionId: string }): string =>
  `payer ${credit.source} ${credit.transactionId}`;

/** A person's identity as revealed: null fields once their data key is destroyed (or never known). */
export interface RevealedPerson {
  pid: string | null;
  name: string | null;
}

const UNKNOWN: RevealedPerson = Object.freeze({ pid: null, name: null });

/** The columns of `people` that `openPersonRow` opens (with the row's pid): spread into a select. */
export const sealedIdentityColumns = {
  dataKey: people.dataKey,
  sealedPid: people.sealedPid,
  sealedName: people.sealedName,
} as const;

/** Opens one row's sealed fields. */
export function openPersonRow(row: {
  pid: string;
  dataKey: string | null;
  sealedPid: string | null;
  sealedName: string | null;
}): RevealedPerson {
  if (!row.dataKey) return UNKNOWN;
  const dk = unwrapDataKey(personalDataRing(), row.pid, row.dataKey);
  return {
    pid: row.sealedPid ? openField(dk, row.pid, 'pid', row.sealedPid) : null,
    name: row.sealedName ? openField(dk, row.pid, 'name', row.sealedName) : null,
  };
}

const BATCH = 1_000;

/**
 * The identities of the given person keys, in one query per thousand: the 12-digit number and the
 * name. A key with no row, or whose data key has been destroyed, reveals nulls.
 */
export async function revealPeople(
  db: Db | Tx,
  keys: Iterable<string | null | undefined>,
): Promise<Map<string, RevealedPerson>> {
  const wanted = [...new Set([...keys].filter(isPersonKey))];
  const out = new Map<string, RevealedPerson>();
  for (let i = 0; i < wanted.length; i += BATCH) {
    const rows = await db
      .select({ pid: people.pid, dataKey: people.dataKey, sealedPid: people.sealedPid, sealedName: people.sealedName })
      .from(people)
      .where(inArray(people.pid, wanted.slice(i, i + BATCH)));
    for (const row of rows) out.set(row.pid, openPersonRow(row));
  }
  for (const k of wanted) if (!out.has(k)) out.set(k, UNKNOWN);
  return out;
}

/** One person's identity (see revealPeople). */
export async function revealPerson(db: Db | Tx, key: string | null | undefined): Promise<RevealedPerson> {
  if (!isPersonKey(key)) return UNKNOWN;
  return (await revealPeople(db, [key])).get(key) ?? UNKNOWN;
}

export { EnvelopeError };
