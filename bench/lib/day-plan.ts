// The auction day's workload, worked out once by the orchestrator (bench/day.ts) and sent to every
// child: the lots of one shift and their class (hot, warm, quiet), the people and which lots each
// registered on, each lot's bids (when, by whom, how much), the watchers per lot, and the opening
// rush's arrivals. Everything follows from the flags and a seed, so a run can be repeated exactly.
//
// A lot's k-th planned bid offers startingPrice + k × priceStep: a watcher that receives an entry
// can tell from its amount which planned bid it was, and so when it was sent (as the storm does with
// its global bid numbers, lib/schedule.ts), without any messaging between processes.
import type { PriceRules } from './schedule.ts';
import { prng } from './random.ts';

export type LotClass = 'hot' | 'warm' | 'quiet';
export const LOT_CLASSES: LotClass[] = ['hot', 'warm', 'quiet'];

export interface DayShape {
  lots: number;
  /** Approved bidders per lot. */
  biddersPerLot: number;
  /** Lots each person registers on (people = lots × biddersPerLot / lotsPerPerson). */
  lotsPerPerson: number;
  hot: number;
  warm: number;
  /** A hot lot's burst: this many bids in hotSeconds. */
  hotBids: number;
  hotSeconds: number;
  /** A warm lot's mean time between bids (exponential gaps). */
  warmIntervalS: number;
  /** A quiet lot's handful of bids in the whole shift (all of them fall into the window). */
  quietBids: number;
  /** The measured stretch of the shift: seconds of bidding. */
  windowS: number;
  /** The real shift's length, for the compression figure. */
  shiftMinutes: number;
  watchersPerRegistrant: number;
  /** Share of the full watcher count the run holds (the machine's descriptors and cores bound it). */
  watcherScale: number;
  /** Relative watchers per lot of each class (a hot lot draws more spectators). */
  watcherWeights: Record<LotClass, number>;
  /** The opening rush: every person arrives (signs in, loads their lot pages) within this many seconds. */
  rushSeconds: number;
  /** Lot pages each person loads after signing in (their first lots). */
  rushPages: number;
  /** Share of the people who arrive in the rush (two cores do not carry them all in a minute). */
  rushScale: number;
  seed: number;
}

export interface PlannedLot {
  index: number;
  cls: LotClass;
  rules: PriceRules;
  /** People (indices) registered and approved on the lot. */
  registrants: number[];
  /** Send times of the lot's bids, ms after the window opens, ascending; bid k by registrants[k % n]. */
  bids: number[];
  watchers: number;
}

export interface RushArrival {
  person: number;
  /** ms after the rush starts. */
  atMs: number;
  /** Indices of the lots whose pages the person loads, in order. */
  lots: number[];
}

export interface DayPlan {
  shape: DayShape;
  people: number;
  lots: PlannedLot[];
  rush: RushArrival[];
  totals: {
    registrations: number;
    bids: Record<LotClass, number>;
    watchers: Record<LotClass, number>;
    watchersFull: number;
    /** The full shift's minutes over the window's: how much denser than real the shift's bids are. */
    compression: number;
  };
}

export function classOf(index: number, shape: Pick<DayShape, 'hot' | 'warm'>): LotClass {
  return index < shape.hot ? 'hot' : index < shape.hot + shape.warm ? 'warm' : 'quiet';
}

/** Splits `total` over weights by largest remainder, at least `min` each. */
function apportion(total: number, weights: number[], min: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (sum ? (total * w) / sum : 0));
  const out = exact.map((x) => Math.max(min, Math.floor(x)));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r);
  for (let j = 0; left > 0 && order.length; j = (j + 1) % order.length, left--) out[order[j].i]++;
  return out;
}

export function checkShape(s: DayShape): string[] {
  const problems: string[] = [];
  if (s.lots < 1) problems.push('--lots must be at least 1');
  if (s.hot + s.warm > s.lots) problems.push('--hot plus --warm must not exceed --lots');
  if (s.lotsPerPerson < 1 || s.lotsPerPerson > s.lots) problems.push('--lots-per-person must be within 1..--lots');
  if (s.biddersPerLot < 2) problems.push('--bidders must be at least 2 (a bidder never outbids themself)');
  if (s.biddersPerLot % s.lotsPerPerson !== 0)
    problems.push('--bidders must be a multiple of --lots-per-person (each person registers on that many lots)');
  if (s.hot > 0 && s.hotSeconds > s.windowS) problems.push('--hot-seconds must fit in --window');
  if (s.watcherScale <= 0) problems.push('--watcher-scale must be above 0');
  if (!(s.rushScale > 0 && s.rushScale <= 1)) problems.push('--rush-scale must be above 0 and at most 1');
  if (s.rushPages < 1 || s.rushPages > s.lotsPerPerson)
    problems.push('--rush-pages must be within 1..--lots-per-person');
  return problems;
}

export function planDay(shape: DayShape): DayPlan {
  const problems = checkShape(shape);
  if (problems.length) throw new Error(problems.join('; '));
  const random = prng(shape.seed);
  const people = (shape.lots * shape.biddersPerLot) / shape.lotsPerPerson;
  // Person p registers on lots p, p + stride, p + 2·stride… (mod lots): distinct lots, and each lot
  // gets people/lots people from each of lotsPerPerson residue classes, biddersPerLot in all.
  const stride = Math.floor(shape.lots / shape.lotsPerPerson);
  const lotsOf = (p: number): number[] =>
    Array.from({ length: shape.lotsPerPerson }, (_, t) => (p + t * stride) % shape.lots);
  const registrants: number[][] = Array.from({ length: shape.lots }, () => []);
  for (let p = 0; p < people; p++) for (const l of lotsOf(p)) registrants[l].push(p);

  const hotStarts = (i: number): number =>
    shape.hot > 1 ? ((shape.windowS - shape.hotSeconds) * 1000 * i) / (shape.hot - 1) : 0;
  const windowMs = shape.windowS * 1000;
  const sortedUniform = (n: number, from: number, span: number): number[] =>
    Array.from({ length: n }, () => Math.round(from + random() * span)).sort((a, b) => a - b);
  const lots: PlannedLot[] = registrants.map((reg, index) => {
    const cls = classOf(index, shape);
    let bids: number[];
    if (cls === 'hot') {
      // A burst: hotBids at random moments of hotSeconds, the bursts staggered over the window so
      // that several run at once.
      bids = sortedUniform(shape.hotBids, hotStarts(index), shape.hotSeconds * 1000);
    } else if (cls === 'warm') {
      // A steady background: exponential gaps (a Poisson stream) of warmIntervalS on average.
      const gap = (): number => -Math.log(1 - random()) * shape.warmIntervalS * 1000;
      bids = [];
      for (let t = gap(); t < windowMs; t += gap()) bids.push(Math.round(t));
    } else {
      bids = sortedUniform(shape.quietBids, 0, windowMs);
    }
    // Plates start at different prices (40 M, 45 M… 60 M) with steps of 1 M or 500 k.
    const rules: PriceRules = {
      startingPrice: 40_000_000 + (index % 5) * 5_000_000,
      priceStep: index % 2 ? 500_000 : 1_000_000,
    };
    return { index, cls, rules, registrants: reg, bids, watchers: 0 };
  });

  const watchersFull = shape.lots * shape.biddersPerLot * shape.watchersPerRegistrant;
  const watchersTotal = Math.max(shape.lots, Math.round(watchersFull * shape.watcherScale));
  const counts = apportion(
    watchersTotal,
    lots.map((l) => shape.watcherWeights[l.cls]),
    1,
  );
  lots.forEach((l, i) => (l.watchers = counts[i]));

  // Who arrives when: the people in a random order (Fisher-Yates), the first rushScale of them.
  const order = Array.from({ length: people }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const arriving = Math.max(1, Math.round(people * shape.rushScale));
  const rush: RushArrival[] = sortedUniform(arriving, 0, shape.rushSeconds * 1000).map((atMs, i) => ({
    person: order[i],
    atMs,
    lots: lotsOf(order[i]).slice(0, shape.rushPages),
  }));

  const by = (f: (l: PlannedLot) => number): Record<LotClass, number> => ({
    hot: lots.filter((l) => l.cls === 'hot').reduce((a, l) => a + f(l), 0),
    warm: lots.filter((l) => l.cls === 'warm').reduce((a, l) => a + f(l), 0),
    quiet: lots.filter((l) => l.cls === 'quiet').reduce((a, l) => a + f(l), 0),
  });
  return {
    shape,
    people,
    lots,
    rush,
    totals: {
      registrations: lots.reduce((a, l) => a + l.registrants.length, 0),
      bids: by((l) => l.bids.length),
      watchers: by((l) => l.watchers),
      watchersFull,
      compression: Math.round(((shape.shiftMinutes * 60) / shape.windowS) * 10) / 10,
    },
  };
}

/** The planned bid an amount stands for on a lot, or undefined when no planned bid offers it. */
export function bidIndexOf(amount: number, rules: PriceRules, count: number): number | undefined {
  const k = (amount - rules.startingPrice) / rules.priceStep;
  return Number.isInteger(k) && k >= 0 && k < count ? k : undefined;
}

export function amountOf(k: number, rules: PriceRules): number {
  return rules.startingPrice + k * rules.priceStep;
}

/**
 * The simulated person's own loopback address (127.16.0.1 onwards): the platform's per-address
 * sign-in limit then counts each person apart, as it would real people, without being raised.
 */
export function personAddress(p: number): string {
  return `127.${16 + Math.floor(p / 62_500)}.${Math.floor(p / 250) % 250}.${(p % 250) + 1}`;
}
