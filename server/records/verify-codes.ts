// The codes of verification verdicts: one per reason a document is not valid, and NOT_SIGNED for a
// CSV whose chain holds (valid, but vouched for by no signature). POST /api/records/verify and
// `npm run verify-record` report the same code beside the English `reason`; pages translate the code,
// with its `params` (numbers stay numbers, so amounts and times are formatted by the reader's locale).
// The list is the contract: clients may rely on every code here, and the web has a text for each.

export const VERIFY_CODES = [
  // The document is not a JWS, or not a well-formed one.
  'NOT_A_JWS',
  'JWS_FORM',
  'JWS_NOT_CANONICAL',
  'JWS_HEADER_INVALID',
  'JWS_HEADER_UNSUPPORTED',
  'ALGORITHM_NOT_ACCEPTED',
  'NO_KEY_ID',
  'WRONG_CONTENT_TYPE',
  'JWS_INVALID',
  // The signature against the published keys.
  'UNKNOWN_KEY',
  'ALGORITHM_KEY_MISMATCH',
  'KEY_UNUSABLE',
  'SIGNATURE_INVALID',
  // The signed record's content: its shape and its hash chains.
  'PAYLOAD_NOT_JSON',
  'NOT_AN_AUCTION_RECORD',
  'LEDGER_SEQ_GAP',
  'LEDGER_LINK_BROKEN',
  'LEDGER_ENTRY_CHANGED',
  'LEDGER_WITHDRAWAL_INVALID',
  'FINAL_HASH_MISMATCH',
  'ENTRY_COUNT_MISMATCH',
  'HISTORY_EVENT_CHANGED',
  // The record against its chained history (record version 2).
  'REGISTRATION_EVENT_NO_CODE',
  'REGISTRATION_NOT_CHAINED',
  'REGISTRATION_BOUND_TWICE',
  'REGISTRATION_NO_PERSON_HASH',
  'REGISTRATION_PERSON_CHANGED',
  'REGISTRATION_RULES_CHANGED',
  'REGISTRATION_TIME_CHANGED',
  'REGISTRATION_MISSING',
  'LEDGER_BIDDER_UNKNOWN',
  // Organisations' registrations (record version 4): the organisation and the people who acted for it.
  'REGISTRATION_ORGANISATION_CHANGED',
  'ACTOR_NOT_CHAINED',
  'ENTRY_ACTOR_UNKNOWN',
  'RESULT_END_MISMATCH',
  'RESULT_WINNER_NOT_REGISTERED',
  'RESULT_WINNER_MISMATCH',
  'RESULT_PRICE_MISMATCH',
  'RESULT_WINNER_PERSON_CHANGED',
  'RESULT_NOT_HIGHEST_BID',
  // Each method's own rule (record version 3): the descending schedule, extension rounds, sealed bids.
  'DESCENDING_SCHEDULE_MISMATCH',
  'DESCENDING_EXTRA_ENTRY',
  'DESCENDING_WRONG_PRICE',
  'DESCENDING_RESULT_MISMATCH',
  'ROUNDS_PERIODS_MISMATCH',
  'ROUND_BID_OUTSIDE_PERIODS',
  'ROUND_NOT_TRIGGERED',
  'ROUND_NOT_OPENED',
  'ROUND_BIDDER_EXCLUDED',
  'SEALED_BIDS_NOT_CHAINED',
  'SEALED_ENTRY_NOT_SEALED',
  'SEALED_COMMITMENT_MISMATCH',
  'SEALED_BID_NOT_SUBMITTED',
  'SEALED_BID_TWICE',
  'SEALED_BID_NOT_REVEALED',
  'SEALED_RESULT_MISMATCH',
  // A signed money trail (issue 17): its shape, and its arithmetic recomputed from its items.
  'NOT_A_MONEY_TRAIL',
  'MONEY_TRAIL_TOTALS_MISMATCH',
  'MONEY_TRAIL_UNBALANCED',
  // The signed documents after the record (issue 18): their shape, and the documents they name.
  'NOT_A_LOT_DOCUMENT',
  'DOCUMENT_RECORD_MISMATCH',
  'COUNTERSIGNATURE_CONFIRMATION_MISMATCH',
  // The record's attendance (issue 18): against the registrations, the ledger and the chained no-shows.
  'ATTENDANCE_REGISTRATIONS_MISMATCH',
  'ATTENDANCE_BIDS_MISMATCH',
  'ATTENDANCE_TIMES_INVALID',
  'ATTENDANCE_NO_SHOW_PRESENT',
  'ATTENDANCE_NO_SHOW_NOT_CHAINED',
  // NDJSON exports: the seal, the header and each line.
  'EXPORT_NO_SEAL',
  'EXPORT_SEAL_NOT_LAST',
  'EXPORT_SEAL_PAYLOAD_INVALID',
  'EXPORT_CONTENT_CHANGED',
  'EXPORT_HEADER_INVALID',
  'EXPORT_KIND_MISMATCH',
  // Issue 20: the header and the seal name different requesters (or only one of them names one).
  'EXPORT_REQUESTER_MISMATCH',
  'EXPORT_RECORD_REFUSED',
  'EXPORT_LINE_NOT_RECORD',
  'EXPORT_LINE_NOT_EVENT',
  'AUDIT_LINK_BROKEN',
  'AUDIT_EVENT_CHANGED',
  'AUDIT_LAST_HASH_MISMATCH',
  'AUDIT_INTEGRITY_PROBLEMS',
  // CSV files (chain only).
  'CSV_UNREADABLE',
  'CSV_UNKNOWN_COLUMNS',
  'CSV_SEQ_GAP',
  'CSV_CHAIN_BROKEN',
  'CSV_DATA_NOT_JSON',
  // A valid verdict without a signature: the chain holds, nothing vouches for the content.
  'NOT_SIGNED',
] as const;

export type VerifyCode = (typeof VERIFY_CODES)[number];

/**
 * Values a reason names, for translations: ids, seq numbers, hashes and key ids as they are; amounts
 * (`price`, `chainedPrice`, `topPrice`, `askedPrice`) as integer đồng; times (`at`, `chainedAt`) as
 * ISO-8601 UTC.
 * Inside an export, `lotId` and `line` (NDJSON) or `row` (CSV) say where; `part: 'seal'` marks a
 * problem with an export's seal rather than a record's signature.
 */
export type VerifyParams = Record<string, string | number | null>;

/** One reason a document is not valid (or, for NOT_SIGNED, what a valid verdict does not vouch for). */
export interface Problem {
  code: VerifyCode;
  /** In English words a reader can act on (the API's `reason`). */
  reason: string;
  params?: VerifyParams;
}

export const problem = (code: VerifyCode, reason: string, params?: VerifyParams): Problem =>
  params ? { code, reason, params } : { code, reason };
