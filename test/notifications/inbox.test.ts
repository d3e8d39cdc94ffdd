// The person's notices over HTTP: newest first in pages with the unread count, in Vietnamese or
// English; read marks for one or all; only one's own (another's notice is 404 and stays unread); the
// e-mail address set, shown in GET /api/me, cleared, and refused (422, unchanged) when malformed.
import { personKey } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { notifications } from '../../db/schema.ts';
import { notify } from '../../server/notifications/outbox.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { person, publishedLot, lotBody, type Actor } from '../auctions/factories.ts';

let tp: TestPlatform;
let an: Actor;
let binh: Actor;
let lotId: number;
const ids: number[] = [];

beforeAll(async () => {
  tp = await startTestPlatform();
  const manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  an = await person(tp.idp, undefined);
  binh = await person(tp.idp, undefined);
  lotId = (await publishedLot(tp.call, manager, lotBody(Date.now() + 60_000, { title: 'Biển số 30A-999.99' }))).id;
  // Both people exist once they have called the API.
  await tp.call('GET', '/api/me', { token: an.token });
  await tp.call('GET', '/api/me', { token: binh.token });
  const at = (minute: number) => new Date(Date.parse('2026-12-01T02:00:00Z') + minute * 60_000);
  await tp.database.db.transaction((tx) =>
    notify(
      tx,
      {
        pid: personKey(an.pid),
        kind: 'deposit_due',
        lotId,
        data: { amount: 4_000_000, reference: 'DGAN1' },
        at: at(0),
      },
      { pid: personKey(an.pid), kind: 'deposit_received', lotId, data: { amount: 4_000_000 }, at: at(1) },
      {
        pid: personKey(an.pid),
        kind: 'refund_due',
        lotId,
        data: { amount: 4_000_000, dueAt: '2026-12-04T10:00:00Z' },
        at: at(2),
      },
      {
        pid: personKey(binh.pid),
        kind: 'deposit_due',
        lotId,
        data: { amount: 4_000_000, reference: 'DGBINH' },
        at: at(0),
      },
    ),
  );
  const rows = await tp.database.db
    .select({ id: notifications.id })
    .from(notifications)
    .where(eq(notifications.pid, personKey(an.pid)));
  ids.push(...rows.map((r) => r.id).sort((a, b) => a - b));
});
afterAll(async () => tp?.stop());

describe('my notices', () => {
  it('lists my own notices newest first, in pages, with the unread count', async () => {
    const first = await tp.call('GET', '/api/me/notifications?limit=2', { token: an.token });
    expect(first.status).toBe(200);
    expect(first.json.unread).toBe(3);
    expect(first.json.items.map((n: { id: number }) => n.id)).toEqual([ids[2], ids[1]]);
    expect(first.json.items[0]).toMatchObject({
      kind: 'refund_due',
      lotId,
      readAt: null,
      email: 'none',
      subject: 'Tiền sẽ được hoàn trả cho bạn: Biển số 30A-999.99',
    });
    expect(first.json.items[0].body).toContain('Hạn chót: 17:00 ngày 04/12/2026');
    expect(first.json.items[0].body).toContain(`/lots/${lotId}`);
    expect(first.json.nextCursor).toBe(ids[1]);
    const second = await tp.call('GET', `/api/me/notifications?limit=2&cursor=${ids[1]}&lang=en`, { token: an.token });
    expect(second.json.items.map((n: { id: number }) => n.id)).toEqual([ids[0]]);
    expect(second.json.items[0].subject).toBe('Deposit to pay: Biển số 30A-999.99');
    expect(second.json.items[0].body).toContain('Transfer reference: DGAN1');
    expect(second.json.nextCursor).toBeNull();

    const other = await tp.call('GET', '/api/me/notifications', { token: binh.token });
    expect(other.json.items).toHaveLength(1);
    expect(other.json.items[0].body).toContain('DGBINH');
    expect(other.json.unread).toBe(1);
  });

  it('refuses a malformed page request with 422', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=x', 'cursor=-1', 'cursor=abc', 'lang=fr']) {
      const res = await tp.call('GET', `/api/me/notifications?${query}`, { token: an.token });
      expect(res.status, query).toBe(422);
    }
    expect((await tp.call('GET', '/api/me/notifications')).status).toBe(401);
  });

  it("marks one notice read, keeps its first time, and never marks another person's", async () => {
    expect((await tp.call('POST', `/api/me/notifications/${ids[0]}/read`, { token: binh.token })).status).toBe(404);
    expect((await tp.call('POST', '/api/me/notifications/999999999/read', { token: an.token })).status).toBe(404);
    expect((await tp.call('POST', '/api/me/notifications/abc/read', { token: an.token })).status).toBe(422);
    const read = await tp.call('POST', `/api/me/notifications/${ids[0]}/read`, { token: an.token });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id: ids[0] });
    const again = await tp.call('POST', `/api/me/notifications/${ids[0]}/read`, { token: an.token });
    expect(again.json.readAt).toBe(read.json.readAt);
    const list = await tp.call('GET', '/api/me/notifications', { token: an.token });
    expect(list.json.unread).toBe(2);
    expect(list.json.items.find((n: { id: number }) => n.id === ids[0]).readAt).toBe(read.json.readAt);
    expect((await tp.call('GET', '/api/me/notifications', { token: binh.token })).json.unread).toBe(1);
  });

  it('marks all my notices read, and only mine', async () => {
    const all = await tp.call('POST', '/api/me/notifications/read-all', { token: an.token });
    expect(all.json).toEqual({ marked: 2 });
    expect((await tp.call('GET', '/api/me/notifications', { token: an.token })).json.unread).toBe(0);
    expect((await tp.call('POST', '/api/me/notifications/read-all', { token: an.token })).json).toEqual({ marked: 0 });
    expect((await tp.call('GET', '/api/me/notifications', { token: binh.token })).json.unread).toBe(1);
  });
});

describe('my e-mail address', () => {
  it('is set, shown in GET /api/me, and cleared with null or ""', async () => {
    expect((await tp.call('GET', '/api/me', { token: an.token })).json.email).toBeNull();
    const set = await tp.call('PUT', '/api/me/email', { token: an.token, body: { email: '  an@example.vn ' } });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ email: 'an@example.vn' });
    expect((await tp.call('GET', '/api/me', { token: an.token })).json.email).toBe('an@example.vn');
    expect((await tp.call('GET', '/api/me/email', { token: an.token })).json).toEqual({ email: 'an@example.vn' });
    expect((await tp.call('GET', '/api/me', { token: binh.token })).json.email).toBeNull();
    expect((await tp.call('PUT', '/api/me/email', { token: an.token, body: { email: '' } })).json).toEqual({
      email: null,
    });
    await tp.call('PUT', '/api/me/email', { token: an.token, body: { email: 'an@example.vn' } });
    expect((await tp.call('PUT', '/api/me/email', { token: an.token, body: { email: null } })).json).toEqual({
      email: null,
    });
    expect((await tp.call('GET', '/api/me', { token: an.token })).json.email).toBeNull();
  });

  it('refuses a malformed address with 422 and changes nothing', async () => {
    await tp.call('PUT', '/api/me/email', { token: binh.token, body: { email: 'binh@example.vn' } });
    const bad = [
      { email: 'not an address' },
      { email: 'binh@localhost' },
      { email: 'binh@example.vn\r\nBcc: x@example.vn' },
      { email: `${'a'.repeat(250)}@example.vn` },
      { email: 42 },
      {},
      { email: 'b@example.vn', extra: true },
    ];
    for (const body of bad) {
      const res = await tp.call('PUT', '/api/me/email', { token: binh.token, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await tp.call('PUT', '/api/me/email', { token: binh.token, raw: '{' })).status).toBe(400);
    expect((await tp.call('GET', '/api/me', { token: binh.token })).json.email).toBe('binh@example.vn');
    expect((await tp.call('PUT', '/api/me/email', { body: { email: 'x@example.vn' } })).status).toBe(401);
  });
});
