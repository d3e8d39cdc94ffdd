// Robot bidders: demo citizens who bid on the demo's live lots, now and then, more often near the end,
// up to a ceiling per lot so that people can still win. They bid through the real bid engine.
import { and, eq, inArray } from 'drizzle-orm';
import { lots, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { BidService } from '../bidding/types.ts';
import { askedPriceAt, descendingOf, lastStep, OPEN_STATUSES, type LotRow } from '../auctions/rules/index.ts';
import type { DemoCast } from './people.ts';
import type { Person } from '../identity/person.ts';
import { DEMO_TITLES } from './catalogue.ts';

export type Random = () => number;

/** Submits a sealed bid as a person (the sealed module's service, with the platform's receipt key). */
export type SealedSubmit = (ctx: AppContext, person: Person, lotId: number, amount: number) => Promise<{ ok: boolean }>;

/** The highest amount robots go to on a lot: 8–30 steps above the start, stable per lot. */
export function ceilingOf(lot: { id: number; startingPrice: number; priceStep: number }): number {
  return lot.startingPrice + lot.priceStep * (8 + ((lot.id * 7919) % 23));
}

export type OpenLot = LotRow;

/** Live demo lots and the approved robot registrations on each. */
export async function liveDemoLots(
  ctx: AppContext,
  cast: DemoCast,
  now: Date,
): Promise<{ lot: OpenLot; robots: { id: number; pid: string }[] }[]> {
  const rows = await ctx.db
    .select()
    .from(lots)
    .where(
      and(eq(lots.managerPid, cast.manager.pid), inArray(lots.status, OPEN_STATUSES), inArray(lots.title, DEMO_TITLES)),
    );
  const open = rows.filter((r) => r.startsAt <= now && r.endsAt > now);
  if (!open.length) return [];
  const regs = await ctx.db
    .select({ id: registrations.id, pid: registrations.pid, lotId: registrations.lotId })
    .from(registrations)
    .where(
      and(
        inArray(
          registrations.lotId,
          open.map((r) => r.id),
        ),
        eq(registrations.status, 'approved'),
        inArray(
          registrations.pid,
          cast.robots.map((r) => r.pid),
        ),
      ),
    );
  return open.map((lot) => ({ lot, robots: regs.filter((r) => r.lotId === lot.id) }));
}

/**
 * One robot decision for one lot at `now`: maybe place one bid. The chance per call rises in the last
 * minute (a closing-seconds flurry); the robot that leads never bids against itself.
 */
export async function maybeBid(
  ctx: AppContext,
  bids: BidService,
  cast: DemoCast,
  entry: { lot: OpenLot; robots: { id: number; pid: string }[] },
  now: Date,
  random: Random,
  chance: number,
  sealed?: SealedSubmit,
): Promise<boolean> {
  const { lot } = entry;
  const remaining = lot.endsAt.getTime() - now.getTime();
  const p = remaining < 60_000 ? chance * 4 : chance;
  if (random() >= p) return false;
  const candidates = entry.robots.filter((r) => r.id !== lot.leaderRegistrationId);
  if (!candidates.length) return false;
  const robot = candidates[Math.floor(random() * candidates.length)];
  const person = cast.robots.find((r) => r.pid === robot.pid)!;
  if (lot.method === 'sealed') {
    // A sealed bid: a few steps above the start (replaced later where the lot allows it).
    if (!sealed) return false;
    return (await sealed(ctx, person, lot.id, lot.startingPrice + Math.floor(random() * 12) * lot.priceStep)).ok;
  }
  const amount = robotAmount(lot, now, random);
  if (amount === undefined) return false;
  const result = await bids.place({
    lotId: lot.id,
    person,
    amount,
    idempotencyKey: `demo-${lot.id}-${robot.id}-${amount}`,
  });
  if (result.ok) {
    lot.currentPrice = amount;
    lot.leaderRegistrationId = robot.id;
  }
  return result.ok;
}

/**
 * What a robot would bid now, if anything: on an ascending lot the minimum or a step or two above it,
 * up to the lot's ceiling; on a descending lot the price asked, but only on its last two steps (so a
 * person has the time to accept first).
 */
function robotAmount(lot: OpenLot, now: Date, random: Random): number | undefined {
  const schedule = descendingOf(lot);
  if (schedule) {
    const asked = askedPriceAt(schedule, now);
    return asked && asked.step >= lastStep(schedule) - 1 ? asked.price : undefined;
  }
  const minimum = lot.currentPrice === null ? lot.startingPrice : lot.currentPrice + lot.priceStep;
  const steps = random() < 0.7 ? 0 : random() < 0.7 ? 1 : 2;
  const amount = minimum + steps * lot.priceStep;
  return amount > ceilingOf(lot) ? undefined : amount;
}
