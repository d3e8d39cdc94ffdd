// One person-hash key for the whole test run, as a deployment has one for all its processes
// (server/audit/person-hash.ts): installed in every test process before any test code runs, and
// passed to every server process a test starts (server-process.ts), so a lot registered in one
// process and recorded in another, or seeded by a factory, hashes its people alike.
import { installPersonHashKey } from '../../server/audit/person-hash.ts';

export const TEST_PERSON_HASH_KEY = 'test-run person-hash key, not a secret: 0123456789abcdef';

installPersonHashKey(Buffer.from(TEST_PERSON_HASH_KEY, 'utf8'));
