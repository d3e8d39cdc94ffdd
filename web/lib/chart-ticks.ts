// Axis ticks for the price chart that a person can read: prices at round steps (1, 2, 2.5 or 5 times
// a power of ten, e.g. 40.000.000, 45.000.000, 50.000.000) rather than at fractions of the range, and
// times that differ from each other (seconds shown when the span is short; equal labels dropped).

/** Round values within [lo, hi], about `count` of them (at least one). */
export function priceTicks(lo: number, hi: number, count = 4): number[] {
  if (!(hi > lo)) return [Math.round(lo)];
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  // Whole đồng only: a step under 1 would round to the same label twice.
  const step = Math.max(1, [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.round(v));
  return ticks.length ? ticks : [Math.round((lo + hi) / 2)];
}

export interface TimeTick {
  at: number;
  label: string;
}

/**
 * Start, middle and end of [x0, x1] with labels from `format`, seconds included when the span is under
 * ten minutes; a label equal to the one before it is left out (a very short span shows fewer ticks).
 */
export function timeTicks(x0: number, x1: number, format: (ms: number, withSeconds: boolean) => string): TimeTick[] {
  const withSeconds = x1 - x0 < 10 * 60_000;
  const ticks: TimeTick[] = [];
  for (const at of [x0, (x0 + x1) / 2, x1]) {
    const label = format(at, withSeconds);
    if (!ticks.some((t) => t.label === label)) ticks.push({ at, label });
  }
  return ticks;
}
