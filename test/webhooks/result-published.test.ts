// End to end (issue 20, "shared, not copied by hand"): a lot closes, its signed result notice is
// published, and a real HTTP receiver configured for `result.published` gets it: the notice byte for
// byte, verifying with jose against the platform's published keys, its digest the SHA-256 of those
// bytes, signed with the target's secret, and no personal data in the body. The event is written in
// the notice's own transaction: one fan-out job per notice issued, and none for a lot not ended.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, like } from 'drizzle-orm';
import { createLocalJWKSet, flattenedVerify, type FlattenedJWSInput, type JSONWebKeySet } from 'jose';
import { jobs, lotDocuments } from '../../db/schema.ts';
import { checkSignature } from '../../server/payments/webhook-signature.ts';
import { ResultNoticeSchema } from '../../server/records/lot-fact-format.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import type { Json } from '../support/json.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { eventually, liveLot, person, type Actor } from '../auctions/factories.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const SECRET = 'national-portal-secret-0123456789abcdef';
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
const names = ['Nguyễn Văn An', 'Trần Thị Bình'];
let receiver: Receiver;
let t: TestPlatform;
let manager: Actor;
let bidders: Actor[];

beforeAll(async () => {
  receiver = await startReceiver(() => 200);
  t = await startTestPlatform({
    clock,
    env: {
      WEBHOOK_TARGETS: JSON.stringify([
        { name: 'national-portal', url: receiver.url('/hooks'), secret: SECRET, events: ['result.published'] },
      ]),
    },
  });
  manager = await person(t.idp, t.database.db, { roles: ['manager'] });
  bidders = [];
  for (const name of names) bidders.push(await person(t.idp, undefined, { name }));
});
afterAll(async () => {
  await t?.stop();
  await receiver?.close();
});

describe('a lot that closes', () => {
  let lot: Json;
  let received: { body: string; headers: Record<string, unknown> };

  beforeAll(async () => {
    const live = await liveLot({ call: t.call, clock }, manager, bidders, { title: 'Biển số 51K-888.88' });
    lot = live.lot;
    const [a, b] = live.bidders;
    for (const [who, amount] of [
      [a, 40_000_000],
      [b, 45_000_000],
    ] as const) {
      clock.advance(1_000);
      const res = await t.call('POST', `/api/lots/${lot.id}/bids`, { token: who.token, body: { amount } });
      expect(res.status).toBe(201);
    }
    clock.advance(Date.parse(lot.endsAt) - clock.now().getTime() + 2_000);
    received = await eventually(
      async () => receiver.of(`result-notice:${lot.id}:1`)[0],
      'the result notice at the receiver',
      30_000,
    );
  });

  it('pushes its signed result notice, byte for byte, to the receiver', async () => {
    const body = JSON.parse(received.body) as Json;
    expect(body).toMatchObject({
      id: `result-notice:${lot.id}:1`,
      type: 'result.published',
      data: { lotId: lot.id, sequence: 1, status: 'closed' },
    });
    expect(received.headers['x-platform-event-type']).toBe('result.published');
    const header = String(received.headers['x-platform-signature']);
    const at = new Date(Number(/^t=(\d+)/.exec(header)![1]) * 1000);
    expect(checkSignature(SECRET, header, received.body, at).ok).toBe(true);
    expect(Math.abs(at.getTime() - clock.now().getTime())).toBeLessThan(5_000);

    // The document is the one the platform serves and stores, and verifies against its published keys.
    const served = await t.call('GET', `/api/results/${lot.id}/notices/1`);
    expect(served.status).toBe(200);
    expect(body.data.document).toBe(served.text);
    expect(body.data.digest).toBe(createHash('sha256').update(body.data.document, 'utf8').digest('base64url'));
    const [stored] = await t.database.db.select().from(lotDocuments).where(eq(lotDocuments.digest, body.data.digest));
    expect(stored).toMatchObject({ lotId: lot.id, kind: 'result_notice', document: body.data.document });
    const jwks = await t.call('GET', '/api/.well-known/jwks.json');
    const { payload } = await flattenedVerify(
      JSON.parse(body.data.document) as FlattenedJWSInput,
      createLocalJWKSet(jwks.json as JSONWebKeySet),
    );
    const notice = ResultNoticeSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
    expect(notice).toMatchObject({ lot: { id: lot.id }, sequence: 1, status: 'closed', price: 45_000_000 });
    expect(body.occurredAt).toBe(notice.issuedAt);
  });

  it('carries no personal data', async () => {
    for (const b of bidders) {
      expect(received.body).not.toContain(b.pid);
    }
    for (const name of names) {
      expect(received.body).not.toContain(name);
      expect(received.body).not.toContain(JSON.stringify(name).slice(1, -1));
    }
    const payload = JSON.parse(
      Buffer.from(
        (JSON.parse(JSON.parse(received.body).data.document) as { payload: string }).payload,
        'base64url',
      ).toString('utf8'),
    ) as Json;
    for (const name of names) expect(JSON.stringify(payload)).not.toContain(name);
  });

  it('has exactly one event per notice issued, written with the notice', async () => {
    const notices = await t.database.db.select().from(lotDocuments).where(eq(lotDocuments.kind, 'result_notice'));
    const events = await t.database.db.select().from(jobs).where(like(jobs.key, 'webhook-event:result-notice:%'));
    expect(events.map((j) => j.key).sort()).toEqual(
      notices
        .map(
          (n) =>
            `webhook-event:result-notice:${n.lotId}:${JSON.parse(Buffer.from((JSON.parse(n.document) as { payload: string }).payload, 'base64url').toString('utf8')).sequence}`,
        )
        .sort(),
    );
    expect(notices.length).toBeGreaterThan(0);
    const list = await t.call('GET', '/api/admin/webhooks', {
      token: (await person(t.idp, t.database.db, { roles: ['admin'] })).token,
    });
    expect(list.status).toBe(200);
    expect(list.json.items.find((d: Json) => d.eventId === `result-notice:${lot.id}:1`)).toMatchObject({
      target: 'national-portal',
      state: 'delivered',
      attempts: 1,
      lastStatus: 200,
    });
  });
});
