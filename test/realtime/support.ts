// Test helpers for the realtime gateway: typed socket.io clients, and a watcher that keeps what a
// browser keeps (the snapshot, then every `bid`/`bids` merged by seq, and `lot` events), so tests can
// check order, gaps and convergence on the ledger.
import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ClientToServerEvents,
  LotEvent,
  PublicEntry,
  ServerToClientEvents,
  WatchSnapshot,
} from '../../server/realtime/events.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects over WebSocket (the transport used with several processes); rejects on connect_error. */
export function connect(
  base: string,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<ClientSocket> {
  const socket: ClientSocket = io(base, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: options.token ? { token: options.token } : {},
    extraHeaders: options.headers,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Emits an event and resolves with its ack (sockets are typed; payloads may be deliberately wrong). */
export function request<T extends object = Record<string, unknown>>(
  socket: ClientSocket,
  event: string,
  ...args: unknown[]
): Promise<Ack<T>> {
  return (
    socket as unknown as { timeout(ms: number): { emitWithAck(event: string, ...a: unknown[]): Promise<Ack<T>> } }
  )
    .timeout(10_000)
    .emitWithAck(event, ...args);
}

export function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (condition()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(check, 10);
    };
    check();
  });
}

/**
 * What one watcher of one lot saw. Broadcast entries are recorded in arrival order (to check that
 * they came in seq order without gaps or repeats), and merged by seq with the snapshot and any
 * sync answers into `ledger`, as a browser would.
 */
export class Watcher {
  readonly socket: ClientSocket;
  readonly lotId: number;
  /** Seqs of broadcast entries, in arrival order. */
  readonly arrivals: number[] = [];
  readonly lotEvents: LotEvent[] = [];
  /** Number of socket messages that carried entries (`bid` or `bids`). */
  messages = 0;
  readonly ledger = new Map<number, PublicEntry>();
  snapshot?: WatchSnapshot;

  constructor(socket: ClientSocket, lotId: number) {
    this.socket = socket;
    this.lotId = lotId;
    socket.on('bid', (e) => this.receive([e]));
    socket.on('bids', (b) => {
      if (b.lotId === lotId) this.receive(b.items);
    });
    socket.on('lot', (l) => {
      if (l.lotId === lotId) this.lotEvents.push(l);
    });
  }

  private receive(items: PublicEntry[]): void {
    if (items[0]?.lotId !== this.lotId) return;
    this.messages++;
    for (const e of items) {
      this.arrivals.push(e.seq);
      this.ledger.set(e.seq, e);
    }
  }

  async watch(): Promise<WatchSnapshot> {
    const ack = await request<WatchSnapshot>(this.socket, 'watch', { lotId: this.lotId });
    if (!ack.ok) throw new Error(`watch failed: ${ack.error.code} ${ack.error.message}`);
    this.snapshot = ack;
    for (const e of ack.bids) this.ledger.set(e.seq, e);
    return ack;
  }

  /** Asks for everything after `afterSeq` (the last seq it held in order), as a client does after a gap. */
  async resync(afterSeq: number): Promise<void> {
    let after = afterSeq;
    for (;;) {
      const ack = await request<{ bids: PublicEntry[]; more: boolean }>(this.socket, 'sync', {
        lotId: this.lotId,
        afterSeq: after,
      });
      if (!ack.ok) throw new Error(`sync failed: ${ack.error.code}`);
      for (const e of ack.bids) this.ledger.set(e.seq, e);
      if (!ack.more) return;
      after = ack.bids.at(-1)!.seq;
    }
  }

  /** The highest seq n such that the watcher holds every seq from 1 to n. */
  contiguousUpTo(): number {
    let n = 0;
    while (this.ledger.has(n + 1)) n++;
    return n;
  }

  /** Broadcast seqs that did not follow their predecessor (arrivals must be strictly consecutive). */
  orderViolations(): string[] {
    const bad: string[] = [];
    for (let i = 1; i < this.arrivals.length; i++)
      if (this.arrivals[i] !== this.arrivals[i - 1] + 1) bad.push(`${this.arrivals[i - 1]} → ${this.arrivals[i]}`);
    return bad;
  }
}
