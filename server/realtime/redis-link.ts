// Whether this process's Redis connections carry messages right now. node-redis reports a connection
// that dropped (error, reconnecting) but not one that stopped moving bytes (a network partition, a
// frozen Redis): the socket stays "ready" and commands wait for replies that never come. So the link
// also sends itself a probe through Redis every second (publisher → Redis → subscriber) and counts
// Redis as down when one has not come back within a few seconds.
//
// While the link is down:
// - publishes are dropped at once when the publisher may be stalled (see publishAllowed), so nothing
//   piles up behind a dead connection; the publisher then falls idle and its socket timeout makes
//   node-redis reconnect;
// - the catch-up (./catch-up.ts) keeps this process's watchers current from the database.
// When it is up again (both clients ready and a probe came back), this process announces it on a
// shared channel: every process then reads what it may have missed from the ledger, since the
// entries this one committed while down were never relayed.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../shared/log.ts';

export type RedisState = 'up' | 'down';

/** The parts of a node-redis client the link uses. */
export interface LinkClient {
  readonly isReady: boolean;
  on(event: 'ready' | 'error' | 'reconnecting' | 'end', listener: () => void): unknown;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
}

export interface RedisLinkOptions {
  keyPrefix: string;
  log: Logger;
  /** Publishes with the publisher client itself (not through the adapter's guard). */
  publish(channel: string, message: string): Promise<number>;
  /** How often a probe is sent while the link is up (ms). */
  probeMs: number;
  /** A probe not back after this long counts the link as down (ms). */
  probeTimeoutMs: number;
  /**
   * How often a probe is retried while down with both clients ready (ms). Longer than the clients'
   * socket timeout, so that a stalled connection falls idle and is replaced before the next probe.
   */
  downProbeMs: number;
}

export class RedisLink {
  private current: RedisState = 'up';
  private readonly uid = randomBytes(6).toString('hex');
  private readonly probeChannel: string;
  private readonly announceChannel: string;
  private readonly options: RedisLinkOptions;
  private readonly pub: LinkClient;
  private readonly sub: LinkClient;
  private nextProbe = 0;
  /** The newest probe sent and not yet back. */
  private outstanding: { id: number; sentAt: number } | undefined;
  private lastSentAt = 0;
  /** A probe was lost: the publisher may be stalled, so publishes are dropped until one comes back. */
  private stalled = false;
  private downSince = 0;
  private downReason = '';
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly stateListeners = new Set<(state: RedisState) => void>();
  private readonly repairListeners = new Set<() => void>();

  constructor(pub: LinkClient, sub: LinkClient, options: RedisLinkOptions) {
    this.pub = pub;
    this.sub = sub;
    this.options = options;
    this.probeChannel = `${options.keyPrefix}#link#${this.uid}`;
    this.announceChannel = `${options.keyPrefix}#link`;
  }

  /** Subscribes to the probe and announcement channels (the clients are connected) and starts probing. */
  async start(): Promise<void> {
    await this.sub.subscribe(this.probeChannel, (message) => this.onProbe(Number(message)));
    await this.sub.subscribe(this.announceChannel, (message) => {
      if (message !== this.uid) for (const listener of this.repairListeners) listener();
    });
    for (const [name, client] of [
      ['publisher', this.pub],
      ['subscriber', this.sub],
    ] as const) {
      client.on('error', () => this.down(`${name} connection error`));
      client.on('reconnecting', () => this.down(`${name} reconnecting`));
      client.on('end', () => this.down(`${name} closed`));
      client.on('ready', () => {
        if (name === 'publisher') this.stalled = false;
        // A fresh connection: find out at once whether messages flow again.
        if (this.current === 'down') this.probe();
      });
    }
    this.timer = setInterval(() => this.tick(), this.options.probeMs);
    this.timer.unref();
  }

  state(): RedisState {
    return this.current;
  }

  /** False while publishing could only add to a backlog: the publisher is not connected or stalled. */
  publishAllowed(): boolean {
    return this.pub.isReady && !this.stalled;
  }

  /** Called on every change between up and down. */
  onState(listener: (state: RedisState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Called when another process announces that it is back: what it committed meanwhile was not relayed. */
  onRepairRequest(listener: () => void): () => void {
    this.repairListeners.add(listener);
    return () => this.repairListeners.delete(listener);
  }

  /** Something went wrong on the link (a publish failed): down until a probe comes back. */
  fault(reason: string): void {
    this.down(reason);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.stateListeners.clear();
    this.repairListeners.clear();
  }

  private tick(): void {
    if (this.closed) return;
    const now = Date.now();
    const probe = this.outstanding;
    if (probe && now - probe.sentAt > this.options.probeTimeoutMs) {
      // Decided after the event loop's next poll phase: a reply that arrived while this process was
      // busy is read first, so a slow process does not take itself for a dead link.
      setImmediate(() => {
        if (this.closed || this.outstanding !== probe) return;
        this.outstanding = undefined;
        this.stalled = true;
        this.down(`no answer from Redis within ${this.options.probeTimeoutMs} ms`);
      });
      return;
    }
    if (this.outstanding) return;
    if (this.current === 'up' || now - this.lastSentAt >= this.options.downProbeMs) this.probe();
  }

  private probe(): void {
    if (this.closed || !this.pub.isReady || !this.sub.isReady) return;
    const id = ++this.nextProbe;
    const now = Date.now();
    this.outstanding = { id, sentAt: now };
    this.lastSentAt = now;
    this.options.publish(this.probeChannel, String(id)).catch(() => {
      if (this.outstanding?.id === id) this.outstanding = undefined;
      this.down('a probe could not be published');
    });
  }

  private onProbe(id: number): void {
    if (this.outstanding && id >= this.outstanding.id) this.outstanding = undefined;
    // Any probe that made the round trip shows that messages flow now.
    this.stalled = false;
    if (this.current === 'down' && this.pub.isReady && this.sub.isReady) this.up();
  }

  private down(reason: string): void {
    if (this.closed || this.current === 'down') return;
    this.current = 'down';
    this.downSince = Date.now();
    this.downReason = reason;
    this.options.log.warn(
      { reason },
      'realtime: Redis is unreachable; watchers on this process are kept current from the database until it is back',
    );
    this.notify();
  }

  private up(): void {
    this.current = 'up';
    this.options.log.warn(
      { downMs: Date.now() - this.downSince, reason: this.downReason },
      'realtime: Redis is reachable again; catching up with the ledger',
    );
    // Tell the others; if this announcement is lost too, the link goes down again and repeats it.
    this.options
      .publish(this.announceChannel, this.uid)
      .catch(() => this.down('the recovery announcement could not be published'));
    this.notify();
  }

  private notify(): void {
    for (const listener of this.stateListeners) {
      try {
        listener(this.current);
      } catch (err) {
        this.options.log.error({ err }, 'realtime: a Redis state listener failed');
      }
    }
  }
}
