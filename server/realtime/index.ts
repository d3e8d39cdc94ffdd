// The realtime gateway: socket.io on the platform's HTTP server (DESIGN.md §5). Anonymous sockets may
// watch lots; authenticated ones also bid and receive personal events in a room of their own.
// Broadcasts come only from the post-commit domain events (ctx.events), never from a request path,
// so nothing is announced before it is durable. Committed entries and lot changes are relayed to the
// other processes through the adapter (Redis when REDIS_URL is set) and every process writes them to
// its own watchers in seq order per lot (./lot-streams.ts); personal events go through the adapter to
// the person's room on whichever process holds their sockets. Redis delivers at most once, so with
// several processes the catch-up (./catch-up.ts) repairs from the ledger what a Redis outage lost.
// A signed-in socket ends with its credentials (sign-out, expiry, a role change): ./socket-people.ts.
import type http from 'node:http';
import { Server } from 'socket.io';
import type { AppContext } from '../context.ts';
import type { Identity } from '../identity/index.ts';
import type { BidService } from '../bidding/types.ts';
import type { ShedReason } from '../bidding/shed-reasons.ts';
import { listEntries } from '../bidding/ledger-queries.ts';
import type { LotChange, PublicEntry } from '../shared/events.ts';
import type { LotEvent } from './events.ts';
import type { GatewayServer } from './gateway.ts';
import { attachAdapter } from './adapter.ts';
import { authenticateSocket, credentialsOf, HandshakeError } from './auth.ts';
import { SocketPeople } from './socket-people.ts';
import { registerHandlers, type HandlerLimits, type SealedBids } from './handlers.ts';
import { LOT_ROOM_PREFIX, lotRoom, personRoom } from './rooms.ts';
import { LotStreams } from './lot-streams.ts';
import { FanOut } from './fan-out.ts';
import { BusyFactor } from './busy-factor.ts';
import type { BidAdmission } from '../bidding/admission.ts';
import { eventCost, TokenBucket, type RateLimitOptions } from './rate-limit.ts';
import { SnapshotReader } from './snapshots.ts';
import { CatchUp } from './catch-up.ts';
import { readLotHeads } from './lot-heads.ts';
import { LotTerms, readTerms } from './lot-terms.ts';
import { startManagerFeed } from './manager-feed.ts';
import { refuse } from '../shared/errors.ts';
import { errorObject } from '../http/error-body.ts';

export interface Realtime {
  io: GatewayServer;
  adapter: 'memory' | 'redis';
  /** Whether Redis carries broadcasts now ('off' without REDIS_URL); for /api/health's body. */
  redis(): 'up' | 'down' | 'off';
  close(): Promise<void>;
}

export interface RealtimeOptions extends Partial<HandlerLimits> {
  /**
   * Coalescing tick per lot (ms): `min` for small rooms, growing by 1 ms per `watchersPerMs` local
   * watchers of the lot up to `max`. Each message to a room costs one write (a system call) per
   * watcher, so big rooms get fewer, larger messages. Measured with 2,000 watchers at 1,000 bids/s
   * on 2 cores (bench/results/experiments-2026-11-22.md): a 25 ms tick spent about half the server's
   * CPU on writes and left every latency worse than 50 ms does; 75 ms bought little more.
   */
  coalesceMs?: { min: number; max: number; watchersPerMs: number };
  /** How long an out-of-order entry waits for the missing ones before the ledger is read (ms). */
  gapTimeoutMs?: number;
  rateLimit?: RateLimitOptions;
  /** Largest accepted socket.io message, the handshake (with its e-ID token) included. */
  maxHttpBufferSize?: number;
  /** Sockets written per turn of the event loop when a message goes to a big room (./fan-out.ts). */
  fanOutSlice?: number;
  /** With Redis: how often watched lots are compared with the ledger while Redis is down, and while up (ms). */
  catchUpMs?: { down: number; up: number };
}

export const REALTIME_DEFAULTS = {
  coalesceMs: { min: 10, max: 50, watchersPerMs: 40 },
  gapTimeoutMs: 150,
  fanOutSlice: 200,
  catchUpMs: { down: 1_000, up: 5_000 },
  maxWatchedLots: 20,
  snapshotEntries: 50,
  syncMaxEntries: 5_000,
  maxHttpBufferSize: 16 * 1024,
  rateLimit: { burst: 60, perSecond: 20, disconnectAfterRefused: 200 },
} as const;

export interface RealtimeDeps {
  identity: Identity;
  bids: BidService;
  /** The door new bids pass first (sheds a share while the process cannot keep up). */
  admission?: BidAdmission;
  /** Counts a socket bid refused for the platform's own reasons before it reached the bid engine. */
  onBidShed?: (lotId: number, reason: ShedReason) => void;
  /** Sealed bids over the socket (`sealedBid`). */
  sealed?: SealedBids;
}

export async function createRealtime(
  ctx: AppContext,
  server: http.Server,
  deps: RealtimeDeps,
  options: RealtimeOptions = {},
): Promise<Realtime> {
  const o = { ...REALTIME_DEFAULTS, ...options };
  const multiProcess = Boolean(ctx.config.redisUrl);
  const io: GatewayServer = new Server(server, {
    serveClient: false,
    maxHttpBufferSize: o.maxHttpBufferSize,
    connectTimeout: 10_000,
    // Several processes: WebSocket only, so a load balancer needs no sticky sessions (long-polling
    // sends each request of one session separately, and they must all reach the same process).
    transports: multiProcess ? ['websocket'] : ['polling', 'websocket'],
    cors: ctx.config.corsOrigins.length ? { origin: ctx.config.corsOrigins, credentials: true } : undefined,
  });
  const adapter = await attachAdapter(io, {
    redisUrl: ctx.config.redisUrl,
    keyPrefix: ctx.config.redisKeyPrefix,
    log: ctx.log,
  });

  const nsp = io.of('/');
  const fanOut = new FanOut(nsp, { sliceSize: o.fanOutSlice });
  // An overloaded process coalesces longer, leaving the event loop to the bids (./busy-factor.ts).
  const busy = new BusyFactor();
  // Each accepted bid goes out with the next minimum (./lot-terms.ts).
  const terms = new LotTerms({ read: (lotId) => readTerms(ctx.db, lotId, ctx.clock.now()), log: ctx.log });
  const streams = new LotStreams({
    coalesceMs: (lotId) => {
      const watchers = nsp.adapter.rooms.get(lotRoom(lotId))?.size ?? 0;
      return (
        Math.min(o.coalesceMs.max, Math.max(o.coalesceMs.min, watchers / o.coalesceMs.watchersPerMs)) * busy.value()
      );
    },
    gapTimeoutMs: o.gapTimeoutMs,
    log: ctx.log,
    emitEntries: (lotId, entries) => {
      const items = terms.live(lotId, entries);
      if (items.length === 1) fanOut.emit(lotRoom(lotId), 'bid', items[0]);
      else fanOut.emit(lotRoom(lotId), 'bids', { lotId, items });
    },
    emitLot: (change) => {
      catchUp?.written(change);
      const event: LotEvent = {
        lotId: change.lotId,
        status: change.status,
        endsAt: change.endsAt,
        currentPrice: change.currentPrice,
        highestBidderCode: change.highestBidderCode,
        minNextBid: change.minNextBid,
        nextPriceAt: change.nextPriceAt,
        nextPrice: change.nextPrice,
        round: change.round,
        biddingOpen: change.biddingOpen,
        ended: change.ended,
        seq: change.seq,
        reason: change.reason,
        cancelReason: change.cancelReason,
        finalPrice: change.finalPrice,
        winnerBidderCode: change.winnerBidderCode,
        award: change.award,
        suspendedAt: change.suspendedAt,
        suspensionReason: change.suspensionReason,
        rerunOf: change.rerunOf,
        rerunAs: change.rerunAs,
      };
      fanOut.emit(lotRoom(change.lotId), 'lot', event);
    },
    readEntries: (lotId, afterSeq, limit) => listEntries(ctx.db, lotId, afterSeq, limit),
  });
  const link = adapter.link;
  const catchUp = link
    ? new CatchUp({
        streams,
        readHeads: (lotIds) => readLotHeads(ctx.db, lotIds, ctx.clock.now()),
        log: ctx.log,
        downPollMs: o.catchUpMs.down,
        sweepMs: o.catchUpMs.up,
      })
    : undefined;
  const relay = adapter.kind === 'redis';
  const people = new SocketPeople({ ctx, identity: deps.identity, nsp, relay, redis: () => link?.state() ?? 'off' });
  const offLink =
    link && catchUp
      ? [
          link.onState((state) => {
            catchUp.setState(state);
            // Sign-outs elsewhere may not have been relayed meanwhile.
            if (state === 'up') people.recheckAll();
          }),
          link.onRepairRequest(() => {
            void catchUp.runNow();
            people.recheckAll();
          }),
        ]
      : [];
  // A lot stream lives exactly as long as the lot's room has a socket in this process.
  nsp.adapter.on('create-room', (room: string) => {
    if (room.startsWith(LOT_ROOM_PREFIX)) streams.open(Number(room.slice(LOT_ROOM_PREFIX.length)));
  });
  nsp.adapter.on('delete-room', (room: string) => {
    if (!room.startsWith(LOT_ROOM_PREFIX)) return;
    const lotId = Number(room.slice(LOT_ROOM_PREFIX.length));
    streams.drop(lotId);
    terms.drop(lotId);
    catchUp?.drop(lotId);
  });

  // Post-commit events of this process: written here, and relayed to the other processes.
  const unsubscribe = [
    ctx.events.on('entries', ({ lotId, entries }) => {
      streams.entries(lotId, entries);
      if (relay) io.serverSideEmit('rt:entries', { lotId, entries });
    }),
    ctx.events.on('lot', (change) => {
      streams.lot(change);
      if (relay) io.serverSideEmit('rt:lot', change);
    }),
    ctx.events.on('personal', ({ pid, event }) => {
      // Through the adapter: the person's sockets may be on any process.
      io.to(personRoom(pid)).emit(event.type, event as never);
    }),
    // A sign-out or a role change: that session's or person's sockets end, on every process. Each
    // process also keeps a person's roles for a few seconds (PersonCache): the others drop theirs
    // now, so that behind a load balancer the person's next request (a manager just added creating
    // a lot, an admin just revoked) does not meet the old roles on another process.
    ctx.events.on('access-changed', (change) => {
      people.revoke(change);
      if (relay && change.kind === 'person') io.serverSideEmit('rt:person', { pid: change.pid });
    }),
    // Registrations to the lot's own manager only (./manager-feed.ts).
    startManagerFeed(ctx, io),
  ];
  io.on('rt:entries', (payload: { lotId: number; entries: PublicEntry[] }) =>
    streams.entries(payload.lotId, payload.entries),
  );
  io.on('rt:lot', (change: LotChange) => streams.lot(change));
  io.on('rt:person', ({ pid }: { pid: string }) => deps.identity.personCache.invalidate(pid));

  const snapshots = new SnapshotReader(ctx, {
    entries: o.snapshotEntries,
    onLot: (lot) =>
      terms.saw(lot.id, {
        startingPrice: lot.startingPrice,
        priceStep: lot.priceStep,
        ascending: lot.method === 'ascending',
        final: !lot.managerActions.edit,
      }),
  });
  io.use((socket, next) => {
    const credentials = credentialsOf(ctx, socket);
    socket.data.credentials = credentials;
    authenticateSocket(deps.identity, credentials).then(
      (auth) => {
        if (!auth.ok) return next(new HandshakeError(errorObject(auth)));
        // Connection budgets per person (signed in) or per address (anonymous): issue 13, item 4.
        const { person } = auth.value;
        const wait = deps.identity.admitSocket(credentials.ip, person?.pid);
        if (wait)
          return next(
            new HandshakeError(
              errorObject(
                refuse('rate_limited', {
                  retryAfterSeconds: wait,
                  what: 'connections',
                  from: person ? 'for this account' : 'from this address',
                }),
              ),
            ),
          );
        people.adopt(socket, auth.value);
        next();
      },
      (err: unknown) => {
        ctx.log.error({ err }, 'realtime: handshake authentication failed');
        next(new HandshakeError(errorObject(refuse('unavailable'))));
      },
    );
  });

  io.on('connection', (socket) => {
    socket.data.watching = new Set();
    people.connected(socket);
    const bucket = new TokenBucket(o.rateLimit);
    socket.use((packet, next) => {
      const decision = bucket.take(eventCost(packet[0]));
      if (decision === 'allow') return next();
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function')
        (ack as (a: unknown) => void)({ ok: false, error: errorObject(refuse('too_many_messages')) });
      if (decision === 'disconnect') {
        ctx.log.warn({ socket: socket.id, pid: socket.data.person?.pid }, 'realtime: disconnecting a flooding socket');
        socket.disconnect(true);
      }
    });
    socket.on('error', (err) => ctx.log.debug({ err, socket: socket.id }, 'realtime socket error'));
    registerHandlers(socket, {
      ctx,
      bids: deps.bids,
      admission: deps.admission,
      limits: o,
      snapshots,
      primed: (lotId, seq) => {
        streams.prime(lotId, seq);
        catchUp?.primed(lotId);
      },
      personForBid: (s, deadline) => people.forBid(s, deadline),
      onBidShed: deps.onBidShed,
      sealed: deps.sealed,
    });
  });

  let closing: Promise<void> | undefined;
  return {
    io,
    adapter: adapter.kind,
    redis: () => link?.state() ?? 'off',
    close: () =>
      (closing ??= (async () => {
        for (const off of [...unsubscribe, ...offLink]) off();
        catchUp?.close();
        people.close();
        streams.close();
        fanOut.close();
        busy.close();
        // io.close() disconnects every socket, closes the engine and the adapter (unsubscribing from
        // Redis); the HTTP server itself is closed by the platform.
        // Bounded: with Redis unreachable the adapter's unsubscribe would wait for a reconnection.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 3_000);
          void io.close(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        await adapter.close();
      })()),
  };
}
