// Keeps the demo alive while the platform runs: robots bid on live demo lots; deposits of people who
// register for a demo lot are confirmed after a short pause (standing in for the bank transfer);
// when lots end, new ones are scheduled so there are always lots live and lots open for registration.
import { and, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import { lots, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { BidService } from '../bidding/types.ts';
import { approve } from '../auctions/registration-service.ts';
import { OPEN_STATUSES } from '../auctions/rules/index.ts';
import { DEMO_ASSETS, DEMO_TITLES, METHOD_ASSETS } from './catalogue.ts';
import { createDemoLot, registerAndApprove } from './lots.ts';
import { liveDemoLots, maybeBid, type Random, type SealedSubmit } from './robots.ts';
import type { DemoCast } from './people.ts';

const MIN = 60_000;
/** How long a newcomer's demo deposit takes to be "received". */
export const DEMO_APPROVAL_DELAY_MS = 10_000;
const TARGET_LIVE = 3;
const TARGET_OPEN_REGISTRATION = 2;

export interface KeeperOptions {
  tickMs: number;
  /** Chance per tick that robots bid on a given lot (higher in the last minute). */
  bidChance: number;
  random: Random;
  /** How robots submit sealed bids (without it they leave sealed lots to people). */
  sealed?: SealedSubmit;
}

export async function keeperTick(ctx: AppContext, bids: BidService, cast: DemoCast, o: KeeperOptions): Promise<void> {
  const now = ctx.clock.now();
  for (const entry of await liveDemoLots(ctx, cast, now))
    await maybeBid(ctx, bids, cast, entry, now, o.random, o.bidChance, o.sealed);
  await approveWaiting(ctx, cast, now);
  await topUp(ctx, cast, now, o.random);
}

/** Confirms deposits of registrations on demo lots that have waited long enough. */
async function approveWaiting(ctx: AppContext, cast: DemoCast, now: Date): Promise<void> {
  const waiting = await ctx.db
    .select({ id: registrations.id, lotId: registrations.lotId })
    .from(registrations)
    .innerJoin(lots, eq(lots.id, registrations.lotId))
    .where(
      and(
        eq(lots.managerPid, cast.manager.pid),
        eq(registrations.status, 'pending_deposit'),
        inArray(lots.title, DEMO_TITLES),
        lte(registrations.createdAt, new Date(now.getTime() - DEMO_APPROVAL_DELAY_MS)),
        inArray(lots.status, OPEN_STATUSES),
      ),
    )
    .limit(50);
  for (const r of waiting) await approve(ctx, cast.manager, r.lotId, r.id);
}

/** Schedules new demo lots when too few are live or open for registration. */
async function topUp(ctx: AppContext, cast: DemoCast, now: Date, random: Random): Promise<void> {
  const open = await ctx.db
    .select({
      title: lots.title,
      startsAt: lots.startsAt,
      registrationOpensAt: lots.registrationOpensAt,
      registrationClosesAt: lots.registrationClosesAt,
    })
    .from(lots)
    .where(
      and(
        eq(lots.managerPid, cast.manager.pid),
        inArray(lots.status, OPEN_STATUSES),
        inArray(lots.title, DEMO_TITLES),
        gt(lots.endsAt, new Date(now.getTime() + 2 * MIN)),
      ),
    );
  const t = now.getTime();
  // Lots live now or going live within three minutes count as live.
  const live = open.filter((l) => l.startsAt.getTime() <= t + 3 * MIN).length;
  const registering = open.filter(
    (l) => l.registrationOpensAt.getTime() <= t && l.registrationClosesAt.getTime() > t + 3 * MIN,
  ).length;
  const busy = new Set(open.map((l) => l.title));
  const pick = (): (typeof DEMO_ASSETS)[number] | undefined => {
    const free = DEMO_ASSETS.filter((a) => !busy.has(a.title));
    const asset = free[Math.floor(random() * free.length)];
    if (asset) busy.add(asset.title);
    return asset;
  };
  // One lot of each other method (rounds, descending, sealed) is kept live, one new lot per tick.
  const missing = METHOD_ASSETS.find((a) => !busy.has(a.title));
  if (missing) {
    const startsAt = t + 60_000;
    const id = await createDemoLot(ctx, cast.manager, missing, {
      registrationOpensAt: new Date(t - 1000),
      registrationClosesAt: new Date(startsAt),
      startsAt: new Date(startsAt),
      endsAt: new Date(startsAt + 25 * MIN),
    });
    if (id !== undefined)
      await registerAndApprove(ctx, cast.manager, id, [
        ...cast.robots.filter(() => random() < 0.7).slice(0, 4),
        ...cast.citizens,
      ]);
    ctx.log.info({ lotId: id, title: missing.title, method: missing.terms?.method }, 'demo: scheduled a method lot');
    return;
  }
  if (live < TARGET_LIVE) {
    const asset = pick();
    if (!asset) return;
    // Goes live shortly (at once when nothing is live, e.g. after a restart on old data); everyone who
    // may bid is registered and approved right away.
    const startsAt = t + (live === 0 ? 20_000 : 90_000);
    const id = await createDemoLot(ctx, cast.manager, asset, {
      registrationOpensAt: new Date(t - 1000),
      registrationClosesAt: new Date(startsAt),
      startsAt: new Date(startsAt),
      endsAt: new Date(startsAt + (20 + Math.floor(random() * 15)) * MIN),
    });
    if (id !== undefined)
      await registerAndApprove(ctx, cast.manager, id, [
        ...cast.robots.filter(() => random() < 0.7).slice(0, 4),
        ...cast.citizens,
      ]);
    ctx.log.info({ lotId: id, title: asset.title }, 'demo: scheduled a lot going live shortly');
  } else if (registering < TARGET_OPEN_REGISTRATION) {
    const asset = pick();
    if (!asset) return;
    const startsAt = t + (15 + Math.floor(random() * 15)) * MIN;
    const id = await createDemoLot(ctx, cast.manager, asset, {
      registrationOpensAt: new Date(t - 1000),
      registrationClosesAt: new Date(startsAt),
      startsAt: new Date(startsAt),
      endsAt: new Date(startsAt + 25 * MIN),
    });
    if (id !== undefined) await registerAndApprove(ctx, cast.manager, id, cast.robots.slice(0, 3));
    ctx.log.info({ lotId: id, title: asset.title }, 'demo: scheduled a lot open for registration');
  }
}

/** True when the demo organiser has never had a lot (a fresh data directory). */
export async function isFresh(ctx: AppContext, cast: DemoCast): Promise<boolean> {
  const [row] = await ctx.db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(lots)
    .where(eq(lots.managerPid, cast.manager.pid));
  return (row?.n ?? 0) === 0;
}
