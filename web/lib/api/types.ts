// The shapes of the public HTTP API (DESIGN.md §5) as the pages use them. Money is integer VND;
// times are ISO-8601 UTC strings. Fields beyond the contract are optional: the pages still work
// against a server that does not send them.
export type LotStatus = 'draft' | 'scheduled' | 'live' | 'closed' | 'failed' | 'cancelled';
export type Role = 'manager' | 'regulator' | 'admin';

// The lot and ledger shapes are the server's own REST types (types only: nothing of server/ is bundled).
export type {
  PublicLot as Lot,
  PublicLedgerEntry as BidEntry,
  PublicEntry,
  LotEvent,
  WatchSnapshot,
  SyncResult,
  TimeResult,
  BidResult,
  Ack,
  OutbidEvent,
  WonEvent,
  LostEvent,
  RegistrationEvent,
  ServerToClientEvents,
  ClientToServerEvents,
} from '../../../server/realtime/events.ts';

export interface Me {
  pid: string;
  name: string | null;
  level: 1 | 2;
  roles: Role[];
  csrfToken?: string;
}

export type RegistrationStatus = 'pending_deposit' | 'approved' | 'barred' | 'rejected';
export type DepositState = 'pending' | 'received' | 'refundable' | 'refunded' | 'forfeited' | 'retained';

/** POST /api/lots/:id/registrations → 201. */
export interface Registration {
  id: number;
  lotId: number;
  bidderCode: string;
  status: RegistrationStatus;
  depositState: DepositState;
  rulesVersion: number;
  rulesAcceptedAt: string;
}

/** An item of GET /api/me/registrations. */
export interface MyRegistration extends Registration {
  lot: {
    id: number;
    title: string;
    status: LotStatus;
    startsAt: string;
    endsAt: string;
    currentPrice: number | null;
    finalPrice: number | null;
  };
  leading: boolean;
  outcome: 'won' | 'lost' | 'cancelled' | null;
  bids: { seq: number; amount: number; placedAt: string; status: 'accepted' | 'withdrawn' }[];
}

/**
 * An item of GET /api/lots/:id/registrations (its manager, regulators). pid and name come to
 * regulators, and to the lot's manager only once the lot has ended; identityReads to regulators.
 */
export interface LotRegistration extends Omit<Registration, 'lotId'> {
  pid?: string;
  name?: string | null;
  createdAt: string;
  approvedAt: string | null;
  identityReads?: { at: string; actorPid: string | null; purpose: string }[];
}

export interface LotResult {
  status: LotStatus;
  winnerBidderCode: string | null;
  finalPrice: number | null;
  closedAt: string | null;
}

/** One invalid field of a 422: its code and the parameters its text names (server/shared/field-errors.ts). */
export type ApiFieldError = { code: string } & Record<string, string | number | boolean | null | string[]>;

/**
 * An error body's `error` (and a failed socket ack's): translate by `reason`, else `code`, with
 * `params` (web/lib/server-text.ts); `message` is English. The client adds codes of its own:
 * NETWORK (no connection) and TIMEOUT (no answer in time).
 */
export interface ApiError {
  code: string;
  message: string;
  reason?: string;
  params?: Record<string, string | number | boolean | null | string[]>;
  fields?: Record<string, string>;
  fieldErrors?: Record<string, ApiFieldError>;
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ApiError };
