// Webhooks to external systems (issue 20), delivered by a running platform under a controlled clock to
// a real HTTP receiver on a loopback port: a receiver that fails twice (500, then no answer within the
// attempt's bound) and then answers 200 receives the event three times with one Idempotency-Key and a
// signature its secret verifies, and the delivery is delivered once, with every attempt listed to
// admins; the back-off doubles with jitter; a receiver that always fails ends `failed`, visible to
// admins, and an admin's audited retry delivers once it is fixed; each target gets only the event types
// it takes; an event enqueued in a transaction that rolled back is never sent, and one enqueued twice
// is sent once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personKey } from '../../server/privacy/personal-data.ts';
import { and, eq } from 'drizzle-orm';
import { auditEvents, jobs, webhookDeliveries, webhookEvents } from '../../db/schema.ts';
import { checkSignature } from '../../server/payments/webhook-signature.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { enqueueWebhookEvent } from '../../server/webhooks/events.ts';
import { RETRY_BASE_MS } from '../../server/webhooks/retry-policy.ts';
import { newPid } from '../support/eid.ts';
import type { Json } from '../support/json.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { eventually } from '../auctions/factories.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const T0 = Date.parse('2027-03-01T02:00:00Z');
const clock = new ManualClock(T0);
const PORTAL_SECRET = 'portal-secret-0123456789abcdef-0123456789';
const OPEN_DATA_SECRET = 'open-data-secret-0123456789abcdef-01234567';
const TIMEOUT_MS = 500;
const MAX_ATTEMPTS = 4;
let receiver: Receiver;
let t: TestPlatform;
let admin: { pid: string; token: string };
let level2Token: string;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  receiver = await startReceiver();
  admin = { pid: newPid(), token: '' };
  t = await startTestPlatform({
    clock,
    env: {
      ADMIN_PIDS: admin.pid,
      WEBHOOK_TARGETS: JSON.stringify([
        {
          name: 'portal',
          url: receiver.url('/portal'),
          secret: PORTAL_SECRET,
          events: ['result.published', 'log.leaf_appended'],
        },
        { name: 'open-data', url: receiver.url('/open-data'), secret: OPEN_DATA_SECRET, events: ['log.leaf_appended'] },
      ]),
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    },
  });
  admin.token = await t.idp.token({ sub: admin.pid, loa: 2 });
  const pid = newPid();
  level2Token = await t.idp.token({ sub: pid, loa: 2 });
  expect((await t.call('GET', '/api/me', { token: level2Token })).status).toBe(200);
});
afterAll(async () => {
  await t?.stop();
  await receiver?.close();
});

async function enqueue(id: string, type: 'result.published' | 'log.leaf_appended', data: Record<string, unknown>) {
  await t.database.db.transaction((tx) => enqueueWebhookEvent(tx, { type, id, occurredAt: clock.now(), data }));
}

async function delivery(eventId: string, target: string) {
  const [row] = await t.database.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.eventId, eventId), eq(webhookDeliveries.target, target)));
  return row;
}

/** Waits until the delivery has made `attempts` attempts (and recorded them). */
const afterAttempt = (eventId: string, target: string, attempts: number) =>
  eventually(async () => {
    const row = await delivery(eventId, target);
    return row && row.attempts >= attempts ? row : undefined;
  }, `attempt ${attempts} of ${eventId} to ${target}`);

/** The admins' view of the deliveries. */
async function adminList(query = ''): Promise<{ targets: Json[]; items: Json[] }> {
  const res = await t.call('GET', `/api/admin/webhooks${query}`, { token: admin.token });
  expect(res.status).toBe(200);
  return res.json as { targets: Json[]; items: Json[] };
}

describe('a receiver that fails twice, then answers', () => {
  const id = 'test-leaf:1';
  const data = { index: 0, leafHash: 'q3RlYWYtaGFzaC0w', digest: 'ZGlnZXN0LTA', kind: 'record' };
  let delivered: typeof webhookDeliveries.$inferSelect;
  const attemptTimes: number[] = [];

  beforeAll(async () => {
    receiver.answer = ({ path, n }) => (path === '/portal' ? (([500, 'hang', 200] as const)[n - 1] ?? 200) : 200);
    await enqueue(id, 'log.leaf_appended', data);
    attemptTimes.push(clock.now().getTime());
    const first = await afterAttempt(id, 'portal', 1);
    expect(first).toMatchObject({ state: 'pending', lastStatus: 500, lastError: 'HTTP 500 Internal Server Error' });
    // 30 s after the first failure, of which the second half is random.
    const wait1 = first.nextAttemptAt!.getTime() - clock.now().getTime();
    expect(wait1).toBeGreaterThanOrEqual(RETRY_BASE_MS / 2);
    expect(wait1).toBeLessThanOrEqual(RETRY_BASE_MS);
    // Not before its time.
    clock.set(first.nextAttemptAt!.getTime() - 1);
    await sleep(500);
    expect(receiver.of(id, '/portal')).toHaveLength(1);
    clock.set(first.nextAttemptAt!);
    attemptTimes.push(clock.now().getTime());
    const second = await afterAttempt(id, 'portal', 2);
    expect(second).toMatchObject({
      state: 'pending',
      lastStatus: null,
      lastError: `no answer within ${TIMEOUT_MS} ms`,
    });
    const wait2 = second.nextAttemptAt!.getTime() - clock.now().getTime();
    expect(wait2).toBeGreaterThanOrEqual(RETRY_BASE_MS);
    expect(wait2).toBeLessThanOrEqual(2 * RETRY_BASE_MS);
    clock.set(second.nextAttemptAt!);
    attemptTimes.push(clock.now().getTime());
    delivered = await eventually(async () => {
      const row = await delivery(id, 'portal');
      return row?.state === 'delivered' ? row : undefined;
    }, 'the delivery to the portal');
  });

  it('is delivered once, on the third attempt, and nothing is sent after', async () => {
    expect(delivered).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null, nextAttemptAt: null });
    expect(delivered.deliveredAt).toEqual(new Date(attemptTimes[2]));
    await sleep(800);
    const got = receiver.of(id, '/portal');
    expect(got.map((r) => r.answer)).toEqual([500, 'hang', 200]);
    expect(got.map((r) => r.headers['x-platform-delivery-attempt'])).toEqual(['1', '2', '3']);
  });

  it('carries one Idempotency-Key on every attempt, its own per target', async () => {
    const keys = receiver.of(id, '/portal').map((r) => r.headers['idempotency-key']);
    expect(new Set(keys)).toEqual(new Set([delivered.idempotencyKey]));
    const openData = receiver.of(id, '/open-data');
    expect(openData).toHaveLength(1);
    expect(openData[0].headers['idempotency-key']).not.toBe(delivered.idempotencyKey);
    expect((await delivery(id, 'open-data')).state).toBe('delivered');
  });

  it('is signed with the target’s secret over the raw body at the platform’s time', async () => {
    for (const [i, r] of receiver.of(id, '/portal').entries()) {
      const header = String(r.headers['x-platform-signature']);
      const at = new Date(attemptTimes[i]);
      expect(header).toMatch(new RegExp(`^t=${Math.floor(attemptTimes[i] / 1000)},v1=[0-9a-f]{64}$`));
      expect(checkSignature(PORTAL_SECRET, header, r.body, at)).toEqual({
        ok: true,
        timestamp: Math.floor(attemptTimes[i] / 1000),
      });
      expect(checkSignature(OPEN_DATA_SECRET, header, r.body, at)).toEqual({ ok: false, problem: 'mismatch' });
      expect(checkSignature(PORTAL_SECRET, header, r.body.replace('record', 'recorD'), at).ok).toBe(false);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-platform-event-id']).toBe(id);
      expect(r.headers['x-platform-event-type']).toBe('log.leaf_appended');
      expect(JSON.parse(r.body)).toEqual({
        id,
        type: 'log.leaf_appended',
        occurredAt: new Date(attemptTimes[0]).toISOString(),
        data,
      });
    }
    // Every attempt sends the same bytes.
    expect(new Set(receiver.of(id).map((r) => r.body)).size).toBe(1);
    const openData = receiver.of(id, '/open-data')[0];
    expect(
      checkSignature(OPEN_DATA_SECRET, String(openData.headers['x-platform-signature']), openData.body, clock.now()).ok,
    ).toBe(true);
  });

  it('lists every attempt to admins, with its status or error, and the targets without their secrets', async () => {
    const list = await adminList('?target=portal');
    expect(list.targets).toEqual([
      { name: 'portal', url: receiver.url('/portal'), events: ['result.published', 'log.leaf_appended'] },
      { name: 'open-data', url: receiver.url('/open-data'), events: ['log.leaf_appended'] },
    ]);
    expect(JSON.stringify(list)).not.toContain(PORTAL_SECRET);
    expect(JSON.stringify(list)).not.toContain(OPEN_DATA_SECRET);
    const item = list.items.find((d) => d.eventId === id)!;
    expect(item).toMatchObject({
      id: delivered.id,
      eventType: 'log.leaf_appended',
      target: 'portal',
      state: 'delivered',
      attempts: 3,
      lastStatus: 200,
      lastError: null,
      nextAttemptAt: null,
      idempotencyKey: delivered.idempotencyKey,
    });
    expect(item.attemptLog).toMatchObject([
      { attempt: 1, at: new Date(attemptTimes[0]).toISOString(), status: 500, error: 'HTTP 500 Internal Server Error' },
      {
        attempt: 2,
        at: new Date(attemptTimes[1]).toISOString(),
        status: null,
        error: `no answer within ${TIMEOUT_MS} ms`,
      },
      { attempt: 3, at: new Date(attemptTimes[2]).toISOString(), status: 200, error: null },
    ]);
    expect(item.attemptLog[1].durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });
});

describe('a receiver that always fails', () => {
  const id = 'test-result:2';
  let failed: typeof webhookDeliveries.$inferSelect;
  let fixed = false;

  beforeAll(async () => {
    receiver.answer = ({ path }) => (path === '/portal' && !fixed ? 503 : 200);
    await enqueue(id, 'result.published', { lotId: 2, sequence: 1 });
    for (let n = 1; n < MAX_ATTEMPTS; n++) {
      const row = await afterAttempt(id, 'portal', n);
      expect(row).toMatchObject({ state: 'pending', lastStatus: 503 });
      clock.set(row.nextAttemptAt!);
    }
    failed = await eventually(async () => {
      const row = await delivery(id, 'portal');
      return row?.state === 'failed' ? row : undefined;
    }, 'the delivery to fail');
  });

  it(`ends failed after ${MAX_ATTEMPTS} attempts, listed to admins as such`, async () => {
    expect(failed).toMatchObject({
      attempts: MAX_ATTEMPTS,
      lastStatus: 503,
      lastError: `HTTP 503 Service Unavailable; gave up after ${MAX_ATTEMPTS} attempts`,
      nextAttemptAt: null,
      deliveredAt: null,
    });
    expect(receiver.of(id, '/portal')).toHaveLength(MAX_ATTEMPTS);
    const list = await adminList('?state=failed');
    expect(list.items.map((d) => d.id)).toContain(failed.id);
    expect(list.items.every((d) => d.state === 'failed')).toBe(true);
    const item = list.items.find((d) => d.id === failed.id)!;
    expect(item.attemptLog.map((a: Json) => a.status)).toEqual(Array(MAX_ATTEMPTS).fill(503));
    // Only admins see the list.
    expect((await t.call('GET', '/api/admin/webhooks', { token: level2Token })).status).toBe(403);
    expect((await t.call('GET', '/api/admin/webhooks')).status).toBe(401);
  });

  it('is not sent to a target that does not take its type', async () => {
    expect(receiver.of(id, '/open-data')).toEqual([]);
    expect(await delivery(id, 'open-data')).toBeUndefined();
  });

  it('is delivered by an admin’s retry once the receiver is fixed; the retry is audited', async () => {
    const path = `/api/admin/webhooks/${failed.id}/retry`;
    expect((await t.call('POST', path, { token: level2Token })).status).toBe(403);
    expect((await delivery(id, 'portal')).state).toBe('failed');
    fixed = true;
    const retried = await t.call('POST', path, { token: admin.token });
    expect(retried.status).toBe(200);
    expect(retried.json).toMatchObject({ id: failed.id, state: 'pending', attempts: MAX_ATTEMPTS });
    expect(retried.json.nextAttemptAt).toBe(clock.now().toISOString());
    const done = await eventually(async () => {
      const row = await delivery(id, 'portal');
      return row?.state === 'delivered' ? row : undefined;
    }, 'the retried delivery');
    expect(done).toMatchObject({ attempts: MAX_ATTEMPTS + 1, lastStatus: 200, lastError: null });
    const got = receiver.of(id, '/portal');
    expect(got.map((r) => r.answer)).toEqual([...Array(MAX_ATTEMPTS).fill(503), 200]);
    expect(new Set(got.map((r) => r.headers['idempotency-key']))).toEqual(new Set([failed.idempotencyKey]));
    const [audit] = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'webhook.retried'), eq(auditEvents.subject, String(failed.id))));
    expect(audit).toMatchObject({
      actorPid: personKey(admin.pid),
      data: {
        delivery: failed.id,
        target: 'portal',
        eventId: id,
        eventType: 'result.published',
        attempts: MAX_ATTEMPTS,
      },
    });
    // A delivered one is not retried; nor is one that does not exist.
    const again = await t.call('POST', path, { token: admin.token });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({
      reason: 'webhook_delivery_not_failed',
      params: { id: failed.id, state: 'delivered' },
    });
    const missing = await t.call('POST', '/api/admin/webhooks/2147483647/retry', { token: admin.token });
    expect(missing.status).toBe(404);
    expect(missing.json.error.reason).toBe('webhook_delivery_not_found');
    expect((await t.call('POST', '/api/admin/webhooks/0/retry', { token: admin.token })).status).toBe(422);
  });

  it('is not retried for a target no longer configured', async () => {
    const now = clock.now();
    await t.database.db
      .insert(webhookEvents)
      .values({ id: 'test-gone:1', type: 'result.published', occurredAt: now, body: '{}', createdAt: now });
    const [row] = await t.database.db
      .insert(webhookDeliveries)
      .values({
        eventId: 'test-gone:1',
        target: 'retired-portal',
        idempotencyKey: 'k',
        state: 'failed',
        attempts: 3,
        seriesStartedAt: now,
        createdAt: now,
      })
      .returning();
    const res = await t.call('POST', `/api/admin/webhooks/${row.id}/retry`, { token: admin.token });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({
      reason: 'webhook_target_not_configured',
      params: { target: 'retired-portal' },
    });
    expect((await delivery('test-gone:1', 'retired-portal')).state).toBe('failed');
  });
});

describe('enqueueing', () => {
  it('in a transaction that rolls back sends nothing; the same event twice is sent once', async () => {
    receiver.answer = () => 200;
    await t.database.db
      .transaction(async (tx) => {
        await enqueueWebhookEvent(tx, {
          type: 'log.leaf_appended',
          id: 'test-leaf:rolled-back',
          occurredAt: clock.now(),
          data: {},
        });
        throw new Error('roll back');
      })
      .catch(() => {});
    await enqueue('test-leaf:twice', 'log.leaf_appended', { index: 7 });
    await eventually(
      async () => ((await delivery('test-leaf:twice', 'open-data'))?.state === 'delivered' ? true : undefined),
      'the first send',
    );
    await enqueue('test-leaf:twice', 'log.leaf_appended', { index: 7 });
    await sleep(800);
    expect(receiver.of('test-leaf:twice', '/portal')).toHaveLength(1);
    expect(receiver.of('test-leaf:twice', '/open-data')).toHaveLength(1);
    expect(receiver.of('test-leaf:rolled-back')).toEqual([]);
    expect(await t.database.db.$count(jobs, eq(jobs.key, 'webhook-event:test-leaf:rolled-back'))).toBe(0);
    await expect(
      enqueueWebhookEvent(t.database.db, {
        type: 'log.leaf_appended',
        id: 'no spaces',
        occurredAt: clock.now(),
        data: {},
      }),
    ).rejects.toThrow(RangeError);
  });
});
