// The outage phase's figures, worked out from one record per bid (and per retry) and the ledger:
// answers before, during and after the cut; recovery after the restore (readiness, first accepted
// bid, steady success again); and what each retry with the same Idempotency-Key did.
import { percent } from './bounded.ts';
import type { AttemptRecord } from './protocol.ts';

export interface WindowFigures {
  /** Bids scheduled in this window (first attempts). */
  sent: number;
  accepted: number;
  refused: number;
  shed: number;
  error: number;
  noAnswer: number;
  pct: { withinBound: number; definitiveWithinBound: number; accepted: number; shed: number; noAnswer: number };
  /** Wait of the HTTP answers, from the scheduled send time, ms. */
  waitP99: number | null;
  waitMax: number | null;
}

export interface LedgerEntryByKey {
  seq: number;
  amount: number;
  /** placed_at in ms since the epoch (the platform's receive time of the request that placed it). */
  placedAt: number;
}

export interface RetryFigures {
  /** First attempts without a definitive answer (503, another 5xx, no answer, connection failed). */
  retryable: number;
  retried: number;
  /** Committed by the first attempt although it was answered 503 / not answered / answered 5xx. */
  committedOnFirstTry: { answered503: number; notAnswered: number; answeredError: number };
  /** Of those, the retry answered 201 with the committed bid (same seq): the first outcome. */
  replayed: number;
  placedOnRetry: number;
  refusedOnRetry: Record<string, number>;
  /** The retry got no definitive answer either (503, 5xx, none). */
  unresolved: number;
  /** Must all be 0: a key with two ledger entries (a second bid placed), a committed bid whose retry was refused, a retry's seq other than the ledger's, a refused first attempt found in the ledger. */
  duplicates: number;
  committedButRetryRefused: number;
  seqMismatch: number;
  refusedButCommitted: number;
  retryWaitP99: number | null;
  retryWaitMax: number | null;
}

export interface Recovery {
  /** restore() to the first 200 from /api/health (readiness), ms. */
  readyMs: number | null;
  /** restore() to the first accepted answer (any attempt), ms. */
  firstAcceptedMs: number | null;
  /** restore() to the first accepted answer of a bid sent after restore(), ms. */
  firstAcceptedSentAfterMs: number | null;
  /** restore() to the start of the first 500 ms window from which on every window had ≥ 95% of its bids accepted or refused within the bound. */
  steadyMs: number | null;
  /** The success rate (accepted or refused within the bound) before the cut, %, for comparison. */
  successBeforePct: number;
}

export interface TimelineBin {
  /** Start of the second, relative to the cut, s (by scheduled send time). */
  t: number;
  sent: number;
  accepted: number;
  refused: number;
  shed: number;
  noAnswer: number;
  other: number;
  definitiveWithinBound: number;
}

const definitive = (r: AttemptRecord): boolean => r.outcome === 'accepted' || r.outcome === 'refused';
const answered = (r: AttemptRecord): boolean => r.outcome !== 'noAnswer' && r.outcome !== 'failed';

function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] * 10) / 10;
}

export function windowFigures(records: AttemptRecord[], boundMs: number): WindowFigures {
  const n = (o: AttemptRecord['outcome']): number => records.filter((r) => r.outcome === o).length;
  const waits = records
    .filter(answered)
    .map((r) => r.endAt - r.scheduledAt)
    .sort((a, b) => a - b);
  const within = records.filter((r) => answered(r) && r.endAt - r.scheduledAt <= boundMs);
  const sent = records.length;
  return {
    sent,
    accepted: n('accepted'),
    refused: n('refused'),
    shed: n('shed'),
    error: n('error') + n('failed'),
    noAnswer: n('noAnswer'),
    pct: {
      withinBound: percent(within.length, sent),
      definitiveWithinBound: percent(within.filter(definitive).length, sent),
      accepted: percent(n('accepted'), sent),
      shed: percent(n('shed'), sent),
      noAnswer: percent(n('noAnswer'), sent),
    },
    waitP99: quantile(waits, 0.99),
    waitMax: waits.length ? Math.round(waits[waits.length - 1] * 10) / 10 : null,
  };
}

export function timeline(records: AttemptRecord[], cutAt: number, boundMs: number): TimelineBin[] {
  const bins = new Map<number, TimelineBin>();
  for (const r of records) {
    const t = Math.floor((r.scheduledAt - cutAt) / 1000);
    let b = bins.get(t);
    if (!b)
      bins.set(
        t,
        (b = { t, sent: 0, accepted: 0, refused: 0, shed: 0, noAnswer: 0, other: 0, definitiveWithinBound: 0 }),
      );
    b.sent++;
    if (r.outcome === 'accepted' || r.outcome === 'refused' || r.outcome === 'shed' || r.outcome === 'noAnswer')
      b[r.outcome]++;
    else b.other++;
    if (definitive(r) && r.endAt - r.scheduledAt <= boundMs) b.definitiveWithinBound++;
  }
  return [...bins.values()].sort((a, b) => a.t - b.t);
}

export function recovery(options: {
  first: AttemptRecord[];
  retries: AttemptRecord[];
  cutAt: number;
  restoreAt: number;
  readyAt: number | null;
  boundMs: number;
}): Recovery {
  const { first, retries, cutAt, restoreAt, boundMs } = options;
  const ok = (r: AttemptRecord): boolean => definitive(r) && r.endAt - r.scheduledAt <= boundMs;
  const before = first.filter((r) => r.scheduledAt < cutAt);
  const accepted = [...first, ...retries].filter((r) => r.outcome === 'accepted' && r.endAt >= restoreAt);
  const since = (at: number | undefined): number | null => (at === undefined ? null : Math.round(at - restoreAt));
  const minEnd = (rs: AttemptRecord[]): number | undefined =>
    rs.length ? Math.min(...rs.map((r) => r.endAt)) : undefined;
  // Steady: 500 ms windows of bids scheduled after the restore, each ≥ 95% accepted or refused within the bound, to the end of the flow.
  const windows = new Map<number, { n: number; ok: number }>();
  for (const r of first) {
    if (r.scheduledAt < restoreAt) continue;
    const k = Math.floor((r.scheduledAt - restoreAt) / 500);
    const w = windows.get(k) ?? { n: 0, ok: 0 };
    w.n++;
    if (ok(r)) w.ok++;
    windows.set(k, w);
  }
  const keys = [...windows.keys()].sort((a, b) => a - b);
  let steady: number | null = null;
  for (let i = keys.length - 1; i >= 0; i--) {
    const w = windows.get(keys[i])!;
    if (w.ok < w.n * 0.95) break;
    steady = keys[i] * 500;
  }
  return {
    readyMs: options.readyAt === null ? null : Math.round(options.readyAt - restoreAt),
    firstAcceptedMs: since(minEnd(accepted)),
    firstAcceptedSentAfterMs: since(minEnd(accepted.filter((r) => r.sentAt >= restoreAt))),
    steadyMs: steady,
    successBeforePct: percent(before.filter(ok).length, before.length),
  };
}

/** What each retry did, judged against the ledger's entries by Idempotency-Key (`bench-<g>`). */
export function retryFigures(
  first: AttemptRecord[],
  retries: AttemptRecord[],
  entries: Map<number, LedgerEntryByKey[]>,
): RetryFigures {
  const retryOf = new Map(retries.map((r) => [r.g, r]));
  const f: RetryFigures = {
    retryable: 0,
    retried: retries.length,
    committedOnFirstTry: { answered503: 0, notAnswered: 0, answeredError: 0 },
    replayed: 0,
    placedOnRetry: 0,
    refusedOnRetry: {},
    unresolved: 0,
    duplicates: 0,
    committedButRetryRefused: 0,
    seqMismatch: 0,
    refusedButCommitted: 0,
    retryWaitP99: null,
    retryWaitMax: null,
  };
  for (const r of first) {
    const e = entries.get(r.g) ?? [];
    if (e.length > 1) f.duplicates++;
    if (r.outcome === 'refused' && e.length) f.refusedButCommitted++;
    if (r.outcome === 'accepted' && e.length && e[0].seq !== r.seq) f.seqMismatch++;
    if (definitive(r)) continue;
    f.retryable++;
    const retry = retryOf.get(r.g);
    const entry = e[0];
    // The platform stamps an entry with its request's receive time: one stamped before the retry left was placed by the first attempt.
    const byFirst = entry !== undefined && (!retry || entry.placedAt < retry.sentDate);
    if (byFirst) {
      if (r.outcome === 'shed') f.committedOnFirstTry.answered503++;
      else if (r.outcome === 'error') f.committedOnFirstTry.answeredError++;
      else f.committedOnFirstTry.notAnswered++;
    }
    if (!retry) continue;
    if (retry.outcome === 'accepted') {
      if (!entry || retry.seq !== entry.seq) f.seqMismatch++;
      else if (byFirst) f.replayed++;
      else f.placedOnRetry++;
    } else if (retry.outcome === 'refused') {
      if (entry) f.committedButRetryRefused++;
      else f.refusedOnRetry[retry.code ?? '?'] = (f.refusedOnRetry[retry.code ?? '?'] ?? 0) + 1;
    } else f.unresolved++;
  }
  const waits = retries
    .filter(answered)
    .map((r) => r.endAt - r.sentAt)
    .sort((a, b) => a - b);
  f.retryWaitP99 = quantile(waits, 0.99);
  f.retryWaitMax = waits.length ? Math.round(waits[waits.length - 1] * 10) / 10 : null;
  return f;
}

/** Problems the judge reports (each must be 0). */
export function retryProblems(f: RetryFigures): string[] {
  const p: string[] = [];
  if (f.duplicates) p.push(`${f.duplicates} Idempotency-Keys with two ledger entries (a retry placed a second bid)`);
  if (f.committedButRetryRefused)
    p.push(`${f.committedButRetryRefused} committed bids whose retry with the same key was refused`);
  if (f.seqMismatch) p.push(`${f.seqMismatch} acknowledgements whose seq is not the ledger entry of their key`);
  if (f.refusedButCommitted) p.push(`${f.refusedButCommitted} bids answered with a refusal but found in the ledger`);
  return p;
}
