// The live state of one lot in the browser: the lot, its ledger entries merged by seq, the
// connection state, and the offset between this device's clock and the server's (the official time).
//
// Invariant (DESIGN.md §3.3): entries are applied strictly in seq order. An entry that skips a seq
// (a gap) or a reconnect triggers `sync({afterSeq: last})`, which returns exactly the missing
// entries, so the page converges on the server's ledger. Duplicates (seq ≤ last) are ignored.
import { io, type Socket } from 'socket.io-client';
import type { BidEntry, ClientToServerEvents, Lot, LotEvent, PublicEntry, ServerToClientEvents } from '../api/types.ts';

export type ConnectionState = 'connecting' | 'live' | 'lost' | 'recovered';

export interface RoomCallbacks {
  /** New entries from others or oneself, after they were applied (for announcements). */
  onEntries?: (entries: BidEntry[]) => void;
  onOutbid?: (amount: number) => void;
  onRegistration?: (status: string, depositState: string) => void;
  onResult?: (won: boolean, finalPrice: number | null) => void;
}

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export class LotRoom {
  lot: Lot = $state()!;
  entries: BidEntry[] = $state([]);
  connection: ConnectionState = $state('connecting');
  /** serverTime − deviceTime, in ms. */
  offsetMs = $state(0);

  private socket: Client | undefined;
  private syncing = false;
  private everConnected = false;
  private recoveredTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly callbacks: RoomCallbacks;

  constructor(lot: Lot, entries: BidEntry[], callbacks: RoomCallbacks = {}) {
    this.lot = lot;
    this.entries = entries;
    this.callbacks = callbacks;
    if (lot.serverTime) this.offsetMs = Date.parse(lot.serverTime) - Date.now();
  }

  get lastSeq(): number {
    return this.entries.length ? this.entries[this.entries.length - 1].seq : 0;
  }

  /** The official time now, as best this device knows it. */
  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  start(): void {
    if (this.socket) return;
    // A connection attempt that hangs is given up after 5 s (not socket.io's 20 s): in a live auction, retrying soon matters.
    const socket: Client = io({ transports: ['websocket', 'polling'], reconnectionDelay: 500, reconnectionDelayMax: 4000, timeout: 5000 });
    this.socket = socket;
    socket.on('connect', () => void this.onConnect());
    socket.on('disconnect', () => {
      clearTimeout(this.recoveredTimer);
      this.connection = 'lost';
    });
    socket.on('connect_error', () => {
      if (this.everConnected) this.connection = 'lost';
    });
    socket.on('bid', (entry) => {
      if (entry.lotId === this.lot.id) this.receive([entry]);
    });
    socket.on('bids', (batch) => {
      if (batch.lotId === this.lot.id) this.receive(batch.items);
    });
    socket.on('lot', (change) => {
      if (change.lotId === this.lot.id) this.applyLotChange(change);
    });
    socket.on('outbid', (e) => {
      if (e.lotId === this.lot.id) this.callbacks.onOutbid?.(e.amount);
    });
    socket.on('registration', (e) => {
      if (e.lotId === this.lot.id) this.callbacks.onRegistration?.(e.status, e.depositState);
    });
    socket.on('won', (e) => {
      if (e.lotId === this.lot.id) this.callbacks.onResult?.(true, e.finalPrice);
    });
    socket.on('lost', (e) => {
      if (e.lotId === this.lot.id) this.callbacks.onResult?.(false, e.finalPrice);
    });
  }

  stop(): void {
    clearTimeout(this.recoveredTimer);
    this.socket?.close();
    this.socket = undefined;
  }

  /** Test hook and a real control: drop the connection (the banner shows) and reconnect. */
  simulateDrop(): void {
    this.socket?.io.engine?.close();
  }

  private async onConnect(): Promise<void> {
    const reconnect = this.everConnected;
    this.everConnected = true;
    const socket = this.socket;
    if (!socket) return;
    const snapshot = await socket.timeout(8000).emitWithAck('watch', { lotId: this.lot.id }).catch(() => undefined);
    if (!snapshot || !snapshot.ok) {
      if (reconnect) this.connection = 'lost';
      return;
    }
    this.lot = { ...this.lot, ...snapshot.lot };
    // The snapshot's entries may overlap what we hold and may start after a gap: sync fills it.
    if (snapshot.bids.length && snapshot.bids[0].seq > this.lastSeq + 1) await this.sync();
    this.receive(snapshot.bids);
    if (this.lastSeq < snapshot.lot.seq) await this.sync();
    void this.measureClock();
    if (reconnect) {
      this.connection = 'recovered';
      clearTimeout(this.recoveredTimer);
      this.recoveredTimer = setTimeout(() => {
        if (this.connection === 'recovered') this.connection = 'live';
      }, 10_000);
    } else {
      this.connection = 'live';
    }
  }

  /** Asks for every entry after the last one held, until the answer says there are no more. */
  private async sync(): Promise<void> {
    if (this.syncing || !this.socket) return;
    this.syncing = true;
    try {
      for (let i = 0; i < 100; i++) {
        const answer = await this.socket.timeout(8000).emitWithAck('sync', { lotId: this.lot.id, afterSeq: this.lastSeq }).catch(() => undefined);
        if (!answer || !answer.ok) return;
        this.apply(answer.bids);
        if (!answer.more) return;
      }
    } finally {
      this.syncing = false;
    }
  }

  private receive(items: (PublicEntry | BidEntry)[]): void {
    const sorted = [...items].sort((a, b) => a.seq - b.seq);
    const fresh = sorted.filter((e) => e.seq > this.lastSeq);
    if (!fresh.length) return;
    if (fresh[0].seq !== this.lastSeq + 1) {
      void this.sync();
      return;
    }
    this.apply(fresh);
  }

  /** Applies consecutive entries; stops at the first gap. */
  private apply(items: (PublicEntry | BidEntry)[]): void {
    const applied: BidEntry[] = [];
    const next = [...this.entries];
    let lot = { ...this.lot };
    for (const raw of [...items].sort((a, b) => a.seq - b.seq)) {
      const last = next.length ? next[next.length - 1].seq : 0;
      if (raw.seq <= last) continue;
      if (raw.seq !== last + 1) break;
      const entry: BidEntry = { ...raw, status: 'status' in raw ? raw.status : 'accepted' } as BidEntry;
      next.push(entry);
      applied.push(entry);
      if (entry.kind === 'withdrawal') {
        const i = next.findIndex((e) => e.seq === entry.withdrawsSeq);
        if (i >= 0) next[i] = { ...next[i], status: 'withdrawn' };
        const standing = [...next].reverse().find((e) => e.kind === 'bid' && e.status !== 'withdrawn');
        lot = { ...lot, currentPrice: standing?.amount ?? null, highestBidderCode: standing?.bidderCode ?? null };
      } else {
        lot = { ...lot, currentPrice: entry.amount, highestBidderCode: entry.bidderCode, bidCount: lot.bidCount + (entry.seq > lot.seq ? 1 : 0) };
      }
      if (entry.seq > lot.seq) lot.seq = entry.seq;
      lot.minNextBid = lot.status === 'live' ? (lot.currentPrice === null ? lot.startingPrice : lot.currentPrice + lot.priceStep) : lot.minNextBid;
    }
    if (!applied.length) return;
    this.entries = next;
    this.lot = lot;
    this.callbacks.onEntries?.(applied);
  }

  private applyLotChange(change: LotEvent): void {
    const live = change.status === 'live';
    this.lot = {
      ...this.lot,
      status: change.status as Lot['status'],
      endsAt: change.endsAt,
      currentPrice: change.currentPrice,
      minNextBid: live ? (change.currentPrice === null ? this.lot.startingPrice : change.currentPrice + this.lot.priceStep) : null,
      ...(change.status === 'closed' ? { finalPrice: change.currentPrice } : {}),
    };
    if (change.seq > this.lastSeq) void this.sync();
  }

  /** A few time exchanges; the one with the shortest round trip gives the offset. */
  private async measureClock(): Promise<void> {
    let best: { rtt: number; offset: number } | undefined;
    for (let i = 0; i < 3 && this.socket?.connected; i++) {
      const sent = Date.now();
      const answer = await this.socket.timeout(4000).emitWithAck('time', { clientSentAt: sent }).catch(() => undefined);
      const received = Date.now();
      if (!answer || !answer.ok) continue;
      const rtt = received - sent;
      const offset = answer.serverTimeMs - (sent + received) / 2;
      if (!best || rtt < best.rtt) best = { rtt, offset };
    }
    if (best) this.offsetMs = best.offset;
  }
}
