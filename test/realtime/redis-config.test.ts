// REDIS_URL set but Redis unreachable: the process stops at start with a message naming the variable,
// rather than running as an island that other processes never hear from.
import { describe, expect, it } from 'vitest';
import { startTestIdp } from '../support/eid.ts';
import { freePort, startServerProcess } from '../support/server-process.ts';

describe('REDIS_URL pointing at nothing', () => {
  it('stops the process at start with a message naming REDIS_URL', async () => {
    const idp = await startTestIdp();
    const unused = await freePort();
    try {
      await expect(
        startServerProcess({ ...idp.env(), REDIS_URL: `redis://127.0.0.1:${unused}` }, { timeoutMs: 60_000 }),
      ).rejects.toThrow(/REDIS_URL: cannot reach Redis at 127\.0\.0\.1:\d+/);
    } finally {
      await idp.close();
    }
  }, 90_000);
});
