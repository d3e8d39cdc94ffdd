// Every named refusal the platform answers with: its stable `reason` (sent in the error body beside
// `code`), the ErrorCode it is answered with, and its English message, written once here from the
// parameters it carries (which are sent as `params`). Clients translate by reason and params; the web
// app's catalogues (web/lib/i18n) hold every reason in Vietnamese and English, and a test checks that
// none is missing. Add a reason here rather than writing English at the place that refuses.
import { SHED_MESSAGES } from '../bidding/shed-reasons.ts';
import type { ErrorCode } from './error-codes.ts';

const vnd = (n: number): string => `${n.toLocaleString('en-US')} VND`;

interface Entry {
  code: ErrorCode;
  en: (p: never) => string;
}

export const REASONS = {
  // Requests in general.
  endpoint_unknown: {
    code: 'NOT_FOUND',
    en: (p: { method: string; path: string }) => `No such endpoint: ${p.method} ${p.path}`,
  },
  not_found: { code: 'NOT_FOUND', en: () => 'Not found.' },
  invalid_fields: { code: 'VALIDATION_FAILED', en: (p: { names: string[] }) => `Invalid ${p.names.join(', ')}.` },
  body_not_json: { code: 'MALFORMED_REQUEST', en: () => 'The request body is not valid JSON.' },
  malformed_request: { code: 'MALFORMED_REQUEST', en: () => 'The request is malformed.' },
  catalogue_cursor_invalid: {
    code: 'MALFORMED_REQUEST',
    en: () => 'The cursor was not given by the catalogue for this order and these filters: ask again without it.',
  },
  unsupported_media_type: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    en: () => 'The content type of the request is not supported here.',
  },
  too_large: { code: 'PAYLOAD_TOO_LARGE', en: () => 'The request is too large.' },
  body_too_large: {
    code: 'PAYLOAD_TOO_LARGE',
    en: (p: { maxBytes: number }) => `The request body is over ${p.maxBytes} bytes.`,
  },
  document_too_large: {
    code: 'PAYLOAD_TOO_LARGE',
    en: (p: { maxMegabytes: number }) =>
      `The document is over ${p.maxMegabytes} MB: verify it offline with npm run verify-record (no size limit).`,
  },
  rate_limited: {
    code: 'RATE_LIMITED',
    en: (p: { retryAfterSeconds: number; what: string; from: string }) =>
      `Too many ${p.what} ${p.from}; try again in ${p.retryAfterSeconds} s.`,
  },
  too_many_messages: { code: 'RATE_LIMITED', en: () => 'Too many messages; slow down.' },
  watch_limit: {
    code: 'RATE_LIMITED',
    en: (p: { max: number }) => `A connection may watch at most ${p.max} lots at once; unwatch one first.`,
  },
  internal: {
    code: 'INTERNAL',
    en: (p: { requestId?: string }) =>
      p.requestId ? `An internal error occurred (request ${p.requestId}).` : 'An internal error occurred.',
  },
  unavailable: { code: 'UNAVAILABLE', en: () => 'The service is temporarily unavailable; try again in a moment.' },
  database_unreachable: {
    code: 'UNAVAILABLE',
    en: () => 'The database is unreachable right now; try again in a moment.',
  },
  database_not_answering: { code: 'UNAVAILABLE', en: () => 'The database does not answer.' },
  // A bid the platform refused for its own reasons (server/bidding/shed-reasons.ts): each says whether it was placed.
  database_unavailable: { code: 'UNAVAILABLE', en: () => SHED_MESSAGES.database_unavailable },
  queue_full: { code: 'UNAVAILABLE', en: () => SHED_MESSAGES.queue_full },
  overloaded: { code: 'UNAVAILABLE', en: () => SHED_MESSAGES.overloaded },
  timeout: { code: 'UNAVAILABLE', en: () => SHED_MESSAGES.timeout },
  unknown_outcome: { code: 'UNAVAILABLE', en: () => SHED_MESSAGES.unknown_outcome },

  // Identity.
  token_invalid: { code: 'UNAUTHENTICATED', en: () => 'The e-ID token is missing, invalid or expired.' },
  sign_in_required: { code: 'UNAUTHENTICATED', en: () => 'Sign in with your e-ID first.' },
  session_ended: {
    code: 'UNAUTHENTICATED',
    en: () => 'Your session has ended (signed out, expired or changed); sign in again.',
  },
  level2_required: {
    code: 'LEVEL_TOO_LOW',
    en: () => 'This needs an e-ID verified at level 2 (chip ID card and face).',
  },
  role_required: { code: 'FORBIDDEN', en: (p: { roles: string[] }) => `This needs the ${p.roles.join(' or ')} role.` },
  csrf_missing: {
    code: 'CSRF_FAILED',
    en: () => 'This change needs the x-csrf-token header from GET /api/me (cross-site request refused).',
  },
  csrf_signout: {
    code: 'CSRF_FAILED',
    en: () => 'Signing out needs the x-csrf-token header (or a csrf form field) from GET /api/me.',
  },
  too_many_failed_signins: { code: 'RATE_LIMITED', en: () => 'Too many failed sign-in attempts; wait a moment.' },
  signin_not_configured: {
    code: 'UNAVAILABLE',
    en: () => 'Browser sign-in is not configured (EID_CLIENT_ID); API clients may use Bearer tokens.',
  },
  signin_unavailable: { code: 'UNAVAILABLE', en: () => 'Sign-in is temporarily unavailable; try again shortly.' },
  signin_expired: {
    code: 'UNAUTHENTICATED',
    en: () => 'The sign-in has expired or was started elsewhere; please sign in again.',
  },
  signin_refused: { code: 'FORBIDDEN', en: () => 'The e-ID provider did not confirm this sign-in.' },
  signin_not_confirmed: { code: 'UNAUTHENTICATED', en: () => 'The e-ID provider did not confirm this sign-in.' },
  signin_reused: { code: 'UNAUTHENTICATED', en: () => 'This sign-in was already used; please sign in again.' },
  own_admin_role: { code: 'INVALID_STATE', en: () => 'You cannot revoke your own admin role; ask another admin.' },
  configured_admin: {
    code: 'INVALID_STATE',
    en: () => 'This person is an admin through ADMIN_PIDS; remove them from the configuration instead.',
  },
  person_unknown: { code: 'NOT_FOUND', en: () => 'No person with this identification number has signed in yet.' },

  // Lots and registrations.
  lot_not_found: { code: 'NOT_FOUND', en: () => 'No such lot.' },
  not_lot_manager: { code: 'FORBIDDEN', en: () => 'Only the managers of this lot’s organisation may do this.' },
  // Every look is accounted for (issue 20): identities past their retention period.
  identity_retention_expired: {
    code: 'FORBIDDEN',
    en: (p: { lotId: number; finalAt: string; days: number }) =>
      `The identities of lot ${p.lotId}'s bidders are no longer readable: its records became final at ${p.finalAt} and identities stay readable for ${p.days} days after that. Bidder codes remain.`,
  },
  // Organisations (issue 19).
  outside_scope: {
    code: 'FORBIDDEN',
    en: (p: { province: string | null }) =>
      `This is outside your scope as a regulator (the organisations of ${p.province ?? 'your province'}).`,
  },
  no_organisation: {
    code: 'FORBIDDEN',
    en: () => 'You are not a manager of any auction organisation; an admin adds you to one.',
  },
  not_organisation_manager: {
    code: 'FORBIDDEN',
    en: (p: { organisationId: number }) => `You are not a manager of organisation ${p.organisationId}.`,
  },
  organisation_not_found: { code: 'NOT_FOUND', en: () => 'No such organisation.' },
  organisation_exists: {
    code: 'INVALID_STATE',
    en: (p: { field: string }) =>
      `An organisation with this ${p.field === 'taxCode' ? 'tax code' : 'licence number'} exists.`,
  },
  not_a_manager_of_it: { code: 'NOT_FOUND', en: () => 'This person is not a manager of this organisation.' },
  not_lot_manager_or_regulator: { code: 'FORBIDDEN', en: () => "Only this lot's manager or a regulator may see this." },
  lot_not_editable: { code: 'INVALID_STATE', en: () => 'A lot can be edited only until its registration opens.' },
  lot_already_in_status: { code: 'INVALID_STATE', en: (p: { status: string }) => `The lot is already ${p.status}.` },
  lot_in_status: { code: 'INVALID_STATE', en: (p: { status: string }) => `The lot is ${p.status}.` },
  // A technical suspension and its re-run (issue 18: server/auctions/suspension.ts).
  not_lot_staff: {
    code: 'FORBIDDEN',
    en: () => "Only this lot's manager, a regulator or an admin may do this.",
  },
  not_lot_manager_or_admin: { code: 'FORBIDDEN', en: () => "Only this lot's manager or an admin may do this." },
  not_lot_participant: {
    code: 'FORBIDDEN',
    en: () => "Only this lot's manager, its registrants, regulators and admins may see this.",
  },
  lot_not_suspendable: {
    code: 'INVALID_STATE',
    en: (p: { status: string }) => `Only a lot whose bidding is under way can be suspended; this lot is ${p.status}.`,
  },
  lot_not_suspended: {
    code: 'INVALID_STATE',
    en: (p: { status: string }) => `Only a suspended lot can be re-run; this lot is ${p.status}.`,
  },
  lot_already_rerun: {
    code: 'INVALID_STATE',
    en: (p: { rerunAs: number }) => `This lot has already been re-run as lot ${p.rerunAs}.`,
  },
  suspension_not_found: { code: 'NOT_FOUND', en: () => 'This lot has no suspension document: it was never suspended.' },
  registration_window_over: {
    code: 'VALIDATION_FAILED',
    en: () => 'The registration window is already over; edit the dates first.',
  },
  registration_not_found: { code: 'NOT_FOUND', en: () => 'No such registration for this lot.' },
  registration_in_status: { code: 'INVALID_STATE', en: (p: { status: string }) => `The registration is ${p.status}.` },
  deposit_not_refundable: {
    code: 'INVALID_STATE',
    en: (p: { depositState: string }) => `The deposit is ${p.depositState}, not refundable.`,
  },
  // Attendance (issue 18): the manager decides only on a no-show held for force majeure.
  no_show_not_held: {
    code: 'INVALID_STATE',
    en: (p: { noShow: string }) =>
      p.noShow === 'attended'
        ? 'This bidder attended the bidding: there is no no-show to decide on.'
        : `This no-show is already ${p.noShow}: only a held one awaits a decision.`,
  },
  // Eligibility screening at registration (issue 19; Law on Property Auction, Art. 38): 403 NOT_ELIGIBLE.
  manager_cannot_register: {
    code: 'NOT_ELIGIBLE',
    en: () => 'The managers of the organisation running a lot may not register for it.',
  },
  owner_excluded: {
    code: 'NOT_ELIGIBLE',
    en: () => 'The asset’s owner has named you among the people who may not bid on this lot.',
  },
  // The entry's reason is never shown to the person: its source and end only.
  excluded: {
    code: 'NOT_ELIGIBLE',
    en: (p: { endsAt: string | null; source: string }) =>
      `You may not bid on this lot: you are on the exclusion list (${p.source}) ${p.endsAt ? `until ${p.endsAt}` : 'until it is lifted'}.`,
  },
  // The exclusion list and the owner's exclusions (server/eligibility).
  exclusion_not_found: { code: 'NOT_FOUND', en: () => 'No such exclusion.' },
  exclusion_already_lifted: { code: 'INVALID_STATE', en: () => 'This exclusion has already been lifted.' },
  exclusion_platform_wide: {
    code: 'FORBIDDEN',
    en: () => 'Only a regulator for the whole country or an admin may add or lift an exclusion from every lot.',
  },
  lot_exclusion_exists: {
    code: 'INVALID_STATE',
    en: () => 'This person is already named as barred from this lot.',
  },
  lot_exclusion_not_found: { code: 'NOT_FOUND', en: () => 'This person is not named as barred from this lot.' },
  lot_exclusions_closed: {
    code: 'INVALID_STATE',
    en: (p: { deadline: string }) =>
      `The people the owner bars from a lot can be changed only until its registration closes (${p.deadline}).`,
  },
  registration_not_open: {
    code: 'REGISTRATION_CLOSED',
    en: (p: { opensAt: string }) => `Registration for this lot opens at ${p.opensAt}.`,
  },
  registration_closed: { code: 'REGISTRATION_CLOSED', en: () => 'Registration for this lot is closed.' },
  rules_changed: { code: 'VALIDATION_FAILED', en: () => 'The rules changed since you read them.' },
  already_registered: { code: 'ALREADY_REGISTERED', en: () => 'You are already registered for this lot.' },
  // Organisations as bidders (issue 19).
  organisation_already_registered: {
    code: 'ALREADY_REGISTERED',
    en: (p: { organisation: string }) => `Organisation ${p.organisation} is already registered for this lot.`,
  },
  authorisation_details_required: {
    code: 'VALIDATION_FAILED',
    en: () =>
      'Your e-ID does not say you act for this organisation: give its name and your role, then upload the authorisation document.',
  },
  not_representative: {
    code: 'FORBIDDEN',
    en: (p: { organisation: string }) => `You may not act for organisation ${p.organisation} on this lot.`,
  },
  not_registrant: { code: 'FORBIDDEN', en: () => 'Only the person who registered may do this.' },
  no_document_expected: {
    code: 'INVALID_STATE',
    en: (p: { authorisation: string | null }) =>
      `This registration takes no authorisation document (its authorisation is ${p.authorisation ?? 'personal'}).`,
  },
  document_pending_review: {
    code: 'INVALID_STATE',
    en: () => 'An authorisation document is already waiting for the manager’s review.',
  },
  no_document_to_decide: { code: 'INVALID_STATE', en: () => 'No authorisation document is waiting for a decision.' },
  // The transparency log (issue 20).
  leaf_not_found: {
    code: 'NOT_FOUND',
    en: (p: { hash: string }) => `The transparency log holds no document with the digest or leaf hash ${p.hash}.`,
  },
  leaf_not_in_tree: {
    code: 'NOT_FOUND',
    en: (p: { hash: string; leafIndex: number; treeSize: number }) =>
      `The document ${p.hash} is leaf ${p.leafIndex}, after the tree head of size ${p.treeSize}: ask for a later tree head.`,
  },
  tree_head_not_found: {
    code: 'NOT_FOUND',
    en: (p: { treeSize: number }) => `The log never signed a tree head of size ${p.treeSize}.`,
  },
  tree_size_unknown: {
    code: 'NOT_FOUND',
    en: (p: { treeSize: number; size: number }) => `The log has ${p.size} leaves, fewer than ${p.treeSize}.`,
  },
  tree_sizes_out_of_order: {
    code: 'VALIDATION_FAILED',
    en: (p: { first: number; second: number }) => `Out of order: ${p.first} comes after ${p.second}.`,
  },
  document_not_found: { code: 'NOT_FOUND', en: () => 'No authorisation document was uploaded for this registration.' },
  authorisation_document_too_large: {
    code: 'PAYLOAD_TOO_LARGE',
    en: (p: { maxMegabytes: number }) => `The authorisation document is over ${p.maxMegabytes} MB.`,
  },
  authorisation_document_type: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    en: () => 'Send the authorisation document as a PDF, PNG or JPEG file.',
  },
  flag_not_found: { code: 'NOT_FOUND', en: () => 'No such relatedness flag on this lot.' },
  // Live supervision (issue 20: server/supervision/).
  signal_not_found: { code: 'NOT_FOUND', en: () => 'This lot has no such anomaly signal now.' },
  supervision_not_started: {
    code: 'INVALID_STATE',
    en: (p: { status: string }) =>
      `Bidding on this lot has not started (it is ${p.status}); there is nothing to supervise yet.`,
  },
  flag_already_decided: { code: 'INVALID_STATE', en: () => 'This flag has been decided already.' },
  registration_not_rejectable: {
    code: 'INVALID_STATE',
    en: (p: { status: string }) => `A registration that is ${p.status} cannot be rejected now.`,
  },
  identity_cross_site: { code: 'FORBIDDEN', en: () => 'Identities may not be read on behalf of another site.' },

  // Bids.
  bidding_not_open: { code: 'LOT_NOT_LIVE', en: (p: { startsAt: string }) => `Bidding opens at ${p.startsAt}.` },
  lot_cancelled: { code: 'LOT_NOT_LIVE', en: () => 'The lot was cancelled.' },
  lot_suspended: {
    code: 'LOT_NOT_LIVE',
    en: () => 'Bidding on this lot is suspended because of a technical fault; no bid is taken.',
  },
  bidding_ended: { code: 'LOT_NOT_LIVE', en: () => 'Bidding on this lot has ended.' },
  manager_cannot_bid: { code: 'FORBIDDEN', en: () => 'The manager of a lot may not bid on it.' },
  not_registered: {
    code: 'NOT_APPROVED',
    en: () => 'Register for this lot and have your deposit confirmed before bidding.',
  },
  deposit_not_confirmed: { code: 'NOT_APPROVED', en: () => 'Your deposit has not been confirmed yet.' },
  authorisation_not_approved: {
    code: 'NOT_APPROVED',
    en: () => 'The lot’s manager has not approved the authorisation document for this organisation yet.',
  },
  bidder_barred: { code: 'BIDDER_BARRED', en: () => 'You withdrew a bid on this lot and may not bid on it again.' },
  person_barred: {
    code: 'BIDDER_BARRED',
    en: (p: { category: string; until: string }) =>
      `You are barred from auctions of this kind (${p.category}) until ${p.until}: you did not pay in time for a lot you won.`,
  },
  organisation_barred: {
    code: 'BIDDER_BARRED',
    en: (p: { organisation: string; category: string; until: string }) =>
      `Organisation ${p.organisation} is barred from auctions of this kind (${p.category}) until ${p.until}: it did not pay in time for a lot it won.`,
  },
  already_leading: { code: 'ALREADY_LEADING', en: () => 'You hold the highest bid; wait until you are outbid.' },
  below_starting_price: {
    code: 'BID_TOO_LOW',
    en: (p: { minNextBid: number }) => `The first bid must be at least the starting price, ${vnd(p.minNextBid)}.`,
  },
  below_next_bid: {
    code: 'BID_TOO_LOW',
    en: (p: { minNextBid: number }) => `The bid must be at least ${vnd(p.minNextBid)} (current price plus one step).`,
  },
  idempotency_conflict: {
    code: 'IDEMPOTENCY_CONFLICT',
    en: () => 'This Idempotency-Key was already used for a different amount.',
  },
  withdraw_not_open: { code: 'LOT_NOT_LIVE', en: () => 'Bids can be withdrawn only while bidding is open.' },
  bid_not_found: { code: 'NOT_FOUND', en: (p: { seq: number }) => `There is no bid ${p.seq} on this lot.` },
  withdraw_not_own: { code: 'FORBIDDEN', en: () => 'You may withdraw only your own bid.' },
  not_leading: { code: 'NOT_LEADING', en: () => 'Only the standing highest bid can be withdrawn.' },
  // The other methods (issue 16).
  not_in_round: {
    code: 'NOT_IN_ROUND',
    en: (p: { round: number }) =>
      `Only bidders with a valid bid in the period before may bid in extension round ${p.round}.`,
  },
  not_in_tie_round: {
    code: 'NOT_IN_ROUND',
    en: (p: { round: number }) => `Only the bidders tied at the top may bid in tie round ${p.round}.`,
  },
  below_tied_amount: {
    code: 'BID_TOO_LOW',
    en: (p: { minNextBid: number }) => `A bid in a tie round must be at least the tied amount, ${vnd(p.minNextBid)}.`,
  },
  price_changed: {
    code: 'PRICE_CHANGED',
    en: (p: { currentPrice: number; nextPriceAt: string | null }) =>
      `The price asked is now ${vnd(p.currentPrice)}: accept that amount.`,
  },
  lot_sold: { code: 'LOT_NOT_LIVE', en: () => 'Another bidder accepted the price first: the lot is sold.' },
  sealed_lot_bid: {
    code: 'INVALID_STATE',
    en: () => 'This lot takes sealed bids only: send your bid to /sealed-bids.',
  },
  not_sealed_lot: { code: 'INVALID_STATE', en: () => 'This lot does not take sealed bids.' },
  withdraw_not_method: {
    code: 'INVALID_STATE',
    en: (p: { method: string }) => `Bids cannot be withdrawn in a ${p.method} auction.`,
  },
  sealed_bid_exists: {
    code: 'SEALED_BID_EXISTS',
    en: () => 'You have already submitted your sealed bid, and this lot does not allow replacing it.',
  },

  // Payments (server/payments).
  payments_webhook_off: {
    code: 'UNAVAILABLE',
    en: () =>
      'Payment notifications are off on this platform (PAYMENT_WEBHOOK_SECRET is not set); deposits are reconciled from bank statements and by hand.',
  },
  payment_signature_malformed: {
    code: 'MALFORMED_REQUEST',
    en: () => 'The X-Payment-Signature header is missing or not t=<unix seconds>,v1=<hex HMAC-SHA256>.',
  },
  payment_signature_stale: {
    code: 'MALFORMED_REQUEST',
    en: (p: { toleranceSeconds: number }) =>
      `The signature's timestamp is more than ${p.toleranceSeconds} s old: a notification is signed when it is sent.`,
  },
  payment_signature_future: {
    code: 'MALFORMED_REQUEST',
    en: (p: { toleranceSeconds: number }) =>
      `The signature's timestamp is more than ${p.toleranceSeconds} s ahead of the server's clock.`,
  },
  payment_signature_invalid: {
    code: 'UNAUTHENTICATED',
    en: () => 'The payment signature does not match the body (HMAC-SHA256 of "<t>.<raw body>" with the shared secret).',
  },
  payment_notification_malformed: {
    code: 'MALFORMED_REQUEST',
    en: () => 'The notification is not {transactionId, reference, amount (integer VND), paidAt (ISO 8601)}.',
  },
  statement_media_type: { code: 'UNSUPPORTED_MEDIA_TYPE', en: () => 'Send the bank statement as text/csv (UTF-8).' },
  statement_malformed: {
    code: 'VALIDATION_FAILED',
    en: (p: { line: number; detail: string }) =>
      `The statement is not in the expected format at line ${p.line}: ${p.detail}. Nothing was imported.`,
  },
  confirmation_required: {
    code: 'VALIDATION_FAILED',
    en: (p: { amount: number; bankReference: string; bidderCode: string }) =>
      `Confirm recording ${vnd(p.amount)} with bank reference ${p.bankReference} for bidder ${p.bidderCode}: send the same body with confirm: true.`,
  },
  deposit_already_received: {
    code: 'INVALID_STATE',
    en: () => 'The deposit of this registration has already been received.',
  },
  bank_reference_used: {
    code: 'INVALID_STATE',
    en: (p: { bankReference: string }) =>
      `The bank reference ${p.bankReference} is already recorded for another credit.`,
  },
  credit_not_found: { code: 'NOT_FOUND', en: () => 'No such credit.' },
  refund_not_found: { code: 'NOT_FOUND', en: () => 'No such refund.' },
  demo_only: { code: 'NOT_FOUND', en: () => 'The demo bank exists only in the demo.' },
  refund_not_yours: {
    code: 'FORBIDDEN',
    en: () => 'Only the manager of the lot this refund belongs to (or an admin) may confirm it.',
  },
  refund_already_sent: {
    code: 'INVALID_STATE',
    en: (p: { bankReference: string }) =>
      `This refund was already confirmed as sent, with the bank reference ${p.bankReference || '(none)'}.`,
  },
  refund_sent_in_future: {
    code: 'VALIDATION_FAILED',
    en: () => 'sentAt is in the future: give the time the bank sent the transfer.',
  },
  credit_not_yours: {
    code: 'FORBIDDEN',
    en: () => 'Only the manager of the lot this credit names (or an admin) may decide on it.',
  },
  credit_not_held: { code: 'INVALID_STATE', en: () => 'This credit is not waiting for a decision.' },
  credit_no_payment: {
    code: 'INVALID_STATE',
    en: () => 'This credit names no payment, so it cannot be accepted: return it.',
  },
  credit_would_overpay: {
    code: 'INVALID_STATE',
    en: (p: { outstanding: number }) =>
      `Accepting this credit would pay more than is owed (${vnd(p.outstanding)} outstanding): return it.`,
  },
  credit_barred: {
    code: 'INVALID_STATE',
    en: () => 'The payer is barred from this lot: the credit can only be returned.',
  },
  credit_not_reversible: {
    code: 'INVALID_STATE',
    en: () => 'Only an accepted manual entry that was not reversed yet can be reversed.',
  },
  reversal_after_start: {
    code: 'INVALID_STATE',
    en: () => 'Bidding has started: a deposit entry can no longer be reversed.',
  },

  // Auction records and their verification (server/records).
  records_cross_site: {
    code: 'FORBIDDEN',
    en: () =>
      'Records cannot be requested from another site: open the regulator pages of this platform, or use an API client.',
  },
  record_not_ready: {
    code: 'RECORD_NOT_READY',
    en: (p: { lotId: number; status: string }) =>
      `Lot ${p.lotId} is ${p.status}: its record exists only once it has closed, failed or been cancelled.`,
  },
  record_inconsistent: {
    code: 'RECORD_INCONSISTENT',
    en: (p: { lotId: number; detail: string }) =>
      `The record of lot ${p.lotId} cannot be issued: its database rows contradict the audit chain (${p.detail}). The database was changed outside the platform; the refusal is in the audit log.`,
  },
  money_trail_unbalanced: {
    code: 'MONEY_TRAIL_UNBALANCED',
    en: (p: { lotId: number; detail: string }) =>
      `The money trail of lot ${p.lotId} cannot be signed: it does not add up (${p.detail}). See GET /api/lots/${p.lotId}/money; the refusal is in the audit log.`,
  },
  document_too_large_anonymous: {
    code: 'PAYLOAD_TOO_LARGE',
    en: (p: { maxMegabytes: number; regulatorMegabytes: number }) =>
      `The document is over ${p.maxMegabytes} MB, the limit for verification without signing in: sign in as a regulator to verify up to ${p.regulatorMegabytes} MB here, or verify it offline with npm run verify-record (no size limit).`,
  },
  verify_media_type: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    en: () =>
      'Send the record as application/json or application/jose (an export as application/x-ndjson, a CSV file as text/csv).',
  },
  verify_body_empty: { code: 'VALIDATION_FAILED', en: () => 'The body is empty: send the record to verify.' },
  verify_not_jws: {
    code: 'VALIDATION_FAILED',
    en: () => 'Expected a JWS: a JSON serialization object or a string holding a compact JWS.',
  },
  verifier_failed: {
    code: 'UNAVAILABLE',
    en: (p: { detail: string }) =>
      `The document could not be verified here (${p.detail}); verify it offline with npm run verify-record.`,
  },
  verifier_stopped: { code: 'UNAVAILABLE', en: () => 'The verifier stopped; try again in a moment.' },
  verifier_shutting_down: { code: 'UNAVAILABLE', en: () => 'The verifier is shutting down; try again in a moment.' },
  verifier_busy: { code: 'UNAVAILABLE', en: () => 'The verifier is busy with other documents; try again in a moment.' },
  verify_too_slow: {
    code: 'UNAVAILABLE',
    en: () =>
      'Verifying this document took longer than a request may take here; try again later, or verify it offline with npm run verify-record.',
  },

  // Lot images.
  image_not_found: { code: 'NOT_FOUND', en: () => 'No such image.' },
  images_locked: {
    code: 'INVALID_STATE',
    en: (p: { status: string }) => `Images cannot be changed on a ${p.status} lot.`,
  },
  too_many_images: { code: 'INVALID_STATE', en: (p: { max: number }) => `A lot may have at most ${p.max} images.` },
  image_too_large: {
    code: 'PAYLOAD_TOO_LARGE',
    en: (p: { maxMegabytes: number }) => `The image is over ${p.maxMegabytes} MB.`,
  },
  image_type: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    en: (p: { types: string[] }) => `Images must be ${p.types.join(', ')}.`,
  },
  image_not_of_type: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    en: (p: { type: string }) => `The file is not a valid ${p.type} image.`,
  },
  image_empty: { code: 'VALIDATION_FAILED', en: () => 'The image is empty.' },
  svg_invalid: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    en: (p: { detail: string }) => `The file is not a valid SVG image (${p.detail}).`,
  },
  svg_aspect: {
    code: 'VALIDATION_FAILED',
    en: (p: { size: string; maxRatio: number }) =>
      `The SVG is ${p.size}: a picture may be at most ${p.maxRatio} times as wide as it is tall, or as tall as it is wide.`,
  },
  svg_too_slow: {
    code: 'VALIDATION_FAILED',
    en: (p: { cpuSeconds: number }) =>
      `Drawing this SVG takes too long (the limit is ${p.cpuSeconds} s of processor time): simplify it, or upload it as PNG or JPEG.`,
  },
  svg_too_big: {
    code: 'VALIDATION_FAILED',
    en: (p: { memoryMegabytes: number }) =>
      `Drawing this SVG stopped: it needs more than ${p.memoryMegabytes} MB of memory, or the renderer cannot draw it. Simplify it, or upload it as PNG or JPEG.`,
  },
  svg_too_large_drawn: {
    code: 'VALIDATION_FAILED',
    en: (p: { width: number; height: number; maxMegabytes: number }) =>
      `The SVG draws a ${p.width} × ${p.height} picture of over ${p.maxMegabytes} MB as PNG: simplify it, or upload it as JPEG.`,
  },
  svg_busy: {
    code: 'UNAVAILABLE',
    en: () => 'The server is too busy to draw this SVG picture now; try again in a moment.',
  },
  // After the hammer (server/award).
  fresh_signin_required: {
    code: 'FRESH_SIGNIN_REQUIRED',
    en: (p: { maxAgeSeconds: number }) =>
      `Signing needs a fresh e-ID sign-in (within the last ${p.maxAgeSeconds} seconds): sign in again, then sign.`,
  },
  not_award_holder: { code: 'FORBIDDEN', en: () => 'Only the bidder the award names may do this.' },
  not_offered: { code: 'FORBIDDEN', en: () => 'The lot is not offered to you.' },
  award_not_awaiting: {
    code: 'INVALID_STATE',
    en: (p: { award: string | null }) =>
      `The award is ${p.award ?? 'not open'}: it does not wait for the winner's signature or answer.`,
  },
  award_no_offer: {
    code: 'INVALID_STATE',
    en: (p: { award: string | null }) => `The award is ${p.award ?? 'not open'}: no offer to the next bidder stands.`,
  },
  award_deadline_passed: {
    code: 'INVALID_STATE',
    en: (p: { deadline: string }) => `The deadline (${p.deadline}) has passed.`,
  },
  award_not_confirmed: {
    code: 'INVALID_STATE',
    en: () => 'The winner has not signed the record yet: there is nothing to countersign.',
  },
  award_already_countersigned: { code: 'INVALID_STATE', en: () => 'The record is already countersigned.' },
  document_not_issued: { code: 'NOT_FOUND', en: () => 'No such document has been issued for this lot.' },
  // Published results (server/results).
  result_not_published: {
    code: 'NOT_FOUND',
    en: (p: { lotId: number }) =>
      `No result has been published for lot ${p.lotId}: a lot's result notice is published once it has ended.`,
  },
  result_notice_not_found: {
    code: 'NOT_FOUND',
    en: (p: { lotId: number; sequence: number; latest: number }) =>
      `Lot ${p.lotId} has no result notice ${p.sequence}: its notices are 1 to ${p.latest}.`,
  },
  // Webhooks to external systems (server/webhooks): an admin's retry of a delivery.
  webhook_delivery_not_found: { code: 'NOT_FOUND', en: (p: { id: number }) => `No webhook delivery ${p.id}.` },
  webhook_delivery_not_failed: {
    code: 'INVALID_STATE',
    en: (p: { id: number; state: string }) =>
      `Webhook delivery ${p.id} is ${p.state}: only a failed delivery can be retried.`,
  },
  webhook_target_not_configured: {
    code: 'INVALID_STATE',
    en: (p: { target: string }) =>
      `The webhook target ${p.target} is no longer configured (WEBHOOK_TARGETS): add it back to retry its deliveries.`,
  },
} as const satisfies Record<string, Entry>;

export type Reason = keyof typeof REASONS;
/** Every reason, for documentation and for the test that every one is translated. */
export const REASON_CODES = Object.keys(REASONS) as Reason[];
/** The arguments after the reason: its parameters, when it has any. */
export type ReasonArgs<R extends Reason> = Parameters<(typeof REASONS)[R]['en']>;
/** The English message of a reason (for constants other modules and tests compare with). */
export function reasonMessage<R extends Reason>(reason: R, ...params: ReasonArgs<R>): string {
  return (REASONS[reason].en as (p?: unknown) => string)(params[0]);
}
