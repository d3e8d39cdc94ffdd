// The capacity search's arithmetic (bench/lib/capacity.ts): which steps count as answered within the
// bound, which rate it tries next, and where it stops.
import { describe, expect, it } from 'vitest';
import { capacityOf, judgeStep, nextCapacityRate, type CapacityProbe } from '../../bench/lib/capacity.ts';
import type { StepResult } from '../../bench/lib/scenario.ts';

const latency = (max: number) => ({ count: 10, p50: max / 2, p90: max, p99: max, p999: max, max, mean: max / 2 });
const step = (rate: number, over: Partial<StepResult> = {}): StepResult =>
  ({ rate, unanswered: 0, shed: 0, errors: 0, ack: latency(200), reject: latency(100), ...over }) as StepResult;
const probe = (rate: number, withinBound: boolean): CapacityProbe => ({ rate, withinBound, worstMs: 0, why: '' });

describe('the capacity search', () => {
  it('counts a step as within the bound only when every bid was answered in time', () => {
    expect(judgeStep(step(500)).withinBound).toBe(true);
    expect(judgeStep(step(500, { ack: latency(1001) }))).toMatchObject({ withinBound: false, worstMs: 1001 });
    expect(judgeStep(step(500, { reject: latency(1500) })).withinBound).toBe(false);
    expect(judgeStep(step(500, { unanswered: 1 }))).toMatchObject({ withinBound: false, why: '1 unanswered' });
    expect(judgeStep(step(500, { shed: 3 }))).toMatchObject({ withinBound: false, why: '3 shed (503)' });
    expect(judgeStep(step(500, { errors: 2 })).withinBound).toBe(false);
    expect(judgeStep(step(500, { ack: null, reject: null })).withinBound).toBe(false);
  });

  it('doubles until a rate misses, then halves the gap until it is within 5%', () => {
    expect(nextCapacityRate([], 32_000)).toBe(100);
    expect(nextCapacityRate([probe(500, true), probe(1000, true)], 32_000)).toBe(2000);
    expect(nextCapacityRate([probe(2000, true), probe(4000, false)], 32_000)).toBe(3000);
    expect(nextCapacityRate([probe(2000, true), probe(3000, false), probe(4000, false)], 32_000)).toBe(2500);
    expect(nextCapacityRate([probe(2000, true), probe(2075, false)], 32_000)).toBeUndefined();
    expect(nextCapacityRate([probe(32_000, true)], 32_000)).toBeUndefined();
    expect(nextCapacityRate([probe(20_000, true)], 32_000)).toBe(32_000);
  });

  it('reports the highest rate that held and the lowest above it that missed', () => {
    const probes = [probe(500, true), probe(1000, true), probe(2000, false), probe(1500, true), probe(1750, false)];
    expect(capacityOf(probes)).toEqual({ rate: 1500, firstMissed: 1750 });
    expect(capacityOf([probe(100, false)])).toEqual({ rate: 0, firstMissed: 100 });
  });
});
