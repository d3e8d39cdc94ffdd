import type { Json } from '../support/json.ts';
import { personKey } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents, lots } from '../../db/schema.ts';
import { createLot, lotBody, person, publishedLot, type Actor } from './factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
let otherManager: Actor;
let citizen: Actor;
const MIN = 60_000;

beforeAll(async () => {
  tp = await startTestPlatform({ clock, env: { AUCTION_MIN_BIDDING_MINUTES: '15' } });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  otherManager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  citizen = await person(tp.idp, undefined);
});
afterAll(async () => tp?.stop());

const count = async (): Promise<number> => (await tp.database.db.select().from(lots)).length;

describe('creating a lot', () => {
  it('creates a draft with the contract fields, the published rules and an audit event', async () => {
    const lot = await createLot(
      tp.call,
      manager,
      lotBody(clock.now(), { softClose: { windowSeconds: 60, extendSeconds: 120 } }),
    );
    expect(lot).toMatchObject({
      status: 'draft',
      startingPrice: 40_000_000,
      priceStep: 5_000_000,
      deposit: 4_000_000,
      currentPrice: null,
      highestBidderCode: null,
      bidCount: 0,
      seq: 0,
      rulesVersion: 1,
      softClose: { windowSeconds: 60, extendSeconds: 120 },
    });
    expect(lot.rules).toContain('ascending');
    expect(lot.serverTime).toBe(clock.now().toISOString());
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lot.id))
      .orderBy(asc(auditEvents.id));
    expect(audit.map((a) => [a.action, a.actorPid])).toEqual([['lot.created', personKey(manager.pid)]]);
  });

  it('refuses people without the manager role', async () => {
    const before = await count();
    const res = await tp.call('POST', '/api/lots', { token: citizen.token, body: lotBody(clock.now()) });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('FORBIDDEN');
    expect((await tp.call('POST', '/api/lots', { body: lotBody(clock.now()) })).json.error.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(await count()).toBe(before);
  });

  it('answers one message per offending field against the policy', async () => {
    const before = await count();
    const t = clock.now().getTime();
    const res = await tp.call('POST', '/api/lots', {
      token: manager.token,
      body: lotBody(t, {
        deposit: 100,
        registrationClosesAt: new Date(t + 20 * MIN).toISOString(),
        endsAt: new Date(t + 15 * MIN).toISOString(),
      }),
    });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.json.error.fields).sort()).toEqual(['deposit', 'endsAt', 'registrationClosesAt']);
    expect(res.json.error.fields.deposit).toMatch(/5–20%/);
    // Each field also carries a code with the numbers its text names, for clients to word it themselves.
    expect(res.json.error.reason).toBe('invalid_fields');
    expect(res.json.error.fieldErrors).toEqual({
      deposit: { code: 'DEPOSIT_OUT_OF_RANGE', minPct: 5, maxPct: 20, min: 2_000_000, max: 8_000_000 },
      registrationClosesAt: { code: 'CLOSES_AFTER_BIDDING_STARTS' },
      endsAt: { code: 'BIDDING_WINDOW_TOO_SHORT', minMinutes: 15 },
    });
    expect(await count()).toBe(before);
  });

  it('refuses a bidding window shorter than AUCTION_MIN_BIDDING_MINUTES', async () => {
    const t = clock.now().getTime();
    const res = await tp.call('POST', '/api/lots', {
      token: manager.token,
      body: lotBody(t, { endsAt: new Date(t + 24 * MIN).toISOString() }),
    });
    expect(res.status).toBe(422);
    expect(res.json.error.fields.endsAt).toMatch(/at least 15 minutes/);
  });

  it('refuses negative, fractional, unsafe or string money and a zero step', async () => {
    const before = await count();
    for (const [field, value] of [
      ['startingPrice', -1],
      ['startingPrice', 10.5],
      ['deposit', '4000000'],
      ['startingPrice', 2 ** 60],
      ['priceStep', 0],
    ] as const) {
      const res = await tp.call('POST', '/api/lots', {
        token: manager.token,
        body: lotBody(clock.now(), { [field]: value }),
      });
      expect(res.status, `${field}=${value}`).toBe(422);
      expect(res.json.error.fields[field]).toBeDefined();
    }
    expect(await count()).toBe(before);
  });

  it('refuses unbounded soft-close parameters, unknown fields and malformed JSON', async () => {
    const res = await tp.call('POST', '/api/lots', {
      token: manager.token,
      body: lotBody(clock.now(), { softClose: { windowSeconds: 0, extendSeconds: 99999 } }),
    });
    expect(res.status).toBe(422);
    expect(Object.keys(res.json.error.fields).sort()).toEqual(['softClose.extendSeconds', 'softClose.windowSeconds']);
    expect(res.json.error.fieldErrors).toEqual({
      'softClose.windowSeconds': { code: 'TOO_SMALL', min: 1, inclusive: true },
      'softClose.extendSeconds': { code: 'TOO_LARGE', max: 3600, inclusive: true },
    });
    expect(
      (await tp.call('POST', '/api/lots', { token: manager.token, body: lotBody(clock.now(), { status: 'live' }) }))
        .status,
    ).toBe(422);
    const nul = await tp.call('POST', '/api/lots', {
      token: manager.token,
      body: lotBody(clock.now(), { title: 'a\u0000b' }),
    });
    expect(nul.status).toBe(422);
    expect(nul.json.error.fields.title).toMatch(/NUL/);
    expect((await tp.call('GET', '/api/lots?q=a%00b')).status).toBe(422);
    const bad = await tp.call('POST', '/api/lots', { token: manager.token, raw: '{"title":' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('MALFORMED_REQUEST');
  });
});

describe('the rules in each language', () => {
  it('writes the platform’s rules in English and Vietnamese, with the lot’s own figures in each', async () => {
    const lot = await createLot(tp.call, manager, lotBody(clock.now()));
    expect(lot).toMatchObject({ rulesGenerated: true, rulesLanguage: 'en', rulesVersion: 1 });
    expect(lot.rules).toContain('starting price (40,000,000 VND)');
    expect(lot.rulesTranslations.vi).toContain('Đấu giá trực tuyến theo phương thức trả giá lên');
    expect(lot.rulesTranslations.vi).toContain('giá khởi điểm (40.000.000 đồng)');
    expect(lot.rulesTranslations.vi).toContain('tiền đặt trước (4.000.000 đồng)');
    // The same number of rules in both, one a line.
    expect(lot.rulesTranslations.vi.split('\n')).toHaveLength(lot.rules.split('\n').length);
  });

  it('writes them again, in both languages and as a new version, when the terms change before registration opens', async () => {
    const lot = await createLot(tp.call, manager, lotBody(clock.now()));
    const res = await tp.call('PATCH', `/api/lots/${lot.id}`, {
      token: manager.token,
      body: { startingPrice: 60_000_000, deposit: 6_000_000 },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ rulesGenerated: true, rulesVersion: 2 });
    expect(res.json.rules).toContain('60,000,000 VND');
    expect(res.json.rulesTranslations.vi).toContain('60.000.000 đồng');
    const renamed = await tp.call('PATCH', `/api/lots/${lot.id}`, {
      token: manager.token,
      body: { title: 'Only the name' },
    });
    expect(renamed.json.rulesVersion, 'the same rules are not a new version').toBe(2);
  });

  it('publishes a manager’s own text in the language it is written in, said or recognised', async () => {
    const vietnamese = await createLot(
      tp.call,
      manager,
      lotBody(clock.now(), { rules: 'Quy chế riêng của tổ chức đấu giá: người trả giá phải có mặt.' }),
    );
    expect(vietnamese).toMatchObject({ rulesGenerated: false, rulesLanguage: 'vi', rulesTranslations: {} });
    const english = await createLot(
      tp.call,
      manager,
      lotBody(clock.now(), { rules: 'Our own rules: bidders must attend.' }),
    );
    expect(english).toMatchObject({ rulesGenerated: false, rulesLanguage: 'en', rulesTranslations: {} });
    const said = await tp.call('PATCH', `/api/lots/${english.id}`, {
      token: manager.token,
      body: { rules: 'Quy che khong dau.', rulesLanguage: 'vi' },
    });
    expect(said.json).toMatchObject({ rules: 'Quy che khong dau.', rulesLanguage: 'vi', rulesVersion: 2 });
    const bad = await tp.call('PATCH', `/api/lots/${english.id}`, {
      token: manager.token,
      body: { rules: 'x', rulesLanguage: 'fr' },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fieldErrors.rulesLanguage).toEqual({ code: 'NOT_ONE_OF', options: ['vi', 'en'] });
  });
});

describe('editing, publishing and cancelling', () => {
  it('lets the manager edit a draft, bumping the rules version when the rules change', async () => {
    const lot = await createLot(tp.call, manager, lotBody(clock.now()));
    const res = await tp.call('PATCH', `/api/lots/${lot.id}`, {
      token: manager.token,
      body: { title: 'Renamed', rules: 'New rules.' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ title: 'Renamed', rules: 'New rules.', rulesVersion: 2 });
    const invalid = await tp.call('PATCH', `/api/lots/${lot.id}`, { token: manager.token, body: { deposit: 1 } });
    expect(invalid.status).toBe(422);
    expect(invalid.json.error.fields.deposit).toBeDefined();
  });

  it('refuses edits by another manager and after registration opened', async () => {
    const lot = await publishedLot(tp.call, manager, lotBody(clock.now()));
    const other = await tp.call('PATCH', `/api/lots/${lot.id}`, {
      token: otherManager.token,
      body: { title: 'Mine now' },
    });
    expect(other.json.error.code).toBe('FORBIDDEN');
    const late = await tp.call('PATCH', `/api/lots/${lot.id}`, { token: manager.token, body: { title: 'Too late' } });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe('INVALID_STATE');
    expect((await tp.call('GET', `/api/lots/${lot.id}`)).json.title).toBe('Licence plate 51K-888.88');
  });

  it('keeps drafts out of public reads and shows them to their manager', async () => {
    const lot = await createLot(tp.call, manager, lotBody(clock.now(), { title: 'Secret draft' }));
    expect((await tp.call('GET', `/api/lots/${lot.id}`)).status).toBe(404);
    expect((await tp.call('GET', `/api/lots/${lot.id}`, { token: manager.token })).status).toBe(200);
    const list = await tp.call('GET', '/api/lots?limit=100');
    expect(list.json.items.map((l: Json) => l.id)).not.toContain(lot.id);
    const mine = await tp.call('GET', '/api/lots?mine=true&status=draft', { token: manager.token });
    expect(mine.json.items.map((l: Json) => l.id)).toContain(lot.id);
  });

  it('publishes a draft once, as scheduled, with an audit event', async () => {
    const lot = await createLot(tp.call, manager, lotBody(clock.now()));
    const res = await tp.call('POST', `/api/lots/${lot.id}/publish`, { token: manager.token });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('scheduled');
    expect(res.json.registrationOpen).toBe(true);
    expect((await tp.call('POST', `/api/lots/${lot.id}/publish`, { token: manager.token })).json.error.code).toBe(
      'INVALID_STATE',
    );
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lot.id))
      .orderBy(asc(auditEvents.id));
    expect(audit.map((a) => a.action)).toEqual(['lot.created', 'lot.published']);
  });

  it('cancels with a reason, once, and shows the reason in the result', async () => {
    const lot = await publishedLot(tp.call, manager, lotBody(clock.now()));
    expect((await tp.call('POST', `/api/lots/${lot.id}/cancel`, { token: manager.token, body: {} })).status).toBe(422);
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/cancel`, { token: otherManager.token, body: { reason: 'x' } })).json
        .error.code,
    ).toBe('FORBIDDEN');
    const res = await tp.call('POST', `/api/lots/${lot.id}/cancel`, {
      token: manager.token,
      body: { reason: 'Court order 12/2026' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'cancelled', cancelReason: 'Court order 12/2026' });
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/cancel`, { token: manager.token, body: { reason: 'again' } })).json
        .error.code,
    ).toBe('INVALID_STATE');
    const result = await tp.call('GET', `/api/lots/${lot.id}/result`);
    expect(result.json).toMatchObject({
      status: 'cancelled',
      winnerBidderCode: null,
      finalPrice: null,
      cancelReason: 'Court order 12/2026',
    });
    const audit = await tp.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lot.id))
      .orderBy(asc(auditEvents.id));
    expect(audit.find((a) => a.action === 'lot.cancelled')).toMatchObject({
      actorPid: personKey(manager.pid),
      data: { reason: 'Court order 12/2026' },
    });
  });
});

describe('the catalogue', () => {
  it('filters by status by the clock, searches, filters by category and pages', async () => {
    const t = clock.now().getTime();
    const started = await publishedLot(
      tp.call,
      manager,
      lotBody(t, {
        title: 'Land plot Thu Duc',
        category: 'land',
        registrationClosesAt: new Date(t + MIN).toISOString(),
        startsAt: new Date(t + MIN).toISOString(),
      }),
    );
    clock.advance(2 * MIN);
    try {
      const live = await tp.call('GET', '/api/lots?status=live');
      expect(live.json.items.map((l: Json) => l.id)).toContain(started.id);
      expect(live.json.items.every((l: Json) => l.status === 'live')).toBe(true);
      const scheduled = await tp.call('GET', '/api/lots?status=scheduled');
      expect(scheduled.json.items.map((l: Json) => l.id)).not.toContain(started.id);
      const found = await tp.call('GET', `/api/lots?q=${encodeURIComponent('thu duc')}&category=land`);
      expect(found.json.items.map((l: Json) => l.id)).toEqual([started.id]);
      expect((await tp.call('GET', '/api/lots?q=%25')).json.items).toEqual([]);
      const page1 = await tp.call('GET', '/api/lots?limit=2');
      expect(page1.json.items).toHaveLength(2);
      expect(page1.json.nextOffset).toBe(2);
      const page2 = await tp.call('GET', '/api/lots?limit=2&offset=2');
      expect(page2.json.items[0].id).not.toBe(page1.json.items[0].id);
      expect((await tp.call('GET', '/api/lots?status=open')).status).toBe(422);
    } finally {
      clock.advance(-2 * MIN);
    }
  });

  it('answers unknown and malformed lot ids clearly', async () => {
    expect((await tp.call('GET', '/api/lots/999999')).json.error.code).toBe('NOT_FOUND');
    expect((await tp.call('GET', '/api/lots/abc')).status).toBe(422);
    expect((await tp.call('GET', '/api/lots/99999999999')).status).toBe(422);
    expect((await tp.call('GET', '/api/lots/999999/result')).status).toBe(404);
  });

  it('never shows personal ids in public lot reads', async () => {
    const list = await tp.call('GET', '/api/lots?limit=100');
    expect(list.text).not.toContain(manager.pid);
    expect(list.text).not.toContain(personKey(manager.pid));
    expect(list.text).not.toMatch(/managerPid/);
  });
});
