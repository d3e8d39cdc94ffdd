// Keeps this process's watchers on the ledger when relayed broadcasts may have been lost, reading from
// the database (the source of truth) rather than trusting Redis. With several processes, entries and
// lot changes committed elsewhere reach this process only through Redis pub/sub, which delivers at
// most once: whatever is published while a connection is down is gone. So:
// - while Redis is down (./redis-link.ts), every `downPollMs` the heads of the lots watched here are
//   read in one query, and each lot whose ledger is ahead of what its watchers were sent is caught up
//   (LotStreams.catchUp: the missing entries go out in seq order through the lot's stream, so
//   ordering and coalescing stay intact). Watchers here thus keep seeing bids taken by other
//   processes, a poll late;
// - when Redis is back, and when another process announces it is back, one pass runs at once, so no
//   gap is left even if no further bid arrives;
// - while up, a slow sweep (`sweepMs`) acts on a lot only if it was still behind a whole sweep later
//   (a broadcast lost without a disconnection); entries in flight are never mistaken for lost ones.
// Lot changes (close, failure, cancellation, extension, going live) are repaired the same way: each
// lot's status and end as its watchers were last told are kept (from the stream's writes, or read
// when the lot got its first watcher here), and a differing head is sent as a `lot` event, after the
// entries up to its seq.
import type { LotChange } from '../shared/events.ts';
import type { Logger } from '../shared/log.ts';
import type { LotHead } from './lot-heads.ts';
import type { LotStreams } from './lot-streams.ts';
import type { RedisState } from './redis-link.ts';
import { isEnded } from '../auctions/rules/index.ts';

export interface CatchUpOptions {
  streams: Pick<LotStreams, 'activeLots' | 'delivered' | 'catchUp' | 'lot'>;
  readHeads(lotIds: number[]): Promise<LotHead[]>;
  log: Logger;
  /** Poll interval while Redis is down (ms). */
  downPollMs: number;
  /** Sweep interval while Redis is up (ms). */
  sweepMs: number;
}

/** What this process's watchers of a lot were last told about its state. */
interface Told {
  status: string;
  endsAt: string;
}

/** Lots per head query. */
const HEADS_PER_QUERY = 1_000;

export class CatchUp {
  private readonly options: CatchUpOptions;
  private readonly told = new Map<number, Told>();
  /** Discrepancies seen by the previous sweep, confirmed (acted on) if the next one sees them too. */
  private readonly suspects = new Map<number, { seq?: number; change?: string }>();
  private readonly baselines = new Set<number>();
  private baselineTimer: NodeJS.Immediate | undefined;
  private state: RedisState = 'up';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** A pass asked for while one ran: it starts when that one ends (its reads must follow the request). */
  private queued: Promise<void> | undefined;
  private lastErrorLog = 0;
  private closed = false;

  constructor(options: CatchUpOptions) {
    this.options = options;
    this.arm();
  }

  /** Redis went down or came back: poll quickly while down; on the way back, one pass at once. */
  setState(state: RedisState): void {
    if (this.closed || state === this.state) return;
    this.state = state;
    this.arm();
    void this.runNow();
  }

  /** Runs a pass that acts on every difference at once; resolves when a pass begun after this call ends. */
  runNow(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.running) return this.run(false);
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.runNow();
    });
    return this.queued;
  }

  /** A lot got its first watcher here: remember what its watchers were told (read shortly, batched). */
  primed(lotId: number): void {
    if (this.closed || this.told.has(lotId)) return;
    this.baselines.add(lotId);
    this.baselineTimer ??= setImmediate(() => void this.readBaselines());
  }

  /** A lot change was written to this process's watchers. */
  written(change: LotChange): void {
    this.told.set(change.lotId, { status: change.status, endsAt: change.endsAt });
  }

  /** The lot has no watcher here any more. */
  drop(lotId: number): void {
    this.told.delete(lotId);
    this.suspects.delete(lotId);
    this.baselines.delete(lotId);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.baselineTimer) clearImmediate(this.baselineTimer);
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const done = this.running ?? this.run(this.state === 'up');
        void done.finally(() => this.arm());
      },
      this.state === 'down' ? this.options.downPollMs : this.options.sweepMs,
    );
    this.timer.unref();
  }

  private run(confirm: boolean): Promise<void> {
    this.running = this.pass(confirm).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async readBaselines(): Promise<void> {
    this.baselineTimer = undefined;
    const lotIds = [...this.baselines];
    this.baselines.clear();
    const heads = await this.heads(lotIds);
    for (const h of heads ?? []) {
      // Not for a lot whose watchers all left meanwhile: it would be stale when the lot is watched again.
      if (!this.told.has(h.lotId) && this.options.streams.delivered(h.lotId) !== undefined)
        this.told.set(h.lotId, { status: h.status, endsAt: h.endsAt });
    }
  }

  private async heads(lotIds: number[]): Promise<LotHead[] | undefined> {
    const heads: LotHead[] = [];
    try {
      for (let i = 0; i < lotIds.length; i += HEADS_PER_QUERY)
        heads.push(...(await this.options.readHeads(lotIds.slice(i, i + HEADS_PER_QUERY))));
      return heads;
    } catch (err) {
      if (Date.now() - this.lastErrorLog > 10_000) {
        this.lastErrorLog = Date.now();
        this.options.log.warn({ err }, 'realtime: could not read lot heads to catch up with the ledger; trying again');
      }
      return undefined;
    }
  }

  /** One pass over the lots watched here; `confirm`: act only on what the previous pass saw too. */
  private async pass(confirm: boolean): Promise<void> {
    const { streams } = this.options;
    const lotIds = streams.activeLots();
    if (lotIds.length === 0) return;
    const heads = await this.heads(lotIds);
    if (!heads || this.closed) return;
    const work: Promise<number>[] = [];
    for (const head of heads) {
      const delivered = streams.delivered(head.lotId);
      if (delivered === undefined) continue;
      const told = this.told.get(head.lotId);
      if (!told) this.told.set(head.lotId, { status: head.status, endsAt: head.endsAt });
      const change = told ? changeFor(head, told) : undefined;
      const behind = head.seq > delivered;
      if (confirm) {
        const before = this.suspects.get(head.lotId);
        const next = {
          seq: behind ? head.seq : undefined,
          change: change ? `${change.reason}|${change.endsAt}` : undefined,
        };
        if (next.seq === undefined && next.change === undefined) this.suspects.delete(head.lotId);
        else this.suspects.set(head.lotId, next);
        // Behind for a whole sweep: what was committed then has still not been written here.
        if (before?.seq !== undefined && delivered < before.seq) work.push(streams.catchUp(head.lotId));
        if (change && before?.change === next.change) this.send(change);
      } else {
        this.suspects.delete(head.lotId);
        if (behind) work.push(streams.catchUp(head.lotId));
        if (change) this.send(change);
      }
    }
    const missing = (await Promise.all(work)).reduce((sum, n) => sum + n, 0);
    if (missing > 0)
      this.options.log.warn(
        { lots: work.length, missing, redis: this.state },
        'realtime: entries missing from broadcasts were read from the ledger and sent',
      );
  }

  private send(change: LotChange): void {
    this.told.set(change.lotId, { status: change.status, endsAt: change.endsAt });
    this.options.log.warn(
      { lotId: change.lotId, reason: change.reason, seq: change.seq },
      'realtime: a lot change missing from broadcasts, read from the database',
    );
    this.options.streams.lot(change);
  }
}

/** The lot change that brings watchers told `told` to the head, if they need one. */
function changeFor(head: LotHead, told: Told): LotChange | undefined {
  const base = { ...head };
  if (isEnded(told.status)) return undefined;
  if (isEnded(head.status)) return { ...base, reason: head.status };
  if (head.status === 'suspended' && told.status !== 'suspended') return { ...base, reason: 'suspended' };
  if (head.status === 'live' && told.status === 'scheduled') return { ...base, reason: 'live' };
  if (head.status === 'live' && head.endsAt !== told.endsAt) return { ...base, reason: 'extended' };
  return undefined;
}
