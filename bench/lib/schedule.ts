// The workload, identical in every process that needs it: bid number g (global, counted across all
// steps) decides its kind, its bidder and its amount, and each step maps g to a scheduled send time.
// Valid bids offer startingPrice + g × priceStep, so any process that sees an amount (a watcher
// receiving a broadcast) can tell which bid it was and when it was scheduled, without any messaging.
export type BidKind = 'valid' | 'low' | 'unapproved';

export interface StepPlan {
  index: number;
  /** Offered bids per second (open loop). */
  rate: number;
  durationS: number;
  /** The first global bid number of this step, and how many bids it offers. */
  firstG: number;
  count: number;
  /** A warm-up step: run like the others (the same bids, checked the same way) but not reported. */
  warmup?: boolean;
}

/** A step with its start time fixed (wall-clock ms); set by the orchestrator just before it runs. */
export interface ScheduledStep extends StepPlan {
  startAt: number;
}

export interface PriceRules {
  startingPrice: number;
  priceStep: number;
}

/** One step per rate; bid numbers start at firstG (after the bids an earlier run on the same lot offered). */
export function planSteps(
  rates: number[],
  durationS: number,
  firstG = 0,
  warmup?: { rate: number; durationS: number },
): StepPlan[] {
  const steps = [
    ...(warmup && warmup.durationS > 0 ? [{ rate: warmup.rate, durationS: warmup.durationS, warmup: true }] : []),
    ...rates.map((rate) => ({ rate, durationS, warmup: false })),
  ];
  return steps.map((s, index) => {
    const count = Math.max(1, Math.round(s.rate * s.durationS));
    const step: StepPlan = {
      index,
      rate: s.rate,
      durationS: s.durationS,
      firstG,
      count,
      ...(s.warmup ? { warmup: true } : {}),
    };
    firstG += count;
    return step;
  });
}

// 3 bids in 20 are too low and 3 in 20 come from registered but unapproved bidders: 30% invalid.
const LOW = new Set([3, 9, 15]);
const UNAPPROVED = new Set([6, 12, 18]);

export function kindOf(g: number): BidKind {
  const r = g % 20;
  return LOW.has(r) ? 'low' : UNAPPROVED.has(r) ? 'unapproved' : 'valid';
}

/** The bidder (index into the approved or the unapproved list) that sends bid g. */
export function bidderOf(g: number, kind: BidKind, approved: number, unapproved: number): number {
  return kind === 'unapproved' ? Math.floor(g / 20) % unapproved : g % approved;
}

export function validAmount(g: number, rules: PriceRules): number {
  return rules.startingPrice + g * rules.priceStep;
}

/** The bid number of a valid amount, or undefined when the amount is not one the workload offers. */
export function gFromAmount(amount: number, rules: PriceRules): number | undefined {
  const g = (amount - rules.startingPrice) / rules.priceStep;
  return Number.isInteger(g) && g >= 0 ? g : undefined;
}

export function intervalMs(step: StepPlan): number {
  return 1000 / step.rate;
}

export function scheduledAt(step: ScheduledStep, g: number): number {
  return step.startAt + (g - step.firstG) * intervalMs(step);
}

export function stepOf<T extends StepPlan>(steps: T[], g: number): T | undefined {
  for (const s of steps) if (g >= s.firstG && g < s.firstG + s.count) return s;
  return undefined;
}

/** How many bids of a step come from unapproved bidders. */
export function unapprovedIn(step: StepPlan): number {
  let n = 0;
  for (let g = step.firstG; g < step.firstG + step.count; g++) if (kindOf(g) === 'unapproved') n++;
  return n;
}
