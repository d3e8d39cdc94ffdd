// A Bearer request records the person (name, level, last seen), but a returning person's row is
// rewritten at most once per PERSON_WRITE_INTERVAL_MS per process: the write is a durable commit, and
// on every roles refresh it cost a bidding storm one fsync per bidder every few seconds (issue 6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { people } from '../../db/schema.ts';
import { PersonCache, resolvePerson } from '../../server/identity/authenticate.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { loadConfig } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { newPid } from '../support/eid.ts';
import { personKey, revealPerson } from '../../server/privacy/personal-data.ts';

let database: TestDatabase;
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let ctx: AppContext;
const config = loadConfig({ NODE_ENV: 'test' });

beforeAll(async () => {
  database = await openTestDatabase();
  ctx = { db: database.db, clock, config } as unknown as AppContext;
});
afterAll(async () => {
  await database?.close();
});

async function lastSeen(pid: string): Promise<{ lastSeenAt: Date; name: string | null } | undefined> {
  const [row] = await database.db
    .select({ lastSeenAt: people.lastSeenAt })
    .from(people)
    .where(eq(people.pid, personKey(pid)));
  return row && { lastSeenAt: row.lastSeenAt, name: (await revealPerson(database.db, personKey(pid))).name };
}

/** Who a Bearer token names, as authenticate() hands it on: their person key and their number. */
const who = (pid: string, name: string) => ({ pid: personKey(pid), idNumber: pid, name, level: 2 as const });

describe('recording the person behind a Bearer token', () => {
  it('writes a new person once and only reads roles on later cache misses', async () => {
    const cache = new PersonCache(-1); // every request misses the roles cache
    const pid = newPid();
    await resolvePerson(ctx, cache, who(pid, 'Trần Thị Bình'), 'bearer');
    const first = await lastSeen(pid);
    expect(first?.name).toBe('Trần Thị Bình');
    clock.advance(60_000);
    const again = await resolvePerson(ctx, cache, who(pid, 'Trần Thị Bình'), 'bearer');
    expect(again.roles).toEqual([]);
    expect((await lastSeen(pid))?.lastSeenAt.getTime()).toBe(first!.lastSeenAt.getTime());
  });

  it('writes again when the provider reports another name', async () => {
    const cache = new PersonCache(-1);
    const pid = newPid();
    await resolvePerson(ctx, cache, who(pid, 'Lê Văn Cường'), 'bearer');
    await resolvePerson(ctx, cache, who(pid, 'Lê Văn Cường (đổi tên)'), 'bearer');
    expect((await lastSeen(pid))?.name).toBe('Lê Văn Cường (đổi tên)');
  });

  it('reads a person once for many concurrent requests', async () => {
    // Counts the statements started on the real database (a storm sends a bidder's requests together).
    let started = 0;
    const counted = new Proxy(database.db, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          started++;
          return value.apply(target, args);
        };
      },
    });
    const counting = { db: counted, clock, config } as unknown as AppContext;
    const once = async (cache: PersonCache, pid: string, n: number) => {
      started = 0;
      const people = await Promise.all(
        Array.from({ length: n }, () => resolvePerson(counting, cache, who(pid, 'Phạm Thị Dung'), 'bearer')),
      );
      expect(new Set(people.map((p) => p.idNumber))).toEqual(new Set([pid]));
      return started;
    };
    const alone = await once(new PersonCache(), newPid(), 1);
    expect(alone).toBeGreaterThan(0);
    expect(await once(new PersonCache(), newPid(), 20)).toBe(alone);
  });
});
