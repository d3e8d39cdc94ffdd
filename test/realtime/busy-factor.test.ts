import { afterEach, describe, expect, it } from 'vitest';
import { BusyFactor } from '../../server/realtime/busy-factor.ts';

let factor: BusyFactor | undefined;
afterEach(() => factor?.close());

describe('stretching the coalescing tick under overload', () => {
  it('stays at 1 while the event loop has time to spare', () => {
    factor = new BusyFactor({ intervalMs: 60_000 });
    for (const u of [0.2, 0.5, 0.8, 0.89]) factor.sample(u);
    expect(factor.value()).toBe(1);
  });

  it('doubles per overloaded reading up to the maximum, and halves back once the load falls', () => {
    factor = new BusyFactor({ intervalMs: 60_000, high: 0.9, low: 0.7, max: 4 });
    factor.sample(0.95);
    expect(factor.value()).toBe(2);
    factor.sample(0.99);
    factor.sample(0.99);
    expect(factor.value()).toBe(4);
    // Between the thresholds it holds.
    factor.sample(0.8);
    expect(factor.value()).toBe(4);
    factor.sample(0.5);
    expect(factor.value()).toBe(2);
    factor.sample(0.5);
    factor.sample(0.5);
    expect(factor.value()).toBe(1);
  });

  it('reads the real event-loop utilization when not given one', () => {
    factor = new BusyFactor({ intervalMs: 60_000, high: 0.5, low: 0.1 });
    const until = performance.now() + 50;
    while (performance.now() < until);
    factor.sample();
    expect(factor.value()).toBe(2);
  });
});
