// The demo's first start: a catalogue that already has a past. Lots are created, published,
// registered for and bid on through the real services, driven by a clock set in the past and
// advanced step by step (a simulated history, so live lots open with a price chart and finished
// lots have results). This runs before the platform listens and before the closing scheduler starts.
import type { AppContext } from '../context.ts';
import { ManualClock } from '../shared/clock.ts';
import { BidEngine } from '../bidding/bid-engine.ts';
import { closeLot } from '../auctions/closing.ts';
import { DEMO_ASSETS, type DemoAsset } from './catalogue.ts';
import { createDemoLot, registerAndApprove } from './lots.ts';
import { liveDemoLots, maybeBid, type Random, type SealedSubmit } from './robots.ts';
import type { DemoCast } from './people.ts';

const MIN = 60_000;

interface Plan {
  asset: DemoAsset;
  /** Minutes relative to now. */
  startsIn: number;
  lasts: number;
  /** How long before the start registration opens. */
  registrationMinutes: number;
}

function byTitle(prefix: string): DemoAsset {
  return DEMO_ASSETS.find((a) => a.title.startsWith(prefix)) ?? DEMO_ASSETS[0];
}

export async function seedHistory(
  ctx: AppContext,
  cast: DemoCast,
  random: Random,
  sealed?: SealedSubmit,
): Promise<void> {
  const realNow = ctx.clock.now().getTime();
  const plans: Plan[] = [
    // Finished.
    { asset: byTitle('Biển số 43A'), startsIn: -190, lasts: 30, registrationMinutes: 60 },
    { asset: byTitle('Xe tải Hino'), startsIn: -130, lasts: 25, registrationMinutes: 60 },
    // Live now, with a history.
    { asset: byTitle('Biển số 30K'), startsIn: -12, lasts: 30, registrationMinutes: 30 },
    { asset: byTitle('Xe ô tô Toyota'), startsIn: -20, lasts: 45, registrationMinutes: 30 },
    { asset: byTitle('Quyền sử dụng đất thửa'), startsIn: -30, lasts: 75, registrationMinutes: 60 },
    // One live lot of each other method: extension rounds, a falling price, sealed bids.
    { asset: byTitle('Biển số 29H'), startsIn: -8, lasts: 20, registrationMinutes: 30 },
    { asset: byTitle('Máy xúc'), startsIn: -5, lasts: 30, registrationMinutes: 30 },
    { asset: byTitle('Lô máy phát điện'), startsIn: -10, lasts: 40, registrationMinutes: 30 },
  ];
  // Time moves forward for every lot in turn: each lot's history is simulated on its own clock.
  for (const plan of plans) {
    const startsAt = realNow + plan.startsIn * MIN;
    const endsAt = startsAt + plan.lasts * MIN;
    const opensAt = startsAt - plan.registrationMinutes * MIN;
    const clock = new ManualClock(opensAt - MIN);
    const past: AppContext = { ...ctx, clock };
    const id = await createDemoLot(past, cast.manager, plan.asset, {
      registrationOpensAt: new Date(opensAt),
      registrationClosesAt: new Date(startsAt),
      startsAt: new Date(startsAt),
      endsAt: new Date(endsAt),
    });
    if (id === undefined) continue;
    clock.set(opensAt + 2 * MIN);
    const robots = cast.robots.filter(() => random() < 0.75).slice(0, 5);
    await registerAndApprove(past, cast.manager, id, robots.length >= 2 ? robots : cast.robots.slice(0, 3));
    // Every level-2 persona is registered and approved on the lots that are live, so a newcomer can bid at once.
    if (endsAt > realNow) await registerAndApprove(past, cast.manager, id, cast.citizens);
    const engine = new BidEngine(past);
    const until = Math.min(endsAt - 5_000, realNow - 2_000);
    for (let t = startsAt + 20_000; t < until; t += 15_000 + Math.floor(random() * 90_000)) {
      clock.set(t);
      for (const entry of (await liveDemoLots(past, cast, clock.now())).filter((e) => e.lot.id === id))
        await maybeBid(past, engine, cast, entry, clock.now(), random, 1, sealed);
    }
    await engine.drain();
    if (endsAt < realNow) {
      clock.set(endsAt + 2_000);
      await closeLot(past, id);
    }
  }
  await seedAward(ctx, cast, realNow);
  // Upcoming lots, registration open now (real clock): robots register; people can register too.
  const upcoming: Plan[] = [
    { asset: byTitle('Biển số 51K'), startsIn: 15, lasts: 25, registrationMinutes: 60 },
    { asset: byTitle('Xe tải Hino'), startsIn: 40, lasts: 30, registrationMinutes: 90 },
    { asset: byTitle('Quyền sử dụng đất lô'), startsIn: 24 * 60, lasts: 60, registrationMinutes: 26 * 60 },
  ];
  for (const plan of upcoming) {
    const startsAt = realNow + plan.startsIn * MIN;
    const id = await createDemoLot(ctx, cast.manager, plan.asset, {
      registrationOpensAt: new Date(realNow - MIN),
      registrationClosesAt: new Date(startsAt),
      startsAt: new Date(startsAt),
      endsAt: new Date(startsAt + plan.lasts * MIN),
    });
    if (id !== undefined) await registerAndApprove(ctx, cast.manager, id, cast.robots.slice(0, 3));
  }
}

/** The personas of the award walk-through (server/identity/demo/personas.ts). */
const AN = '001085000201';
const CUC = '079190000202';

/**
 * A plate lot that ended half an hour ago, won by An with Cúc's bid next (her bid plus her deposit
 * covers An's price, so Art. 51 applies): An's signature of the record awaits, and a refusal offers the
 * lot to Cúc. A newcomer signs in as An to walk the award after the hammer.
 */
async function seedAward(ctx: AppContext, cast: DemoCast, realNow: number): Promise<void> {
  const an = cast.citizens.find((p) => p.idNumber === AN);
  const cuc = cast.citizens.find((p) => p.idNumber === CUC);
  const robot = cast.robots[0];
  if (!an || !cuc || !robot) return;
  const startsAt = realNow - 50 * MIN;
  const endsAt = startsAt + 20 * MIN;
  const clock = new ManualClock(startsAt - 61 * MIN);
  const past: AppContext = { ...ctx, clock };
  const id = await createDemoLot(past, cast.manager, byTitle('Biển số 88A'), {
    registrationOpensAt: new Date(startsAt - 60 * MIN),
    registrationClosesAt: new Date(startsAt),
    startsAt: new Date(startsAt),
    endsAt: new Date(endsAt),
  });
  if (id === undefined) return;
  clock.set(startsAt - 50 * MIN);
  await registerAndApprove(past, cast.manager, id, [robot, cuc, an]);
  const engine = new BidEngine(past);
  for (const [i, [person, amount]] of (
    [
      [robot, 40_000_000],
      [cuc, 45_000_000],
      [an, 50_000_000],
    ] as const
  ).entries()) {
    clock.set(startsAt + (i + 1) * MIN);
    await engine.place({ lotId: id, person, amount, idempotencyKey: `demo-award-${id}-${i}` });
  }
  await engine.drain();
  clock.set(endsAt + 2_000);
  await closeLot(past, id);
}
