// Live supervision end to end (issue 20, item 2): the clients bidders bid and watch from are captured
// as keyed hashes, once per client (repeated bids write nothing); a regulator in scope sees the live
// lot with identities, the read audited with its purpose; the signals come with their evidence, each
// rule on a constructed scenario beside a near miss; a decision on a signal is audited and changes
// nothing on the lot; managers, bidders and regulators outside their scope are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personKey } from '../../server/privacy/personal-data.ts';
import { and, asc, eq, inArray } from 'drizzle-orm';
import {
  auditEvents,
  clientSightings,
  identityReads,
  ledgerEntries,
  lots,
  regulatorScopes,
  shedBids,
} from '../../db/schema.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { personHash } from '../../server/audit/person-hash.ts';
import { clientHash } from '../../server/supervision/client-hash.ts';
import { sightingsOf } from '../../server/supervision/client-sightings.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import type { Json } from '../support/json.ts';
import {
  liveLot,
  lotBody,
  person,
  publishedLot,
  registerAndApprove,
  type Actor,
  type Registered,
} from '../auctions/factories.ts';
import { connect, request } from '../realtime/support.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
const PURPOSE = 'Giám sát trực tiếp phiên đấu giá biển số theo kế hoạch kiểm tra';
let t: TestPlatform;
let manager: Actor;
let regulator: Actor;
let scoped: Actor;
let admin: Actor;
let lot: Json;
let a: Registered;
let b: Registered;
let c: Registered;
let price = 40_000_000;

const CLIENT = {
  a: { ip: '203.0.113.5', device: 'deviceOfBidderA_000001' },
  b: { ip: '198.51.100.7', device: 'sharedDeviceAB_0000001' },
  aOnSharedDevice: { ip: '203.0.113.5', device: 'sharedDeviceAB_0000001' },
  c: { ip: '192.0.2.9', device: 'deviceOfBidderC_000001' },
};

const headersOf = (client: { ip: string; device: string }): Record<string, string> => ({
  'x-forwarded-for': client.ip,
  cookie: `auction_device=${client.device}`,
});

async function bid(who: Actor, client: { ip: string; device: string }): Promise<void> {
  const amount = price;
  price += 5_000_000;
  const res = await t.call('POST', `/api/lots/${lot.id}/bids`, {
    token: who.token,
    body: { amount },
    headers: headersOf(client),
  });
  expect(res.status, res.text).toBe(201);
}

const flush = (): Promise<number> => sightingsOf(t.platform.ctx).flush(t.platform.ctx.db, clock.now());
const sightingRows = () => t.database.db.select().from(clientSightings).where(eq(clientSightings.lotId, lot.id));
const view = (who: Actor, purpose: string | null = PURPOSE, lotId = lot.id) =>
  t.call('GET', `/api/supervision/lots/${lotId}${purpose === null ? '' : `?purpose=${encodeURIComponent(purpose)}`}`, {
    token: who.token,
  });
const updates = (who: Actor, lotId = lot.id) =>
  t.call('GET', `/api/supervision/lots/${lotId}/updates?afterSeq=0`, { token: who.token });
const decide = (who: Actor, key: string, body: Record<string, unknown>) =>
  t.call('POST', `/api/supervision/lots/${lot.id}/signals/${encodeURIComponent(key)}/decision`, {
    token: who.token,
    body,
  });
const auditOf = async (action: string) =>
  (
    await t.database.db.select().from(auditEvents).where(eq(auditEvents.lotId, lot.id)).orderBy(asc(auditEvents.id))
  ).filter((e) => e.action === action);

beforeAll(async () => {
  const adminPid = newPid();
  t = await startTestPlatform({ clock, env: { TRUST_PROXY: 'true', ADMIN_PIDS: adminPid } });
  admin = { pid: adminPid, token: await t.idp.token({ sub: adminPid, loa: 2 }) };
  manager = await person(t.idp, t.database.db, { roles: ['manager'] });
  regulator = await person(t.idp, t.database.db, { roles: ['regulator'] });
  scoped = await person(t.idp, t.database.db, { roles: ['regulator'] });
  await t.database.db.insert(regulatorScopes).values({ pid: personKey(scoped.pid), province: 'da-nang' });
  const bidders = await Promise.all(
    ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Văn Cường'].map((name) => person(t.idp, undefined, { name })),
  );
  const live = await liveLot({ call: t.call, clock }, manager, bidders);
  lot = live.lot;
  [a, b, c] = live.bidders;
});
afterAll(async () => t?.stop());

describe('client capture', () => {
  it('notes each bidder’s client once, as keyed hashes; repeated bids from the same client queue and write nothing', async () => {
    // C opens; then A and B take turns (A from their own device, B from the device A will share).
    await bid(c, CLIENT.c);
    await bid(a, CLIENT.a);
    await bid(b, CLIENT.b);
    await flush();
    const first = await sightingRows();
    expect(first).toHaveLength(6);
    const stored = JSON.stringify(first);
    for (const clear of [CLIENT.a.ip, CLIENT.b.ip, CLIENT.c.ip, CLIENT.a.device, CLIENT.b.device, a.pid, b.pid])
      expect(stored).not.toContain(clear);
    expect(first.find((r) => r.registrationId === a.registrationId && r.kind === 'address')?.clientHash).toBe(
      clientHash('address', lot.id, CLIENT.a.ip),
    );
    expect(first.find((r) => r.registrationId === b.registrationId && r.kind === 'device')?.personHash).toBe(
      personHash(b.pid),
    );

    const before = sightingsOf(t.platform.ctx).stats();
    for (let i = 0; i < 3; i++) {
      await bid(a, CLIENT.a);
      await bid(b, CLIENT.b);
    }
    // Nothing was queued for the six bids, so nothing is written.
    expect(sightingsOf(t.platform.ctx).stats()).toEqual({ ...before, pending: 0 });
    expect(await flush()).toBe(0);
    expect(await sightingRows()).toEqual(first);
  });

  it('notes a watch over the socket, and a bid from another device, against the bidder’s registration', async () => {
    const socket = await connect(t.base, {
      token: c.token,
      headers: { 'x-forwarded-for': '192.0.2.77', cookie: 'auction_device=deviceOfBidderC_000002' },
    });
    try {
      const ack = await request(socket, 'watch', { lotId: lot.id });
      expect(ack.ok).toBe(true);
    } finally {
      socket.close();
    }
    // A now bids from the device B used: the device is shared by two bidders.
    await bid(a, CLIENT.aOnSharedDevice);
    await flush();
    const rows = await sightingRows();
    expect(
      rows.some(
        (r) =>
          r.registrationId === c.registrationId &&
          r.kind === 'address' &&
          r.clientHash === clientHash('address', lot.id, '192.0.2.77'),
      ),
    ).toBe(true);
    expect(
      rows
        .filter((r) => r.kind === 'device' && r.clientHash === clientHash('device', lot.id, CLIENT.b.device))
        .map((r) => r.registrationId)
        .sort(),
    ).toEqual([a.registrationId, b.registrationId].sort());
  });
});

describe('the regulator’s live view', () => {
  it('refuses managers, bidders, anonymous callers and regulators outside their scope', async () => {
    for (const who of [manager, a]) {
      expect((await t.call('GET', '/api/supervision/lots', { token: who.token })).status).toBe(403);
      expect((await view(who)).status).toBe(403);
      expect((await updates(who)).status).toBe(403);
      expect(
        (await decide(who, 'closing_shed', { decision: 'dismissed', note: 'Không có gì bất thường ở đây' })).status,
      ).toBe(403);
    }
    expect((await t.call('GET', '/api/supervision/lots')).status).toBe(401);
    const outside = await view(scoped);
    expect(outside.status).toBe(403);
    expect(outside.json.error.reason).toBe('outside_scope');
    expect((await updates(scoped)).json.error.reason).toBe('outside_scope');
    expect((await t.call('GET', '/api/supervision/lots', { token: scoped.token })).json.items).toEqual([]);
    expect(await auditOf('supervision.lot_viewed')).toEqual([]);
  });

  it('requires a stated purpose (10–500 characters); nothing is shown or audited without one', async () => {
    expect((await view(regulator, null)).status).toBe(422);
    expect((await view(regulator, 'too short')).status).toBe(422);
    expect((await view(regulator, 'x'.repeat(501))).status).toBe(422);
    expect(await auditOf('supervision.lot_viewed')).toEqual([]);
  });

  it('shows who is behind every code, the ledger and the signals with evidence; the read is audited with its purpose and subjects', async () => {
    const res = await view(regulator);
    expect(res.status, res.text).toBe(200);
    const body = res.json;
    expect(body.purpose).toBe(PURPOSE);
    expect(body.registrations.map((r: Json) => [r.bidderCode, r.pid, r.name])).toEqual(
      [a, b, c].map((x, i) => [x.bidderCode, x.pid, ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Văn Cường'][i]]),
    );
    expect(body.ledger.total).toBe(10);
    expect(body.ledger.items.map((e: Json) => e.bidderCode)).toEqual([
      c.bidderCode,
      ...Array.from({ length: 9 }, (_, i) => (i % 2 ? b.bidderCode : a.bidderCode)),
    ]);
    const kinds = body.signals.map((s: Json) => s.kind);
    expect(kinds).toEqual(['shared_client', 'alternating_pair']);
    const [shared, alternating] = body.signals;
    expect(shared).toMatchObject({
      kind: 'shared_client',
      bidderCodes: [a.bidderCode, b.bidderCode].sort(),
      evidence: { clientKind: 'device', people: 2 },
      decision: null,
    });
    expect(shared.key).toBe(
      `shared_client:device:${clientHash('device', lot.id, CLIENT.b.device).slice(0, 8)}:${[a.bidderCode, b.bidderCode].sort().join(',')}`,
    );
    expect(alternating).toMatchObject({
      key: `alternating_pair:${[a.bidderCode, b.bidderCode].sort().join(',')}:2`,
      bidderCodes: [a.bidderCode, b.bidderCode].sort(),
      evidence: { count: 9, inWindow: 9, silentBidderCodes: [c.bidderCode] },
    });

    const [event] = await auditOf('supervision.lot_viewed');
    expect(event).toMatchObject({
      actorPid: personKey(regulator.pid),
      data: { purpose: PURPOSE, subjects: 3, registrations: 3 },
    });
    const indexed = await t.database.db.select().from(identityReads).where(eq(identityReads.auditId, event.id));
    expect(indexed.map((r) => r.subjectHash).sort()).toEqual([a, b, c].map((x) => personHash(x.pid)).sort());
    // The updates the page polls carry no identities and are no identity read.
    const polled = await updates(regulator);
    expect(polled.status).toBe(200);
    expect(polled.json.entries).toHaveLength(10);
    for (const x of [a, b, c]) expect(polled.text).not.toContain(x.pid);
    expect(await auditOf('supervision.lot_viewed')).toHaveLength(1);
  });

  it('lists the live lot with its open signals for regulators in scope and admins', async () => {
    for (const who of [regulator, admin]) {
      const list = await t.call('GET', '/api/supervision/lots', { token: who.token });
      expect(list.status).toBe(200);
      expect(list.json.items.find((l: Json) => l.id === lot.id)).toMatchObject({ signals: { open: 2, total: 2 } });
    }
  });
});

describe('decisions on signals', () => {
  it('dismissing then escalating is audited, the latest shown, and the lot is left as it was', async () => {
    const before = (await t.call('GET', `/api/lots/${lot.id}`)).json;
    const key = `alternating_pair:${[a.bidderCode, b.bidderCode].sort().join(',')}:2`;
    expect((await decide(regulator, key, { decision: 'dismissed', note: 'short' })).status).toBe(422);
    expect(
      (await decide(regulator, key, { decision: 'ignored', note: 'Hai người trả giá cạnh tranh bình thường' })).status,
    ).toBe(422);
    const unknown = await decide(regulator, 'alternating_pair:B-NONE,B-ZZZZ:1', {
      decision: 'dismissed',
      note: 'Hai người trả giá cạnh tranh bình thường',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.reason).toBe('signal_not_found');

    const dismissed = await decide(regulator, key, {
      decision: 'dismissed',
      note: 'Hai người trả giá cạnh tranh bình thường',
    });
    expect(dismissed.status, dismissed.text).toBe(200);
    expect(dismissed.json.decision).toMatchObject({ decision: 'dismissed', decidedBy: regulator.pid });
    const escalated = await decide(admin, key, { decision: 'escalated', note: 'Chuyển thanh tra xem xét thêm' });
    expect(escalated.status).toBe(200);

    const shown = (await updates(regulator)).json.signals.find((s: Json) => s.key === key);
    expect(shown.decision).toMatchObject({
      decision: 'escalated',
      note: 'Chuyển thanh tra xem xét thêm',
      decidedBy: admin.pid,
    });
    expect((await auditOf('supervision.signal_dismissed')).map((e) => e.data)).toEqual([
      {
        key,
        kind: 'alternating_pair',
        bidderCodes: [a.bidderCode, b.bidderCode].sort(),
        decision: 'dismissed',
        note: 'Hai người trả giá cạnh tranh bình thường',
        previous: null,
      },
    ]);
    expect((await auditOf('supervision.signal_escalated'))[0]).toMatchObject({
      actorPid: personKey(admin.pid),
      subject: key,
      data: { previous: 'dismissed' },
    });
    // Out of scope: refused, and nothing recorded.
    expect(
      (await decide(scoped, key, { decision: 'dismissed', note: 'Không thuộc phạm vi nhưng vẫn thử' })).status,
    ).toBe(403);
    expect(await auditOf('supervision.signal_dismissed')).toHaveLength(1);

    const after = (await t.call('GET', `/api/lots/${lot.id}`)).json;
    expect({ ...after, serverTime: undefined }).toEqual({ ...before, serverTime: undefined });
    const list = await t.call('GET', '/api/supervision/lots', { token: regulator.token });
    expect(list.json.items.find((l: Json) => l.id === lot.id).signals).toEqual({ open: 1, total: 2 });
  });
});

describe('signals from the organisation’s other lots and from shed bids', () => {
  const kindsOf = async (): Promise<Json[]> => (await updates(regulator)).json.signals;

  it('recurring_winners and repeated_withdrawals: three wins and two withdrawals signal; two wins and one withdrawal do not', async () => {
    const now = clock.now().getTime();
    const others: Json[] = [];
    for (let i = 0; i < 5; i++) others.push(await publishedLot(t.call, manager, lotBody(now)));
    // A is registered on the first three, B on the last two; each registration wins its lot.
    const regs: Registered[] = [];
    for (const [i, other] of others.entries())
      regs.push(...(await registerAndApprove(t.call, manager, other.id, [i < 3 ? a : b])));
    for (const [i, other] of others.entries())
      await t.database.db
        .update(lots)
        .set({
          status: 'closed',
          closedAt: new Date(now - (i + 1) * DAY),
          winnerRegistrationId: regs[i].registrationId,
          finalPrice: 60_000_000,
        })
        .where(eq(lots.id, other.id));
    // Withdrawals: B on both of its lots, A on one.
    for (const i of [0, 3, 4])
      await t.database.db.insert(ledgerEntries).values({
        lotId: others[i].id,
        seq: 1,
        kind: 'withdrawal',
        registrationId: regs[i].registrationId,
        bidderCode: regs[i].bidderCode,
        amount: 45_000_000,
        withdrawsSeq: 1,
        placedAt: new Date(now - (i + 1) * DAY),
        prevHash: 'constructed',
        hash: `constructed-${i}`,
      });
    const signals = await kindsOf();
    const winners = signals.filter((s) => s.kind === 'recurring_winners');
    expect(winners.map((s) => s.bidderCodes)).toEqual([[a.bidderCode]]);
    expect(winners[0].evidence.wins.map((w: Json) => w.lotId)).toEqual([others[2].id, others[1].id, others[0].id]);
    const withdrawals = signals.filter((s) => s.kind === 'repeated_withdrawals');
    expect(withdrawals.map((s) => s.bidderCodes)).toEqual([[b.bidderCode]]);
    expect(withdrawals[0].evidence.withdrawals.map((w: Json) => w.lotId)).toEqual([others[4].id, others[3].id]);
  });

  it('closing_shed: bids shed early in the bidding do not signal; bids shed in the last five minutes do', async () => {
    const startsAt = Date.parse(lot.startsAt);
    const endsAt = Date.parse(lot.endsAt);
    const minute = (ms: number): Date => new Date(Math.floor(ms / MIN) * MIN);
    await t.database.db
      .insert(shedBids)
      .values({ lotId: lot.id, minute: minute(startsAt + MIN), reason: 'overloaded', count: 50 });
    expect((await kindsOf()).some((s) => s.kind === 'closing_shed')).toBe(false);
    await t.database.db
      .insert(shedBids)
      .values({ lotId: lot.id, minute: minute(endsAt - 2 * MIN), reason: 'queue_full', count: 7 });
    const shed = (await kindsOf()).find((s) => s.kind === 'closing_shed');
    expect(shed?.evidence).toMatchObject({ total: 7, minutes: [{ reason: 'queue_full', count: 7 }] });
    const rows = await t.database.db
      .select()
      .from(shedBids)
      .where(and(eq(shedBids.lotId, lot.id), inArray(shedBids.reason, ['queue_full'])));
    expect(rows).toHaveLength(1);
  });
});
