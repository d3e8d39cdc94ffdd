// Per-lot ordered, coalescing delivery to the sockets of THIS process. Committed entries reach a
// process from its own bid path (ctx.events) and from the other processes (relayed through the
// socket.io adapter); across processes they can arrive out of order, so each lot with local watchers
// keeps the last seq it delivered, holds back entries that are ahead of a gap, and writes only
// consecutive runs. A gap that does not fill within gapTimeoutMs (a process died between its commit
// and its publish) is filled from the ledger itself. Consecutive entries collected within one short
// tick go out as one `bids` event (a lone entry as `bid`): at storm rates that divides the socket
// writes by the number of bids per tick. A lot change is written only once every entry up to its seq
// has been, so a watcher never sees the close before the last bid. A stream can also be told to catch
// up with the ledger (catchUp): when relayed entries may have been lost (Redis was away), every entry
// after the last one delivered is read and written through the same ordered, coalescing path.
import type { LotChange, PublicEntry } from '../shared/events.ts';
import type { Logger } from '../shared/log.ts';
import { isEnded } from '../auctions/rules/index.ts';

export interface LotStreamsOptions {
  /** The coalescing tick of a lot (ms): its entries are written at most once per tick. */
  coalesceMs: number | ((lotId: number) => number);
  /** How long an out-of-order entry waits for the missing ones before they are read from the ledger. */
  gapTimeoutMs: number;
  /** Writes consecutive entries of one lot to this process's watchers of it. */
  emitEntries(lotId: number, entries: PublicEntry[]): void;
  emitLot(change: LotChange): void;
  /** Reads committed entries with seq > afterSeq from the ledger, in seq order. */
  readEntries(lotId: number, afterSeq: number, limit: number): Promise<PublicEntry[]>;
  log: Logger;
  now?: () => number;
}

interface Stream {
  /** The last seq delivered to this process's watchers; undefined until the first snapshot primes it. */
  delivered: number | undefined;
  /** Entries with seq > delivered, not yet written (in order or ahead of a gap). */
  held: Map<number, PublicEntry>;
  /** Lot changes waiting for their seq to be delivered, in arrival order. */
  changes: LotChange[];
  lastWriteAt: number;
  /** A close, failure or cancellation was written: nothing about the lot's state can follow it. */
  ended: boolean;
  /** The last lot change written. */
  lastChange?: LotChange;
  tick?: NodeJS.Timeout | NodeJS.Immediate;
  gapTimer?: NodeJS.Timeout;
  /** The ledger read in progress (gap fill or catch-up): one at a time per stream. */
  reading?: Promise<void>;
  /** A catch-up was asked for: read to the end of the ledger, not only up to the first held entry. */
  catchUp: boolean;
  /** Entries read from the ledger that had neither been delivered nor held (a count, for logs). */
  missing: number;
}

/** The largest `bids` event; a longer run (a gap filled from the ledger) is split. */
const MAX_BATCH = 500;
/** Entries read from the ledger at once. */
const READ_PAGE = 1_000;

export class LotStreams {
  private readonly streams = new Map<number, Stream>();
  private readonly options: LotStreamsOptions;
  private readonly now: () => number;
  private closed = false;

  constructor(options: LotStreamsOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
  }

  /** A lot got its first local watcher: start collecting its entries (not yet delivering). */
  open(lotId: number): void {
    if (this.closed || this.streams.has(lotId)) return;
    this.streams.set(lotId, {
      delivered: undefined,
      held: new Map(),
      changes: [],
      lastWriteAt: -Infinity,
      ended: false,
      catchUp: false,
      missing: 0,
    });
  }

  /** The lot has no local watcher any more. */
  drop(lotId: number): void {
    const s = this.streams.get(lotId);
    if (!s) return;
    this.clearTimers(s);
    this.streams.delete(lotId);
  }

  /**
   * A watcher's snapshot showed the ledger up to `seq`; entries up to it need not be written. Only the
   * first snapshot of a stream counts: later watchers receive the stream from where it stands (what
   * they miss in between is in their own snapshot, which they read after joining the room).
   */
  prime(lotId: number, seq: number): void {
    const s = this.streams.get(lotId);
    if (!s || s.delivered !== undefined) return;
    s.delivered = seq;
    for (const k of s.held.keys()) if (k <= seq) s.held.delete(k);
    this.flush(lotId, s);
  }

  isPrimed(lotId: number): boolean {
    return this.streams.get(lotId)?.delivered !== undefined;
  }

  /** The last seq written to this process's watchers of the lot (undefined: not watched or not primed). */
  delivered(lotId: number): number | undefined {
    return this.streams.get(lotId)?.delivered;
  }

  /** Lots whose watchers here are being written to and may still hear of entries or changes. */
  activeLots(): number[] {
    const lots: number[] = [];
    for (const [lotId, s] of this.streams) if (s.delivered !== undefined && !s.ended) lots.push(lotId);
    return lots;
  }

  /**
   * Reads every entry after the last delivered one from the ledger and writes them in order, for
   * when relayed entries may have been lost. Resolves once the ledger's end (as read) is written or
   * the read failed (logged; the caller tries again later). Joins a read already in progress.
   * Resolves with the number of entries found missing (read, and neither delivered nor held before).
   */
  async catchUp(lotId: number): Promise<number> {
    const s = this.streams.get(lotId);
    if (!s || s.delivered === undefined || s.ended) return 0;
    s.catchUp = true;
    const before = s.missing;
    await this.read(lotId, s);
    return s.missing - before;
  }

  /** Committed entries (from this process or relayed); ignored for lots nobody here watches. */
  entries(lotId: number, entries: PublicEntry[]): void {
    const s = this.streams.get(lotId);
    if (!s) return;
    for (const e of entries) if (s.delivered === undefined || e.seq > s.delivered) s.held.set(e.seq, e);
    this.schedule(lotId, s);
  }

  lot(change: LotChange): void {
    const s = this.streams.get(change.lotId);
    if (!s) return;
    s.changes.push(change);
    // A change is news on its own: write what is deliverable now rather than wait for the tick.
    if (s.delivered !== undefined) this.flush(change.lotId, s);
  }

  close(): void {
    this.closed = true;
    for (const s of this.streams.values()) this.clearTimers(s);
    this.streams.clear();
  }

  /** Lots with local watchers (for tests and metrics). */
  size(): number {
    return this.streams.size;
  }

  private schedule(lotId: number, s: Stream): void {
    if (s.tick || s.delivered === undefined) return;
    if (!s.held.has(s.delivered + 1)) {
      if (s.held.size > 0 || s.changes.length > 0) this.armGap(lotId, s);
      return;
    }
    // Leading edge: a lot that was quiet for a tick is written on the next turn of the event loop
    // (so entries published in one burst share a write); a busy lot at most once per tick.
    const tick =
      typeof this.options.coalesceMs === 'function' ? this.options.coalesceMs(lotId) : this.options.coalesceMs;
    const wait = s.lastWriteAt + tick - this.now();
    const run = (): void => {
      s.tick = undefined;
      if (this.streams.get(lotId) === s) this.flush(lotId, s);
    };
    s.tick = wait <= 0 ? setImmediate(run) : setTimeout(run, wait);
  }

  private flush(lotId: number, s: Stream): void {
    if (s.delivered === undefined) return;
    const run: PublicEntry[] = [];
    for (let next = s.delivered + 1; s.held.has(next); next++) {
      run.push(s.held.get(next)!);
      s.held.delete(next);
    }
    if (run.length) {
      s.delivered = run[run.length - 1].seq;
      s.lastWriteAt = this.now();
      for (let i = 0; i < run.length; i += MAX_BATCH)
        this.write(() => this.options.emitEntries(lotId, run.slice(i, i + MAX_BATCH)));
    }
    while (s.changes.length && s.changes[0].seq <= s.delivered) {
      const change = s.changes.shift()!;
      // Changes relayed from different processes may cross on the way; the end of a lot is final.
      if (s.ended) continue;
      // A change older than one already written (relayed late, after Redis held it) or the same one
      // again (read from the database by the catch-up, then relayed) would tell watchers nothing new.
      const last = s.lastChange;
      if (
        last &&
        (change.seq < last.seq ||
          (change.seq === last.seq &&
            change.reason === last.reason &&
            change.status === last.status &&
            change.endsAt === last.endsAt &&
            change.currentPrice === last.currentPrice &&
            change.round === last.round))
      )
        continue;
      if (isEnded(change.reason)) s.ended = true;
      s.lastChange = change;
      this.write(() => this.options.emitLot(change));
    }
    if (s.held.size === 0 && s.changes.length === 0) {
      if (s.gapTimer) clearTimeout(s.gapTimer);
      s.gapTimer = undefined;
    } else if (!s.held.has(s.delivered + 1)) this.armGap(lotId, s);
  }

  private write(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.log.error({ err }, 'realtime broadcast failed');
    }
  }

  private armGap(lotId: number, s: Stream): void {
    if (s.gapTimer || s.reading) return;
    s.gapTimer = setTimeout(() => {
      s.gapTimer = undefined;
      void this.read(lotId, s);
    }, this.options.gapTimeoutMs);
  }

  /** Runs the stream's ledger reads one at a time; a read asked for while one runs joins it. */
  private read(lotId: number, s: Stream): Promise<void> {
    s.reading ??= this.readLedger(lotId, s).finally(() => {
      s.reading = undefined;
      // Whatever is still held (or arrived during the read) is written now, or waits for a gap fill.
      if (this.streams.get(lotId) === s) this.flush(lotId, s);
    });
    return s.reading;
  }

  /**
   * Reads missing entries from the ledger (the source of truth) and delivers them: for a gap, the
   * entries up to the first held one; for a catch-up, everything to the ledger's end, page by page.
   */
  private async readLedger(lotId: number, s: Stream): Promise<void> {
    for (;;) {
      if (this.streams.get(lotId) !== s || s.delivered === undefined) return;
      const all = s.catchUp;
      s.catchUp = false;
      let limit = READ_PAGE;
      if (!all) {
        if (s.held.has(s.delivered + 1) || (s.held.size === 0 && s.changes.length === 0)) return;
        const wanted = Math.min(...s.held.keys(), ...s.changes.map((c) => c.seq)) - s.delivered;
        limit = Math.max(1, Math.min(wanted, READ_PAGE));
      }
      const after = s.delivered;
      let entries: PublicEntry[];
      try {
        entries = await this.options.readEntries(lotId, after, limit);
      } catch (err) {
        this.options.log.error({ err, lotId }, 'realtime: reading missing entries failed');
        return;
      }
      if (this.streams.get(lotId) !== s) return;
      const missing = entries.filter((e) => e.seq > s.delivered! && !s.held.has(e.seq)).length;
      s.missing += missing;
      // A catch-up's caller reports what it found, once for all lots.
      if (missing > 0 && !all)
        this.options.log.warn(
          { lotId, after, read: entries.length, missing },
          'realtime: filled a broadcast gap from the ledger',
        );
      for (const e of entries) if (e.seq > s.delivered) s.held.set(e.seq, e);
      this.flush(lotId, s);
      // A full page may have more behind it; a catch-up asked for during the read reads again.
      if (all && entries.length === limit) s.catchUp = true;
      if (!s.catchUp) return;
    }
  }

  private clearTimers(s: Stream): void {
    if (s.tick) {
      clearTimeout(s.tick as NodeJS.Timeout);
      clearImmediate(s.tick as NodeJS.Immediate);
    }
    if (s.gapTimer) clearTimeout(s.gapTimer);
    s.tick = undefined;
    s.gapTimer = undefined;
  }
}
