// Watch snapshots, read once for many watchers. When thousands of browsers (re)connect at once, each
// `watch` would otherwise cost its own lot and ledger queries. A read for a lot is started on the next
// turn of the event loop and shared by every watcher that asked before it started; since each of
// them joined the lot's room before asking, every entry committed after the read is still broadcast
// to all of them, so sharing keeps the gap-free guarantee.
import type { AppContext } from '../context.ts';
import { getPublicLot, type PublicLot } from '../auctions/public-lot.ts';
import { listEntries, type PublicLedgerEntry } from '../bidding/ledger-queries.ts';

export interface Snapshot {
  lot: PublicLot;
  bids: PublicLedgerEntry[];
  serverTime: string;
}

export class SnapshotReader {
  private readonly pending = new Map<number, Promise<Snapshot | undefined>>();
  private readonly ctx: AppContext;
  private readonly entries: number;
  private readonly onLot?: (lot: PublicLot) => void;

  /** `onLot`: told of every lot read (the gateway keeps its terms). */
  constructor(ctx: AppContext, options: { entries: number; onLot?: (lot: PublicLot) => void }) {
    this.ctx = ctx;
    this.entries = options.entries;
    this.onLot = options.onLot;
  }

  /** The lot and its latest entries, read after this call (undefined: no such public lot). */
  read(lotId: number): Promise<Snapshot | undefined> {
    let p = this.pending.get(lotId);
    if (!p) {
      p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pending.delete(lotId);
        return this.load(lotId);
      });
      this.pending.set(lotId, p);
    }
    return p;
  }

  private async load(lotId: number): Promise<Snapshot | undefined> {
    const serverTime = this.ctx.clock.now().toISOString();
    const lot = await getPublicLot(this.ctx, lotId);
    if (!lot) return undefined;
    this.onLot?.(lot);
    const bids =
      lot.seq > 0 ? await listEntries(this.ctx.db, lotId, Math.max(0, lot.seq - this.entries), this.entries) : [];
    return { lot, bids, serverTime };
  }
}
