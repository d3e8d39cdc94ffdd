// The platform's error codes with the HTTP status each is answered with, and the values an error's
// parameters take. Its own module, below errors.ts, reasons.ts and field-errors.ts, which all need it
// (errors.ts re-exports it: import from there).
export const ERROR_STATUS = {
  MALFORMED_REQUEST: 400,
  UNAUTHENTICATED: 401,
  LEVEL_TOO_LOW: 403,
  FORBIDDEN: 403,
  NOT_APPROVED: 403,
  BIDDER_BARRED: 403,
  NOT_ELIGIBLE: 403,
  NOT_IN_ROUND: 403,
  FRESH_SIGNIN_REQUIRED: 403,
  CSRF_FAILED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REGISTRATION_CLOSED: 409,
  ALREADY_REGISTERED: 409,
  LOT_NOT_LIVE: 409,
  BID_TOO_LOW: 409,
  ALREADY_LEADING: 409,
  NOT_LEADING: 409,
  INVALID_STATE: 409,
  IDEMPOTENCY_CONFLICT: 409,
  PRICE_CHANGED: 409,
  SEALED_BID_EXISTS: 409,
  RECORD_NOT_READY: 409,
  RECORD_INCONSISTENT: 409,
  MONEY_TRAIL_UNBALANCED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** A parameter of an error or a field error: a plain value a translation can put into its text. */
export type ParamValue = string | number | boolean | null | string[];
export type ErrorParams = Record<string, ParamValue>;
