// The live state of one lot in the browser: the lot, its ledger entries merged by seq, the
// connection state, and the offset between this device's clock and the server's (the official time).
//
// Invariant (DESIGN.md §3.3): entries are applied strictly in seq order. An entry that skips a seq
// (a gap) or a reconnect triggers `sync({afterSeq: last})`, which returns exactly the missing
// entries, so the page converges on the server's ledger. Duplicates (seq ≤ last) are ignored.
//
// The connection heals by itself: socket.io reconnects a dropped transport, and this class reconnects
// what socket.io leaves alone (a handshake the server refused as UNAVAILABLE, a server-side
// disconnect). While the socket is up but the service cannot answer (watch or sync refused or not
// answered, or a bid answered 503), the state is `unavailable` and the room retries watch + sync with
// a growing pause until both succeed; then it is `recovered`, holding exactly the server's ledger.
//
// The lot and its ledger as shown (the standing state included) are kept by ./lot-view.svelte.ts.
// The person's own events (`outbid`, `registration`, `won`, `lost`) are passed on to whoever listens
// as the server sent them; so is every change of the connection's state.
//
// Whether bidding is open is the server's word (`biddingOpen` in every snapshot and `lot` event); the
// page's clock only ends it at `endsAt`. A lot waiting for its start (or for its registration to
// open: `registrationOpen`) is asked about again when that comes (the scheduler's `lot` event also
// says when bidding starts); a descending lot whose announced price fall brought no `lot` event is read
// again just after it.
import { untrack } from 'svelte';
import { io, type Socket } from 'socket.io-client';
import type {
  BidEntry,
  ClientToServerEvents,
  Lot,
  OutbidEvent,
  PublicEntry,
  ServerToClientEvents,
} from '../api/types.ts';
import type { LiveEntry } from '../../../server/realtime/events.ts';
import { LotView, type ViewCallbacks } from './lot-view.svelte.ts';

export type { Withdrawal } from './lot-view.svelte.ts';

/**
 * `lost`: the socket is down and reconnecting. `unavailable`: the socket is up but the service cannot
 * answer (its database is down or it is overloaded); retrying by itself. `recovered`: back after one
 * of those, and caught up (shown for a while, then `live`).
 */
export type ConnectionState = 'connecting' | 'live' | 'lost' | 'unavailable' | 'recovered';

/** Pauses between attempts to resubscribe while the service is unavailable (the last one repeats). */
const RETRY_DELAYS_MS = [1_000, 2_000, 3_000, 5_000];
/** How long a watch or sync may go unanswered before it counts as a failure. */
const ACK_TIMEOUT_MS = 8_000;
/** How long after a descending lot's announced fall the page waits for the server's `lot` event before reading the lot. */
const FALL_WAIT_MS = 2_000;

export interface RoomCallbacks extends ViewCallbacks {
  /** The server's `outbid`: someone's bid (at `seq`) beat this person's standing bid. */
  onOutbid?: (event: OutbidEvent) => void;
  /** The connection's state changed. */
  onConnection?: (state: ConnectionState, before: ConnectionState) => void;
  /** One of the person's registrations changed (`registrationId`: which, when they hold several). */
  onRegistration?: (status: string, depositState: string, registrationId: number) => void;
  onResult?: (won: boolean, finalPrice: number | null, depositState: string) => void;
}

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export class LotRoom extends LotView<RoomCallbacks> {
  #connection: ConnectionState = $state('connecting');
  /** serverTime − deviceTime, in ms. */
  offsetMs = $state(0);

  private socket: Client | undefined;
  private syncRun: Promise<boolean> | undefined;
  private everConnected = false;
  private recoveredTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  /** A resubscription is running (one at a time). */
  private resubscribing = false;
  private openingTimer: ReturnType<typeof setTimeout> | undefined;
  private fallTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(lot: Lot, entries: BidEntry[], callbacks?: RoomCallbacks) {
    super(lot, entries, callbacks);
    if (lot.serverTime) this.offsetMs = Date.parse(lot.serverTime) - Date.now();
  }

  get connection(): ConnectionState {
    return this.#connection;
  }

  private setConnection(state: ConnectionState): void {
    const before = this.#connection;
    if (state === before) return;
    this.#connection = state;
    this.tell((c) => c.onConnection?.(state, before));
  }

  /** The official time now, as best this device knows it. */
  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  start(): void {
    if (this.socket) return;
    // A connection attempt that hangs is given up after 5 s (not socket.io's 20 s): in a live auction, retrying soon matters.
    const socket: Client = io({
      transports: ['websocket', 'polling'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      timeout: 5000,
    });
    this.socket = socket;
    socket.on('connect', () => void this.onConnect());
    socket.on('disconnect', (reason) => {
      clearTimeout(this.recoveredTimer);
      clearTimeout(this.retryTimer);
      this.setConnection('lost');
      // socket.io reconnects by itself except after the server's own disconnect.
      if (reason === 'io server disconnect') this.retryLater(() => this.socket === socket && socket.connect());
    });
    socket.on('connect_error', (err: Error & { data?: { error?: { code?: string } } }) => {
      const code = err.data?.error?.code ?? err.message;
      if (code === 'UNAVAILABLE') this.setConnection('unavailable');
      else if (this.everConnected) this.setConnection('lost');
      // A handshake refused by the server (socket.active false) is not retried by socket.io: retry
      // here while the refusal is temporary.
      if (!socket.active && (code === 'UNAVAILABLE' || code === 'RATE_LIMITED'))
        this.retryLater(() => this.socket === socket && socket.connect());
    });
    socket.on('bid', (entry) => {
      if (entry.lotId === this.lot.id) this.receive([entry]);
    });
    socket.on('bids', (batch) => {
      if (batch.lotId === this.lot.id) this.receive(batch.items);
    });
    socket.on('lot', (change) => {
      if (change.lotId !== this.lot.id) return;
      this.applyLotChange(change);
      this.expectFall();
      if (change.seq > this.lastSeq) void this.sync();
    });
    socket.on('outbid', (e) => {
      if (e.lotId === this.lot.id) this.tell((c) => c.onOutbid?.(e));
    });
    socket.on('registration', (e) => {
      if (e.lotId === this.lot.id) this.tell((c) => c.onRegistration?.(e.status, e.depositState, e.registrationId));
    });
    socket.on('won', (e) => {
      if (e.lotId === this.lot.id) this.tell((c) => c.onResult?.(true, e.finalPrice, e.depositState));
    });
    socket.on('lost', (e) => {
      if (e.lotId === this.lot.id) this.tell((c) => c.onResult?.(false, e.finalPrice, e.depositState));
    });
    // Not a dependency of whoever starts the room (a page's effect): the lot changes with every bid.
    untrack(() => {
      this.askAtOpening();
      this.expectFall();
    });
  }

  /**
   * A descending lot's price falls at `nextPriceAt`, and the server's `lot` event says so; should that
   * event not come (a connection that dropped at that moment), the lot is read again shortly after.
   */
  private expectFall(): void {
    clearTimeout(this.fallTimer);
    const at = this.lot.nextPriceAt;
    if (!at || this.lot.ended || !this.socket) return;
    this.fallTimer = setTimeout(
      () => {
        if (this.lot.nextPriceAt !== at) return;
        void this.refresh().then(() => {
          if (this.lot.nextPriceAt !== at) this.expectFall();
        });
      },
      Math.max(0, Date.parse(at) - this.serverNow() + FALL_WAIT_MS),
    );
  }

  /** Bidding is open by the server's word until `endsAt` by the server's clock (its `lot` event closes it). */
  biddingOpenAt(serverNowMs: number): boolean {
    return this.lot.biddingOpen && serverNowMs < Date.parse(this.lot.endsAt);
  }

  /**
   * What the server says will open and has not (registration, bidding) is asked about again when its
   * opening comes by the server's clock (and again, should the answer come before it by the server's
   * own clock). `slackMs`: how recently passed an opening still counts (the page's clock is an estimate).
   */
  private askAtOpening(nowMs = this.serverNow(), slackMs = 1_000): void {
    clearTimeout(this.openingTimer);
    const { registrationOpen, biddingOpen, ended, registrationOpensAt, startsAt } = this.lot;
    if (ended || !this.socket) return;
    const openings = [...(registrationOpen ? [] : [registrationOpensAt]), ...(biddingOpen ? [] : [startsAt])]
      .map((at) => Date.parse(at) - nowMs)
      .filter((wait) => wait > -slackMs);
    if (!openings.length) return;
    this.openingTimer = setTimeout(
      () =>
        void this.refresh().then((lot) => {
          if (lot) this.askAtOpening(Date.parse(lot.serverTime), 0);
        }),
      Math.max(0, Math.min(...openings)) + 50,
    );
  }

  stop(): void {
    clearTimeout(this.openingTimer);
    clearTimeout(this.fallTimer);
    clearTimeout(this.recoveredTimer);
    clearTimeout(this.retryTimer);
    this.stopView();
    this.socket?.close();
    this.socket = undefined;
  }

  /** Reads the lot again, when the server said what the page shows is stale (a descending price that moved). */
  reread(): Promise<Lot | undefined> {
    return this.refresh();
  }

  /** Test hook and a real control: drop the connection (the banner shows) and reconnect. */
  simulateDrop(): void {
    this.socket?.io.engine?.close();
  }

  /**
   * Called when a request outside the socket (a bid over HTTP) found the service unavailable or
   * unanswering: the banner shows, and the room checks (watch + sync) until the service answers.
   */
  reportUnavailable(): void {
    if (!this.socket?.connected) return;
    this.setConnection('unavailable');
    clearTimeout(this.recoveredTimer);
    if (!this.resubscribing) this.retryLater(() => void this.resubscribe());
  }

  private async onConnect(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retries = 0;
    const reconnect = this.everConnected;
    this.everConnected = true;
    await this.resubscribe(reconnect);
  }

  /** Runs `attempt` after the next pause of the backoff. */
  private retryLater(attempt: () => void): void {
    clearTimeout(this.retryTimer);
    const delay = RETRY_DELAYS_MS[Math.min(this.retries, RETRY_DELAYS_MS.length - 1)];
    this.retries++;
    this.retryTimer = setTimeout(attempt, delay);
  }

  /** Watches the lot and syncs every entry missed; on failure shows `unavailable` and tries again. */
  private async resubscribe(reconnect = true): Promise<void> {
    const socket = this.socket;
    if (!socket || this.resubscribing) return;
    this.resubscribing = true;
    let done: boolean;
    try {
      done = await this.watchAndSync(socket);
    } finally {
      this.resubscribing = false;
    }
    // A disconnect meanwhile: the next connect starts over.
    if (this.socket !== socket || !socket.connected) return;
    if (!done) {
      this.setConnection('unavailable');
      this.retryLater(() => void this.resubscribe());
      return;
    }
    this.retries = 0;
    void this.measureClock();
    if (reconnect || this.connection === 'unavailable') {
      this.setConnection('recovered');
      clearTimeout(this.recoveredTimer);
      this.recoveredTimer = setTimeout(() => {
        if (this.connection === 'recovered') this.setConnection('live');
      }, 10_000);
    } else {
      this.setConnection('live');
    }
  }

  /** True when the lot is watched and the entries up to the snapshot's seq were asked for and received. */
  private async watchAndSync(socket: Client): Promise<boolean> {
    const snapshot = await socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck('watch', { lotId: this.lot.id })
      .catch(() => undefined);
    if (!snapshot || !snapshot.ok) return false;
    this.adopt(snapshot.lot);
    this.expectFall();
    // The snapshot's entries may overlap what we hold and may start after a gap: sync fills it.
    if (snapshot.bids.length && snapshot.bids[0].seq > this.lastSeq + 1 && !(await this.sync())) return false;
    this.receive(snapshot.bids);
    // A sync joined may have been asked before the snapshot: ask again while behind it.
    for (let i = 0; i < 3 && this.lastSeq < snapshot.lot.seq; i++) if (!(await this.sync())) return false;
    return true;
  }

  /**
   * Asks for every entry after the last one held, until the answer says there are no more; joins the
   * sync already running, if any. False when the service did not answer: outside a resubscription
   * that starts one (the banner shows until the room has caught up).
   */
  private sync(): Promise<boolean> {
    this.syncRun ??= this.runSync().finally(() => (this.syncRun = undefined));
    return this.syncRun;
  }

  private async runSync(): Promise<boolean> {
    const socket = this.socket;
    if (!socket) return false;
    for (let i = 0; i < 100; i++) {
      const answer = await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('sync', { lotId: this.lot.id, afterSeq: this.lastSeq })
        .catch(() => undefined);
      if (!answer || !answer.ok) {
        if (!this.resubscribing) this.reportUnavailable();
        return false;
      }
      this.apply(answer.bids);
      if (!answer.more) return true;
    }
    return true;
  }

  private receive(items: (LiveEntry | PublicEntry | BidEntry)[]): void {
    const sorted = [...items].sort((a, b) => a.seq - b.seq);
    const fresh = sorted.filter((e) => e.seq > this.lastSeq);
    if (!fresh.length) return;
    if (fresh[0].seq !== this.lastSeq + 1) {
      void this.sync();
      return;
    }
    this.apply(fresh);
  }

  /** A few time exchanges; the one with the shortest round trip gives the offset. */
  private async measureClock(): Promise<void> {
    let best: { rtt: number; offset: number } | undefined;
    for (let i = 0; i < 3 && this.socket?.connected; i++) {
      const sent = Date.now();
      const answer = await this.socket
        .timeout(4000)
        .emitWithAck('time', { clientSentAt: sent })
        .catch(() => undefined);
      const received = Date.now();
      if (!answer || !answer.ok) continue;
      const rtt = received - sent;
      const offset = answer.serverTimeMs - (sent + received) / 2;
      if (!best || rtt < best.rtt) best = { rtt, offset };
    }
    if (best) this.offsetMs = best.offset;
  }
}
