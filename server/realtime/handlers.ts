// The client → server events of one socket: watch, unwatch, sync, bid and time. Each payload is
// validated with zod; each answer is an ack in the one envelope of ./events.ts, whose error is made by
// the HTTP API's own mapping (server/http/error-body.ts): the same failure gives the same error over
// either. A handler never throws into socket.io: an unexpected failure is logged and answered as the
// HTTP API's onError would (UNAVAILABLE when the database is down, INTERNAL otherwise).
import type { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { BidAck, BidService } from '../bidding/types.ts';
import type { Person } from '../identity/person.ts';
import { getPublicLot } from '../auctions/public-lot.ts';
import { listEntries, type PublicLedgerEntry } from '../bidding/ledger-queries.ts';
import { invalid, refuse, type Failure } from '../shared/errors.ts';
import { fieldErrorsOf } from '../shared/field-errors.ts';
import { requireLevel } from '../identity/authorize.ts';
import { errorAnswer, errorObject } from '../http/error-body.ts';
import { isUnavailable, withDeadline } from '../shared/unavailable.ts';
import type { ShedReason } from '../bidding/shed-reasons.ts';
import type { Ack, AckError, ClientToServerEvents } from './events.ts';
import type { GatewaySocket } from './gateway.ts';
import { bidSchema, sealedBidSchema, syncSchema, timeSchema, watchSchema } from './payloads.ts';
import type { SealedBidAck } from '../sealed/schemas.ts';
import type { Result } from '../shared/errors.ts';
import { lotRoom } from './rooms.ts';
import type { SnapshotReader } from './snapshots.ts';
import type { BidCredentials } from './socket-people.ts';
import type { BidAdmission } from '../bidding/admission.ts';
import { presenceOf } from '../attendance/presence.ts';
import { clientOfSocket } from '../supervision/client-hash.ts';
import { noteClient, type ActingAs } from '../supervision/client-sightings.ts';

export interface HandlerLimits {
  /** Lots one socket may watch at once. */
  maxWatchedLots: number;
  /** Entries in a watch snapshot. */
  snapshotEntries: number;
  /** Entries in one sync answer (more: true past it). */
  syncMaxEntries: number;
}

export interface HandlerDeps {
  ctx: AppContext;
  bids: BidService;
  /** The door new bids pass first (sheds a share while the process cannot keep up). */
  admission?: BidAdmission;
  limits: HandlerLimits;
  snapshots: SnapshotReader;
  /** Called once a watcher's snapshot is read: the lot stream may start writing from its seq. */
  primed(lotId: number, seq: number): void;
  /** The socket's person for a bid, its credentials checked again before the deadline (performance.now() ms). */
  personForBid(socket: GatewaySocket, deadline: number): Promise<BidCredentials>;
  /** Counts a bid refused for the platform's own reasons before it reached the bid engine. */
  onBidShed?(lotId: number, reason: ShedReason): void;
  /** Submits a sealed bid (the sealed module's service, as POST /api/lots/:id/sealed-bids does). */
  sealed?: SealedBids;
}

export type SealedBids = (
  person: Person,
  lotId: number,
  amount: number,
  onBehalfOf?: string,
) => Promise<Result<SealedBidAck>>;

const SYNC_PAGE = 1_000;

type Reply = (answer: unknown) => void;

/** A failed ack: the error object an HTTP error body would carry for the same failure. */
const failure = (f: Failure): { ok: false; error: AckError } => ({ ok: false, error: errorObject(f) });

/**
 * Registers one event: the ack (when the client sent one) is taken from the last argument, the
 * payload from the first, validated, and the handler's answer (or failure) is sent back once.
 */
function on<T>(
  socket: GatewaySocket,
  deps: HandlerDeps,
  event: keyof ClientToServerEvents,
  schema: z.ZodType<T>,
  handle: (input: T) => Promise<Ack<object>>,
): void {
  (socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(
    event,
    (...args: unknown[]) => {
      const reply: Reply = typeof args[args.length - 1] === 'function' ? (args.pop() as Reply) : () => {};
      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) return reply(failure(invalid(fieldErrorsOf(parsed.error, args[0]))));
      // Answered within the event's bound, like an HTTP request: a bid within BID_TIMEOUT_MS (the bid
      // engine answers by then itself), anything else within REQUEST_TIMEOUT_MS.
      const { bidTimeoutMs, requestTimeoutMs } = deps.ctx.config.limits;
      const bound = event === 'bid' ? bidTimeoutMs + 100 : requestTimeoutMs;
      withDeadline(handle(parsed.data), bound, `socket ${event}`).then(reply, (err: unknown) => {
        const down = isUnavailable(err);
        if (down) deps.ctx.database.health.report(err);
        deps.ctx.log[down ? 'warn' : 'error']({ err, event, socket: socket.id }, 'realtime handler failed');
        reply({
          ok: false,
          error: errorAnswer(err, { unavailableReason: event === 'bid' ? 'unknown_outcome' : 'unavailable' }).error,
        });
      });
    },
  );
}

const NOT_FOUND = (): { ok: false; error: AckError } => failure(refuse('lot_not_found'));

/** Every entry after afterSeq, paged internally, up to the cap. */
async function entriesAfter(
  deps: HandlerDeps,
  lotId: number,
  afterSeq: number,
): Promise<{ bids: PublicLedgerEntry[]; more: boolean }> {
  const bids: PublicLedgerEntry[] = [];
  let after = afterSeq;
  for (;;) {
    const want = Math.min(SYNC_PAGE, deps.limits.syncMaxEntries - bids.length);
    const page = await listEntries(deps.ctx.db, lotId, after, want);
    bids.push(...page);
    if (page.length < want) return { bids, more: false };
    if (bids.length >= deps.limits.syncMaxEntries) return { bids, more: true };
    after = page[page.length - 1].seq;
  }
}

export function registerHandlers(socket: GatewaySocket, deps: HandlerDeps): void {
  const { ctx, limits } = deps;
  const watching = socket.data.watching;

  const seenFrom = (lotId: number, pid: string, acting: ActingAs): void =>
    noteClient(ctx, lotId, pid, acting, clientOfSocket(socket.data.credentials.ip, socket.handshake.headers.cookie));

  on(socket, deps, 'watch', watchSchema, async ({ lotId }) => {
    const already = watching.has(lotId);
    if (!already && watching.size >= limits.maxWatchedLots)
      return failure(refuse('watch_limit', { max: limits.maxWatchedLots }));
    // Reserved before any await so that concurrent watches cannot pass the cap together. Joined
    // before reading: every entry committed after the read is then broadcast to this socket.
    watching.add(lotId);
    await socket.join(lotRoom(lotId));
    const forget = async (): Promise<void> => {
      if (already) return;
      watching.delete(lotId);
      await socket.leave(lotRoom(lotId));
    };
    let snapshot;
    try {
      snapshot = await deps.snapshots.read(lotId);
    } catch (err) {
      await forget();
      throw err;
    }
    if (!snapshot) {
      await forget();
      return NOT_FOUND();
    }
    deps.primed(lotId, snapshot.lot.seq);
    // A signed-in watch in the bidding window is attendance (server/attendance; noted in memory).
    const person = socket.data.person;
    if (person) {
      presenceOf(ctx).seenOn(snapshot.lot, person.pid, ctx.clock.now());
      // Live supervision: the client a registrant watches from (keyed hashes, in memory until flushed).
      seenFrom(lotId, person.pid, { as: 'any' });
    }
    return { ok: true, ...snapshot };
  });

  on(socket, deps, 'unwatch', watchSchema, async ({ lotId }) => {
    watching.delete(lotId);
    await socket.leave(lotRoom(lotId));
    return { ok: true };
  });

  on(socket, deps, 'sync', syncSchema, async ({ lotId, afterSeq }) => {
    if (!watching.has(lotId) && !(await getPublicLot(ctx, lotId))) return NOT_FOUND();
    return { ok: true, ...(await entriesAfter(deps, lotId, afterSeq)) };
  });

  /** The socket's person, checked again for a bid as the HTTP routes check theirs (level 2). */
  const bidder = async (lotId: number, deadline: number): Promise<Result<Person> | { ok: false; error: AckError }> => {
    const who = await deps.personForBid(socket, deadline);
    if (!who.ok) {
      if (who.shed) deps.onBidShed?.(lotId, who.shed);
      return { ok: false, error: who.error };
    }
    return requireLevel(who.person, 2);
  };
  const asAck = (r: Failure | { ok: false; error: AckError }): { ok: false; error: AckError } =>
    'error' in r ? r : failure(r);

  const placeBid = async (
    lotId: number,
    amount: number,
    idempotencyKey: string | undefined,
    onBehalfOf: string | undefined,
  ): Promise<Ack<{ bid: BidAck }>> => {
    // One deadline for the whole bid: the credentials check and the bid engine share it.
    const deadline = performance.now() + ctx.config.limits.bidTimeoutMs;
    const who = await bidder(lotId, deadline);
    if (!who.ok) return asAck(who);
    const person: Person = who.value;
    seenFrom(lotId, person.pid, onBehalfOf ? { as: 'organisation', identifier: onBehalfOf } : { as: 'own' });
    const result = await deps.bids.place({ lotId, person, amount, idempotencyKey, onBehalfOf, deadline });
    if (!result.ok) return failure(result);
    return { ok: true, bid: result.value };
  };

  on(socket, deps, 'bid', bidSchema, async ({ lotId, amount, idempotencyKey, onBehalfOf }) => {
    const done = deps.admission ? deps.admission.admit(lotId) : () => {};
    if (!done) return failure(refuse('overloaded'));
    try {
      return await placeBid(lotId, amount, idempotencyKey, onBehalfOf);
    } finally {
      done();
    }
  });

  on(socket, deps, 'sealedBid', sealedBidSchema, async ({ lotId, amount, onBehalfOf }) => {
    const who = await bidder(lotId, performance.now() + ctx.config.limits.bidTimeoutMs);
    if (!who.ok) return asAck(who);
    if (!deps.sealed) return failure(refuse('not_sealed_lot'));
    const result = await deps.sealed(who.value, lotId, amount, onBehalfOf);
    return result.ok ? { ok: true, sealedBid: result.value } : failure(result);
  });

  on(socket, deps, 'time', timeSchema, async ({ clientSentAt }) => {
    const now = ctx.clock.now();
    return { ok: true, clientSentAt, serverTime: now.toISOString(), serverTimeMs: now.getTime() };
  });
}
