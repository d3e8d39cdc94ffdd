// The database health monitor: what makes the platform refuse at once during an outage and reopen
// by itself after it. Driven by a fake ping so each case is exact.
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseHealth } from '../../server/shared/database-health.ts';
import { createLogger } from '../../server/shared/log.ts';

const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const log = createLogger({ level: 'silent' });
const monitors: DatabaseHealth[] = [];
afterEach(() => monitors.splice(0).forEach((m) => m.close()));

function monitor(ping: () => Promise<void>): DatabaseHealth {
  const m = new DatabaseHealth({ ping, log, probeTimeoutMs: 100, probeIntervalMs: 20 });
  monitors.push(m);
  return m;
}

const until = async (check: () => boolean, ms = 3_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('database health', () => {
  it('marks the database down when a probe is refused, and up again as soon as one answers', async () => {
    let answering = false;
    const changes: boolean[] = [];
    const m = monitor(async () => {
      if (!answering) throw refused;
    });
    m.onChange((up) => changes.push(up));
    m.report(refused);
    await until(() => !m.up);
    expect(m.downForMs()).toBeGreaterThanOrEqual(0);
    answering = true;
    await until(() => m.up);
    expect(changes).toEqual([false, true]);
  });

  it('does not count one slow probe as an outage, but two in a row', async () => {
    let stall = 1;
    const m = monitor(() => (stall-- > 0 ? new Promise<void>(() => {}) : Promise.resolve()));
    m.report(refused);
    await new Promise((r) => setTimeout(r, 400));
    expect(m.up, 'one timed-out probe, then an answer').toBe(true);
    stall = 2;
    m.report(refused);
    await until(() => !m.up);
  });

  it('ignores failures that are not about the database being reachable', async () => {
    let pings = 0;
    const m = monitor(async () => void pings++);
    m.report(Object.assign(new Error('duplicate key'), { code: '23505' }));
    m.report(new Error('a bug'));
    await new Promise((r) => setTimeout(r, 50));
    expect(pings).toBe(0);
    expect(m.up).toBe(true);
  });
});
