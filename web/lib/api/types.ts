// The shapes of the public HTTP API (DESIGN.md §5) as the pages use them, under the pages' names.
// Nothing here is written by hand: the REST shapes are the generated types of /api/openapi.json
// (./openapi.d.ts, made from the routes' own zod schemas by server/http/write-openapi-types.ts), and
// the socket.io event map is the server's own (types only: nothing of server/ is bundled). A field
// renamed on the server therefore fails `npm run check` here. Money is integer VND; times are
// ISO-8601 UTC strings.
import type { components } from './openapi';

type Schemas = components['schemas'];

/** GET /api/lots/:id, and the items of GET /api/lots. */
export type Lot = Schemas['Lot'];
export type LotStatus = Lot['status'];
/** An item of GET /api/lots/:id/bids. */
export type BidEntry = Schemas['LedgerEntry'];
/** GET /api/me. */
export type Me = Schemas['Me'];
export type Role = Me['roles'][number];

/** POST /api/lots/:id/registrations → 201 (and the manager's approval). */
export type Registration = Schemas['Registration'];
export type RegistrationStatus = Registration['status'];
export type DepositState = Registration['depositState'];
/** An item of GET /api/me/registrations. */
export type MyRegistration = Schemas['MyRegistration'];
/** A payment instruction (a registration's deposit, the winner's balance). */
export type Payment = Schemas['Payment'];
/** Money owed back, and sent. */
export type Refund = Schemas['Refund'];
/** GET /api/lots/:id/money: a lot's money trail. */
export type MoneyTrail = Schemas['MoneyTrail'];
/**
 * An item of GET /api/lots/:id/registrations (its manager, regulators). pid and name come to
 * regulators, and to the lot's manager only once the lot has ended; identityReads to regulators.
 */
export type LotRegistration = Schemas['LotRegistration'];
/** POST /api/lots (and, every field optional, PATCH /api/lots/:id). */
export type CreateLot = Schemas['CreateLot'];
/** GET /api/lots/:id/result. */
export type LotResult = Schemas['LotResult'];
/** An item of GET /api/admin/roles. */
export type RoleHolder = Schemas['RoleHolder'];
/** An item of GET /api/lots/:id/images. */
export type LotImage = Schemas['LotImage'];
/** GET /api/lots/:id/shed-bids → 200: bids the platform refused for its own reasons. */
export type ShedBids = Schemas['ShedBids'];
/** An item of GET /api/lots/:id/sealed-bids/mine: one of the caller's own sealed bids, with its receipt. */
export type SealedBid = Schemas['SealedBid'];
/** POST /api/lots/:id/sealed-bids → 201. */
export type SealedBidAck = Schemas['SealedBidAck'];
/** POST /api/records/verify → 200. */
export type Verdict = Schemas['Verdict'];
/** An item of GET /api/results/:lotId: one of a lot's published result notices (issue 18). */
export type LotResultNotice = Schemas['LotResultNotice'];
/** GET /api/lots/:id/attendance (its manager, regulators): attendance per bidder code, and no-shows. */
export type Attendance = Schemas['Attendance'];
export type AttendanceEntry = Schemas['AttendanceEntry'];
/** GET /api/lots/:id/record/extract: what the record states, for the winner before signing (issue 18). */
export type RecordExtract = Schemas['RecordExtract'];
/** GET /api/organisations/:id, and the items of GET /api/organisations (issue 19). */
export type Organisation = Schemas['Organisation'];
/** POST /api/organisations; PATCH takes any of its fields. */
export type CreateOrganisation = Schemas['CreateOrganisation'];
export type UpdateOrganisation = Schemas['UpdateOrganisation'];
/** An item of GET /api/organisations/:id/managers. */
export type OrganisationManager = Schemas['OrganisationManager'];
/** An organisation's registration (issue 19): the organisation and how the registrant's authority stands. */
export type OnBehalfOf = Schemas['OnBehalfOf'];
/** GET /api/lots/:id/registrations/:rid/authorisation: the authorisation document and whom it authorises. */
export type AuthorisationRead = Schemas['AuthorisationRead'];
/** PUT …/authorisation and POST …/authorisation/decision → 200: the registration and its document. */
export type RegistrationAuthorisation = Schemas['RegistrationAuthorisation'];
/** GET /api/lots/:id/registration-flags: registrations that look related, for the lot's manager to decide on. */
export type RegistrationFlags = Schemas['RegistrationFlags'];
export type RegistrationFlag = Schemas['RegistrationFlag'];

// The socket.io event map (server/realtime/events.ts): its payloads reuse the REST shapes above.
export type {
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

/** The API's error codes (server/shared/errors.ts, as /api/openapi.json lists them). */
export type ErrorCode = Schemas['Error']['error']['code'];
/** One invalid field of a 422: its code and the parameters its text names (server/shared/field-errors.ts). */
export type ApiFieldError = Schemas['FieldError'];

/**
 * An error body's `error` (and a failed socket ack's): translate by `reason`, else `code`, with
 * `params` (web/lib/server-text.ts); `message` is English. The client adds codes of its own:
 * NETWORK (no connection) and TIMEOUT (no answer in time).
 */
export type ApiError = Omit<Schemas['Error']['error'], 'code'> & { code: ErrorCode | 'NETWORK' | 'TIMEOUT' };

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ApiError };

/** Live supervision (issue 20): an anomaly signal with its evidence, and a ledger entry of the live view. */
export type SupervisionSignal = Schemas['SupervisionSignal'];
export type SupervisionLedgerEntry = Schemas['SupervisionLedgerEntry'];
