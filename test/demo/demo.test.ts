// Demo data through the real services on a real database: a fresh catalogue has live lots with a
// bid history, lots open for registration and finished lots, each with a drawn picture; every demo
// citizen can bid on the live lots at once; the keeper confirms newcomers' deposits and schedules new
// lots as old ones end; nothing of it happens in production.
import { PAYMENT_ACCOUNT } from '../support/production-env.ts';
import { GENEROUS_BOUNDS } from '../support/bounds.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { loadConfig } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { createLogger } from '../../server/shared/log.ts';
import { DomainEvents } from '../../server/shared/events.ts';
import { BidEngine } from '../../server/bidding/bid-engine.ts';
import { closeLot, dueLots, flipLive } from '../../server/auctions/closing.ts';
import { publicLots } from '../../server/auctions/public-lot.ts';
import { register } from '../../server/auctions/registration-service.ts';
import { firstBrokenLink, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import { createDemo } from '../../server/demo/index.ts';
import { keeperTick, DEMO_APPROVAL_DELAY_MS } from '../../server/demo/keeper.ts';
import { loadCast, type DemoCast } from '../../server/demo/people.ts';
import { sealPerson } from '../../server/privacy/personal-data.ts';
import { DEMO_PERSONAS } from '../../server/identity/demo/personas.ts';
import {
  ledgerEntries,
  lotImages,
  lots,
  organisationManagers,
  people,
  registrations,
  roleGrants,
} from '../../db/schema.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';

let database: TestDatabase;
let ctx: AppContext;
let cast: DemoCast;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
const MIN = 60_000;

function context(env: Record<string, string>): AppContext {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DATA: 'true', ...GENEROUS_BOUNDS, ...env });
  return {
    config,
    database,
    db: database.db,
    clock,
    log: createLogger({ level: 'silent' }),
    events: new DomainEvents(),
  };
}

async function allLots(): Promise<Awaited<ReturnType<typeof publicLots>>> {
  return publicLots(database.db, await database.db.select().from(lots), clock.now());
}

beforeAll(async () => {
  database = await openTestDatabase();
  ctx = context({});
  // The demo e-ID provider grants the manager persona its role at start; here it is granted directly.
  const manager = DEMO_PERSONAS.find((p) => p.roles.includes('manager'))!;
  // Every pid column holds the person key; the row seals the persona's number and name.
  const sealed = sealPerson({ pid: manager.pid, name: manager.name });
  await database.db.insert(people).values({ ...sealed, level: 2 });
  await database.db.insert(roleGrants).values({ pid: sealed.pid, role: 'manager' });
  await database.db.insert(organisationManagers).values({ organisationId: DEFAULT_ORGANISATION_ID, pid: sealed.pid });
  await createDemo(ctx, new BidEngine(ctx));
  cast = (await loadCast(ctx))!;
}, 60_000);
afterAll(async () => database?.close());

describe('demo data', () => {
  it('seeds live lots with a bid history, lots open for registration, and finished lots', async () => {
    const all = await allLots();
    const live = all.filter((l) => l.status === 'live');
    expect(live.length).toBeGreaterThanOrEqual(3);
    const ascending = live.filter((l) => l.method === 'ascending');
    expect(ascending.every((l) => l.bidCount > 0 && l.currentPrice !== null)).toBe(true);
    // One live lot of each other method: extension rounds, a falling price, sealed bids (no amount shown).
    expect(ascending.some((l) => l.rounds !== null)).toBe(true);
    const descending = live.find((l) => l.method === 'descending');
    expect(descending!.currentPrice).toBeLessThan(descending!.startingPrice);
    expect(descending?.nextPriceAt).not.toBeNull();
    expect(live.find((l) => l.method === 'sealed')).toMatchObject({ currentPrice: null, bidCount: 0 });
    expect(all.filter((l) => l.registrationOpen).length).toBeGreaterThanOrEqual(2);
    const finished = all.filter((l) => l.status === 'closed');
    expect(finished.length).toBe(3);
    expect(finished.every((l) => l.finalPrice !== null && l.winnerBidderCode !== null)).toBe(true);
    // The award walk-through: An won the 88A plate with Cúc's bid next; An's signature awaits.
    const plate = finished.find((l) => l.title === 'Biển số 88A-888.88')!;
    expect(plate).toMatchObject({
      finalPrice: 50_000_000,
      award: { state: 'awaiting_confirmation', price: 50_000_000 },
    });
    expect(Date.parse(plate.award!.deadline!)).toBeGreaterThan(clock.now().getTime());
    expect(all.map((l) => l.category).sort()).toEqual(
      expect.arrayContaining(['licence-plate', 'land-use', 'vehicle', 'equipment']),
    );
    expect(all.some((l) => /^Biển số \d\d[A-Z]-\d{3}\.\d\d$/.test(l.title))).toBe(true);
  });

  it('gives every lot a picture drawn by the platform', async () => {
    const images = await database.db.select({ lotId: lotImages.lotId, type: lotImages.contentType }).from(lotImages);
    const all = await allLots();
    expect(new Set(images.map((i) => i.lotId))).toEqual(new Set(all.map((l) => l.id)));
    expect(images.every((i) => i.type === 'image/svg+xml')).toBe(true);
  });

  it('keeps every ledger an intact hash chain with strictly rising amounts', async () => {
    for (const lot of await allLots()) {
      const entries = await database.db
        .select()
        .from(ledgerEntries)
        .where(eq(ledgerEntries.lotId, lot.id))
        .orderBy(ledgerEntries.seq);
      expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      for (let i = 1; i < entries.length; i++) expect(entries[i].amount).toBeGreaterThan(entries[i - 1].amount);
      expect(
        firstBrokenLink(entries, (prev, e) => ledgerEntryHash(prev, { ...e, placedAt: e.placedAt.toISOString() })),
      ).toBe(-1);
    }
  });

  it('registers and approves every demo citizen on the live lots, so a newcomer can bid at once', async () => {
    const live = (await allLots()).filter((l) => l.status === 'live');
    for (const lot of live) {
      const regs = await database.db
        .select()
        .from(registrations)
        .where(
          and(
            eq(registrations.lotId, lot.id),
            inArray(
              registrations.pid,
              cast.citizens.map((c) => c.pid),
            ),
          ),
        );
      expect(regs.map((r) => r.status)).toEqual(cast.citizens.map(() => 'approved'));
    }
    const engine = new BidEngine(ctx);
    // A newcomer bids in the open: the first live lot with the ascending method (sealed lots take sealed bids).
    const lot = live.find((l) => l.method === 'ascending')!;
    const result = await engine.place({
      lotId: lot.id,
      person: cast.citizens[0],
      amount: lot.currentPrice! + lot.priceStep,
      idempotencyKey: 'newcomer-1',
    });
    expect(result).toMatchObject({ ok: true });
    await engine.drain();
  });

  it('confirms a newcomer’s deposit on a demo lot after a short wait', async () => {
    const open = (await allLots()).find((l) => l.registrationOpen)!;
    const reg = await register(ctx, cast.citizens[1], open.id, {});
    expect(reg.ok && reg.value.status).toBe('pending_deposit');
    const engine = new BidEngine(ctx);
    const tick = (): Promise<void> => keeperTick(ctx, engine, cast, { tickMs: 1000, bidChance: 0, random: () => 0.5 });
    await tick();
    expect(
      (
        await database.db
          .select()
          .from(registrations)
          .where(eq(registrations.id, reg.ok ? reg.value.id : 0))
      )[0].status,
    ).toBe('pending_deposit');
    clock.advance(DEMO_APPROVAL_DELAY_MS + 1000);
    await tick();
    expect(
      (
        await database.db
          .select()
          .from(registrations)
          .where(eq(registrations.id, reg.ok ? reg.value.id : 0))
      )[0].status,
    ).toBe('approved');
  });

  it('schedules new lots as the live ones end, and robots keep bidding on them', async () => {
    const engine = new BidEngine(ctx);
    const before = new Set((await allLots()).map((l) => l.id));
    // Three hours later every seeded lot has ended and closed.
    clock.advance(3 * 60 * MIN);
    for (const id of await dueLots(ctx)) await closeLot(ctx, id);
    let n = 0;
    const random = (): number => (n = (n * 9301 + 49297) % 233280) / 233280;
    for (let i = 0; i < 6; i++) await keeperTick(ctx, engine, cast, { tickMs: 1000, bidChance: 0, random });
    const fresh = (await allLots()).filter((l) => !before.has(l.id));
    expect(fresh.filter((l) => l.status === 'scheduled').length).toBeGreaterThanOrEqual(3);
    // Once they start, robots bid.
    clock.advance(2 * MIN);
    await flipLive(ctx);
    for (let i = 0; i < 5; i++) await keeperTick(ctx, engine, cast, { tickMs: 1000, bidChance: 1, random });
    await engine.drain();
    const started = (await allLots()).filter((l) => !before.has(l.id) && l.status === 'live');
    expect(started.length).toBeGreaterThanOrEqual(3);
    expect(started.some((l) => l.bidCount > 0)).toBe(true);
  });

  it('never loads in production', async () => {
    const prodDb = await openTestDatabase();
    try {
      const keys = {
        RECORD_SIGNING_KEY_FILE: '/etc/auction/record-signing-key.jwk',
        PERSON_HASH_KEY_FILE: '/etc/auction/person-hash.key',
        PERSONAL_DATA_KEY_FILE: '/etc/auction/personal-data.key',
        SEALED_BID_KEY_FILE: '/etc/auction/sealed-bid.key',
        ...PAYMENT_ACCOUNT,
      };
      const config = loadConfig({
        NODE_ENV: 'production',
        EID_ISSUER: 'https://eid.example.vn',
        EID_AUDIENCE: 'a',
        PUBLIC_ORIGIN: 'https://auction.example.vn',
        LOG_LEVEL: 'silent',
        ...keys,
      });
      expect(config.demoData).toBe(false);
      expect(() =>
        loadConfig({
          NODE_ENV: 'production',
          EID_ISSUER: 'https://eid.example.vn',
          EID_AUDIENCE: 'a',
          PUBLIC_ORIGIN: 'https://auction.example.vn',
          DEMO_DATA: 'true',
          ...keys,
        }),
      ).toThrow(/DEMO_DATA/);
      const prod: AppContext = {
        config: { ...config, demoData: true },
        database: prodDb,
        db: prodDb.db,
        clock,
        log: createLogger({ level: 'silent' }),
        events: new DomainEvents(),
      };
      await createDemo(prod, new BidEngine(prod));
      expect(await prodDb.db.select().from(lots)).toEqual([]);
    } finally {
      await prodDb.close();
    }
  });
});
