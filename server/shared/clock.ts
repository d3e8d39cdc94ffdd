// The official time. The platform runs on the database's clock (database-clock.ts), so that several
// processes on hosts whose clocks disagree judge the end of bidding alike; tests drive a controlled
// clock so that time rules (registration windows, the end of bidding, soft close) are tested without
// sleeping.
export interface Clock {
  now(): Date;
}

/** This host's own clock (single-process tools and tests that need no database). */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | number = Date.now()) {
    this.ms = typeof start === 'number' ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  set(at: Date | number): void {
    this.ms = typeof at === 'number' ? at : at.getTime();
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
