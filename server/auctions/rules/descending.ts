// The descending method (đặt giá xuống, issue 16; DESIGN.md §8): the price asked starts at the starting
// price and falls by one step every `intervalSeconds`, never below `floorPrice`; the first approved
// bidder to accept the price asked wins at it. Pure: the schedule by the server clock, no I/O.
import type { LotRow } from './status.ts';

/** A descending lot's terms, as the schedule reads them. */
export interface DescendingTerms {
  startsAt: Date;
  startingPrice: number;
  priceStep: number;
  intervalSeconds: number;
  floorPrice: number;
}

/** The price asked at one moment of a descending lot's bidding. */
export interface AskedPrice {
  /** The price asked now. */
  price: number;
  /** How many steps it has fallen (0 at the start). */
  step: number;
  /** When it falls next, or null on its last step (the floor, or the last step above it). */
  nextPriceAt: Date | null;
}

/** The number of the last step: the lowest price on the schedule is at or above the floor. */
export function lastStep(terms: Pick<DescendingTerms, 'startingPrice' | 'priceStep' | 'floorPrice'>): number {
  return Math.floor((terms.startingPrice - terms.floorPrice) / terms.priceStep);
}

/**
 * When a descending lot with no acceptance fails: one interval after its last price was first asked
 * (every price on the schedule, the last included, is asked for a whole interval).
 */
export function descendingEnd(terms: DescendingTerms): Date {
  return new Date(terms.startsAt.getTime() + (lastStep(terms) + 1) * terms.intervalSeconds * 1000);
}

/**
 * The price asked at `at`, or undefined outside the schedule (before its start, or from its end on:
 * nobody accepted down to the floor).
 */
export function askedPriceAt(terms: DescendingTerms, at: Date): AskedPrice | undefined {
  const elapsed = at.getTime() - terms.startsAt.getTime();
  if (elapsed < 0 || at.getTime() >= descendingEnd(terms).getTime()) return undefined;
  const intervalMs = terms.intervalSeconds * 1000;
  const step = Math.floor(elapsed / intervalMs);
  const last = lastStep(terms);
  return {
    price: terms.startingPrice - step * terms.priceStep,
    step,
    nextPriceAt: step < last ? new Date(terms.startsAt.getTime() + (step + 1) * intervalMs) : null,
  };
}

/** Why a descending lot's terms cannot be published, or undefined when they are sound. */
export function descendingTermsProblem(
  terms: Pick<DescendingTerms, 'startingPrice' | 'priceStep' | 'intervalSeconds' | 'floorPrice'>,
): 'floor_above_start' | 'floor_not_positive' | 'interval_not_positive' | undefined {
  if (!Number.isSafeInteger(terms.intervalSeconds) || terms.intervalSeconds <= 0) return 'interval_not_positive';
  if (!Number.isSafeInteger(terms.floorPrice) || terms.floorPrice <= 0) return 'floor_not_positive';
  if (terms.floorPrice > terms.startingPrice) return 'floor_above_start';
  return undefined;
}

/** A descending lot's price schedule, or undefined for another method. */
export function descendingOf(
  row: Pick<LotRow, 'method' | 'startsAt' | 'startingPrice' | 'priceStep' | 'intervalSeconds' | 'floorPrice'>,
): DescendingTerms | undefined {
  if (row.method !== 'descending' || row.intervalSeconds === null || row.floorPrice === null) return undefined;
  return {
    startsAt: row.startsAt,
    startingPrice: row.startingPrice,
    priceStep: row.priceStep,
    intervalSeconds: row.intervalSeconds,
    floorPrice: row.floorPrice,
  };
}

/** A descending schedule at a glance, as a record states it: how many prices, the lowest, the end. */
export function scheduleSummary(terms: DescendingTerms): { steps: number; lowestPrice: number; endsAt: Date } {
  const last = lastStep(terms);
  return { steps: last + 1, lowestPrice: terms.startingPrice - last * terms.priceStep, endsAt: descendingEnd(terms) };
}
