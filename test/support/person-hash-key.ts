// One person-hash key and one personal-data key for the whole test run, as a deployment has one of
// each for all its processes (server/audit/person-hash.ts, server/privacy/personal-data.ts):
// installed in every test process before any test code runs, and passed to every server process a
// test starts (server-process.ts), so a lot registered in one process and recorded in another, or
// seeded by a factory, hashes and seals its people alike.
import { installPersonHashKey } from '../../server/audit/person-hash.ts';
import { usePersonalDataKeys } from '../../server/privacy/personal-data.ts';

export const TEST_PERSON_HASH_KEY = 'test-run person-hash key, not a secret: 0123456789abcdef';
export const TEST_PERSONAL_DATA_KEY = 'test:test-run personal-data key, not a secret: 0123456789';

installPersonHashKey(Buffer.from(TEST_PERSON_HASH_KEY, 'utf8'));
usePersonalDataKeys({ personalDataKey: TEST_PERSONAL_DATA_KEY, dataDir: '/nonexistent' });
