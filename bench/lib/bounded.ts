// Answers measured against the platform's bound (issue 12): for the overload step and the outage
// phase, the share of bids answered within the bound of their scheduled send time, shed (503
// UNAVAILABLE), accepted, refused, and left without any answer until the client gave up.
import { mergeHistograms, summarize, type LatencySummary } from './hist.ts';
import type { BoundedCounts } from './protocol.ts';

export interface BoundedSummary extends Omit<BoundedCounts, 'waitHist' | 'shedHist'> {
  boundMs: number;
  clientTimeoutMs: number;
  /** Shares of the bids sent, in %. */
  pct: {
    withinBound: number;
    definitiveWithinBound: number;
    accepted: number;
    refused: number;
    shed: number;
    error: number;
    noAnswer: number;
    clientQueued: number;
  };
  /** Wait of every HTTP answer (accepted, refused, shed or error) from the scheduled send time, ms. */
  wait: LatencySummary | null;
  /** Wait of the 503 answers alone: how early the platform sheds. */
  shedWait: LatencySummary | null;
}

export const percent = (n: number, of: number): number => (of ? Math.round((n / of) * 1000) / 10 : 0);

export function summarizeBounded(
  counts: BoundedCounts[],
  options: { boundMs: number; clientTimeoutMs: number },
): BoundedSummary {
  const sum = (k: Exclude<keyof BoundedCounts, 'waitHist' | 'shedHist'>): number =>
    counts.reduce((a, c) => a + c[k], 0);
  const sent = sum('sent');
  const s = {
    sent,
    accepted: sum('accepted'),
    refused: sum('refused'),
    shed: sum('shed'),
    shedWithoutRetryAfter: sum('shedWithoutRetryAfter'),
    error: sum('error'),
    failed: sum('failed'),
    noAnswer: sum('noAnswer'),
    withinBound: sum('withinBound'),
    definitiveWithinBound: sum('definitiveWithinBound'),
    clientQueued: sum('clientQueued'),
    // Each generator's own peak; their sum is an upper bound of the connections open at once.
    peakConnections: sum('peakConnections'),
  };
  return {
    boundMs: options.boundMs,
    clientTimeoutMs: options.clientTimeoutMs,
    ...s,
    pct: {
      withinBound: percent(s.withinBound, sent),
      definitiveWithinBound: percent(s.definitiveWithinBound, sent),
      accepted: percent(s.accepted, sent),
      refused: percent(s.refused, sent),
      shed: percent(s.shed, sent),
      error: percent(s.error + s.failed, sent),
      noAnswer: percent(s.noAnswer, sent),
      clientQueued: percent(s.clientQueued, sent),
    },
    wait: summarize(mergeHistograms(counts.map((c) => c.waitHist))),
    shedWait: summarize(mergeHistograms(counts.map((c) => c.shedHist))),
  };
}

/** One line for the log. */
export function boundedLine(b: BoundedSummary): string {
  return `${b.pct.withinBound}% answered within ${b.boundMs} ms (${b.pct.definitiveWithinBound}% accepted or refused), ${b.pct.shed}% shed, ${b.pct.accepted}% accepted, ${b.pct.noAnswer}% no answer in ${b.clientTimeoutMs / 1000} s, ${b.pct.error}% errors, ${b.pct.clientQueued}% waited in the generator for a connection (peak ${b.peakConnections} open); wait p99 ${b.wait?.p99 ?? '–'} max ${b.wait?.max ?? '–'} ms`;
}
