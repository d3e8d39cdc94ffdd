// The socket.io event map shared by the server and the web app. TYPES ONLY: the web app imports this
// file with `import type`, so nothing here may exist at runtime (no values, no zod schemas; the
// gateway's validation lives in ./payloads.ts). Payloads reuse the REST shapes: PublicLot is the body
// of GET /api/lots/:id, ledger entries are the items of GET /api/lots/:id/bids, and a bid's answer is
// the body of a 201 from POST /api/lots/:id/bids.
//
// Every acknowledgement has one envelope, discriminated by `ok`:
//   success  {ok: true, ...data}
//   failure  {ok: false, error: {code, message, reason?, params?, fields?, fieldErrors?}}
//            (exactly the HTTP error body's `error`, made by the same mapping)
// so `bid`'s ack is {ok:true, bid:{seq, amount, bidderCode, placedAt}} where HTTP answers 201 with
// that `bid` object, and {ok:false, error} where HTTP answers with {"error": error} and the status
// ERROR_STATUS[error.code].
//
// Ordering and resync (DESIGN.md §3 invariant 3): every `bid`, `bids` and `lot` event carries the
// lot's `seq`. Per lot and per socket, entries arrive in seq order without duplicates among
// broadcasts; a broadcast may overlap the `watch` snapshot (entries committed while the snapshot was
// read), so clients merge by seq and ignore seqs they already hold. A client that sees a gap
// (an entry whose seq is not last+1) or reconnects calls `sync({lotId, afterSeq: last})`. Broadcasts
// for a lot may arrive before the `watch` ack itself (the socket joins the lot before its snapshot is
// read); merge them the same way.
//
// Limits (each refusal is an ack with the error code shown): every event takes tokens from a per-socket
// bucket (burst 60, 20 per second; sync costs 5, watch 2, others 1) → RATE_LIMITED, and a socket that
// keeps flooding is disconnected; at most 20 watched lots per socket → RATE_LIMITED; a payload that
// does not match its type → VALIDATION_FAILED with `fields`; an unknown or draft lot → NOT_FOUND; a
// message over 16 KiB (the handshake and its token included) closes that connection. With several
// processes (REDIS_URL) only the WebSocket transport is offered: connect with transports: ['websocket'].
//
// Signed-in sockets end with their credentials: the server disconnects (reason "io server disconnect",
// after which socket.io clients do not reconnect by themselves) a browser session's sockets when it
// signs out or expires, a person's sockets when their roles change, and a token's socket at its `exp`.
// Reconnect with the credentials held now (a fresh token, or the cookie: anonymous after sign-out).
// Every bid checks the credentials again: one that no longer checks out gets UNAUTHENTICATED and the
// socket is disconnected after that answer; a check the database cannot answer gets UNAVAILABLE (the
// bid was not placed).
import type { PublicLot } from '../auctions/public-lot.ts';
import type { PublicLedgerEntry } from '../bidding/ledger-queries.ts';
import type { BidAck } from '../bidding/types.ts';
import type { SealedBidAck } from '../sealed/schemas.ts';
import type { LotRegistrationItem } from '../auctions/registration-reads.ts';
import type { Person } from '../identity/person.ts';
import type { ErrorCode, ErrorObject } from '../shared/errors.ts';
import type { LotChange, PersonalEvent, PublicEntry } from '../shared/events.ts';

export type { PublicLot, PublicLedgerEntry, PublicEntry, BidAck, ErrorCode, PersonalEvent };

/** Exactly the `error` of the HTTP error body for the same failure (server/http/error-body.ts). */
export type AckError = ErrorObject;

/** The acknowledgement envelope of every client → server event. */
export type Ack<T extends object> = ({ ok: true } & T) | { ok: false; error: AckError };

export interface WatchRequest {
  lotId: number;
}
/** `watch` answers with the lot as GET /api/lots/:id shows it and its latest ledger entries. */
export interface WatchSnapshot {
  lot: PublicLot;
  /** The latest entries (at most 50), in seq order; older ones come from `sync` or GET /api/lots/:id/bids. */
  bids: PublicLedgerEntry[];
  /** The official server time (ISO-8601 UTC) when the snapshot was taken. */
  serverTime: string;
}

export interface SyncRequest {
  lotId: number;
  /** The last seq the client holds (0 for none). */
  afterSeq: number;
}
export interface SyncResult {
  /** Every entry with seq > afterSeq, in seq order (at most 5,000 per answer; see `more`). */
  bids: PublicLedgerEntry[];
  /** True when the answer was cut at the cap: call sync again from the last seq received. */
  more: boolean;
}

export interface BidRequest {
  lotId: number;
  /** Integer VND. */
  amount: number;
  /**
   * Retrying with the same key returns the first answer and never places a second bid. Optional as
   * the HTTP Idempotency-Key header is, but a client that may resend after a reconnect should send one.
   */
  idempotencyKey?: string;
  /** Act for this organisation's registration (its e-ID identifier; issue 19); absent: your own. */
  onBehalfOf?: string;
}
export interface BidResult {
  bid: BidAck;
}

/** A sealed bid on a sealed lot: the body of POST /api/lots/:id/sealed-bids, with the lot. */
export interface SealedBidRequest {
  lotId: number;
  /** Integer VND. */
  amount: number;
  /** An organisation's registration (its e-ID identifier; issue 19); absent: your own. */
  onBehalfOf?: string;
}
/** The 201 body of POST /api/lots/:id/sealed-bids: the receipt, the commitment, whether it replaced one. */
export interface SealedBidResult {
  sealedBid: SealedBidAck;
}

export interface TimeRequest {
  /** The client's clock (ms since the epoch) when it sent the request; echoed back. */
  clientSentAt: number;
}
/**
 * offset ≈ serverTimeMs − (clientSentAt + clientReceivedAt) / 2; take the sample with the smallest
 * round trip of a few.
 */
export interface TimeResult {
  clientSentAt: number;
  serverTime: string;
  serverTimeMs: number;
}

/**
 * A lot's state change: extension (soft close), a withdrawal, close, failure, cancellation, going live.
 * Sent after every entry up to its seq; after a close, failure or cancellation nothing more is sent
 * about the lot. It carries the lot's state at that seq as the server computes it, under the names of
 * GET /api/lots/:id: the standing state (`currentPrice`, `highestBidderCode`, `minNextBid`: after a
 * withdrawal, the standing bid the price fell back to), the cancellation's `cancelReason`, and at the
 * close `finalPrice` and `winnerBidderCode`. A client that has applied entries beyond `seq` already
 * holds a newer standing state (each accepted bid stands at its seq) and keeps it. Its fields are the
 * domain event's (shared/events.ts, LotChange): written once.
 */
export type LotEvent = LotChange;

/**
 * A ledger entry as broadcast (`bid`, the items of `bids`): the public entry and, for an accepted bid,
 * the lowest amount the next bid may be now that it stands (`minNextBid`, as GET /api/lots/:id would
 * say it at that seq), so a client never works it out. A withdrawal carries none: the `lot` event that
 * follows it says what stands. Rarely (terms read before registration opened and not yet read again)
 * a bid goes out without it; the client then reads the lot.
 */
export type LiveEntry = PublicEntry & { minNextBid?: number };

export interface BidsEvent {
  lotId: number;
  /** Consecutive entries of one lot, in seq order. */
  items: LiveEntry[];
}

export type OutbidEvent = Extract<PersonalEvent, { type: 'outbid' }>;
export type WonEvent = Extract<PersonalEvent, { type: 'won' }>;
export type LostEvent = Extract<PersonalEvent, { type: 'lost' }>;
export type RegistrationEvent = Extract<PersonalEvent, { type: 'registration' }>;

/**
 * To the sockets of a lot's own manager (signed in with the manager role) only, never to the lot's
 * watchers: someone registered, or a registration's status or deposit state changed (a deposit
 * confirmed). `registration` is an item of GET /api/lots/:id/registrations as the manager gets it
 * before the lot has ended: bidder code, status, deposit state and times, never pid or name. Events
 * missed while disconnected are not replayed: read that list again after reconnecting.
 */
export interface LotRegistrationEvent {
  lotId: number;
  registration: LotRegistrationItem;
}

export interface ServerToClientEvents {
  /** One accepted ledger entry (a bid, or a withdrawal with kind 'withdrawal'). */
  bid: (entry: LiveEntry) => void;
  /** Several consecutive entries of one lot, coalesced; clients treat them like as many `bid`s. */
  bids: (batch: BidsEvent) => void;
  lot: (change: LotEvent) => void;
  /**
   * Personal events, only to the signed-in person's own sockets (on any process). They are not ordered
   * with the lot's broadcasts: an `outbid` may arrive before the `bid` that caused it, and carries its seq.
   */
  outbid: (event: OutbidEvent) => void;
  won: (event: WonEvent) => void;
  lost: (event: LostEvent) => void;
  registration: (event: RegistrationEvent) => void;
  /** To the lot's manager only (see LotRegistrationEvent). */
  lotRegistration: (event: LotRegistrationEvent) => void;
}

export interface ClientToServerEvents {
  watch: (request: WatchRequest, ack: (answer: Ack<WatchSnapshot>) => void) => void;
  unwatch: (request: WatchRequest, ack?: (answer: Ack<object>) => void) => void;
  sync: (request: SyncRequest, ack: (answer: Ack<SyncResult>) => void) => void;
  bid: (request: BidRequest, ack: (answer: Ack<BidResult>) => void) => void;
  /** A sealed lot's sealed bid, as POST /api/lots/:id/sealed-bids (the same refusals and answer). */
  sealedBid: (request: SealedBidRequest, ack: (answer: Ack<SealedBidResult>) => void) => void;
  time: (request: TimeRequest, ack: (answer: Ack<TimeResult>) => void) => void;
}

/** What the handshake may carry: `auth: {token}` (an e-ID token); browsers send their session cookie. */
export interface HandshakeAuth {
  token?: string;
}

/** Per-socket data on the server. */
export interface SocketData {
  person?: Person;
  /** The browser session the socket stands for (its id hash), when it authenticated with one. */
  sessionIdHash?: string;
  /** When the handshake's token expires (ms since the epoch); the socket is disconnected then. */
  expiresAtMs?: number;
  /** The handshake's credentials, kept to check them again before every bid. */
  credentials: { token?: unknown; cookieHeader?: string; ip: string };
  watching: Set<number>;
}

export interface InterServerEvents {
  /** Committed ledger entries relayed from the process that committed them. */
  'rt:entries': (payload: { lotId: number; entries: PublicEntry[] }) => void;
  /** A lot change relayed from the process that made it. */
  'rt:lot': (change: LotChange) => void;
  /** A person's roles or memberships changed on another process: drop them from the person cache. */
  'rt:person': (payload: { pid: string }) => void;
}
