// One ErrorCode union for the whole platform (written in error-codes.ts, exported from here). Services
// return typed results for expected failures; only routes turn them into HTTP errors, and one mapping
// (server/http/error-body.ts) writes the body {"error":{"code","message","reason"?,"params"?,"fields"?,
// "fieldErrors"?}} for HTTP and socket acks alike. `code` decides the status; `reason`
// (server/shared/reasons.ts) names the refusal within the code and, with `params`, is what clients
// translate; `message` is the English text derived from both.
import { fieldMessages, type FieldErrorMap, type FieldMessages } from './field-errors.ts';
import { REASONS, type Reason, type ReasonArgs } from './reasons.ts';
import { ERROR_STATUS, type ErrorCode, type ErrorParams } from './error-codes.ts';

export { ERROR_CODES, ERROR_STATUS, type ErrorCode, type ErrorParams, type ParamValue } from './error-codes.ts';

/** Per-field English messages for VALIDATION_FAILED (the body's `fields`): field path → message. */
export type FieldErrors = FieldMessages;

export interface Failure {
  ok: false;
  code: ErrorCode;
  message: string;
  /** Which refusal within `code` (server/shared/reasons.ts); absent only on failures not yet named. */
  reason?: Reason;
  params?: ErrorParams;
  /** Per-field codes with parameters; the body's English `fields` are derived from them. */
  fieldErrors?: FieldErrorMap;
  /** English per-field messages given directly, by failures that have no field codes. */
  fields?: FieldErrors;
}
export type Result<T> = { ok: true; value: T } | Failure;

/**
 * The `error` of an error body, and of a failed socket ack: the same object for the same failure.
 * Every field but code and message is optional; clients translate by reason (else code), with params,
 * and by each field's code.
 */
export interface ErrorObject {
  code: ErrorCode;
  message: string;
  reason?: Reason;
  params?: ErrorParams;
  fields?: FieldErrors;
  fieldErrors?: FieldErrorMap;
}

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
/** A failure with hand-written English and no reason (prefer `refuse`). */
export const fail = (code: ErrorCode, message: string, fields?: FieldErrors): Failure => ({
  ok: false,
  code,
  message,
  ...(fields ? { fields } : {}),
});

/** The failure named `reason`, its code and English message taken from the catalogue. */
export function refuse<R extends Reason>(reason: R, ...params: ReasonArgs<R>): Failure {
  const entry = REASONS[reason];
  const p = params[0] as ErrorParams | undefined;
  const message = (entry.en as (p?: ErrorParams) => string)(p);
  return { ok: false, code: entry.code, message, reason, ...(p && Object.keys(p).length ? { params: p } : {}) };
}

/** VALIDATION_FAILED for these fields: reason `invalid_fields` naming them, unless another reason is given. */
export function invalid(fieldErrors: FieldErrorMap, named?: Failure): Failure {
  return { ...(named ?? refuse('invalid_fields', { names: Object.keys(fieldErrors) })), fieldErrors };
}

/** The English `fields` of a failure: derived from its field codes, or as given. */
export function englishFields(f: Pick<Failure, 'fieldErrors' | 'fields'>): FieldErrors | undefined {
  return f.fieldErrors ? fieldMessages(f.fieldErrors) : f.fields;
}

interface AppErrorOptions {
  fields?: FieldErrors;
  fieldErrors?: FieldErrorMap;
  reason?: Reason;
  params?: ErrorParams;
  headers?: Record<string, string>;
}

/** Thrown to leave a handler with an HTTP error; onError turns it into the error body. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly reason?: Reason;
  readonly params?: ErrorParams;
  readonly fields?: FieldErrors;
  readonly fieldErrors?: FieldErrorMap;
  readonly headers?: Record<string, string>;
  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    // The answer to a client's mistake needs no stack trace, and capturing one costs more than the
    // rest of a refused bid's answer (tens of µs; a bid storm refuses hundreds a second).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.reason = options.reason;
    this.params = options.params;
    this.fields = options.fields;
    this.fieldErrors = options.fieldErrors;
    // A 503 always tells the client when to try again.
    this.headers =
      code === 'UNAVAILABLE' && !options.headers?.['retry-after']
        ? { ...options.headers, 'retry-after': '1' }
        : options.headers;
  }
  static from(failure: Failure, headers?: Record<string, string>): AppError {
    return new AppError(failure.code, failure.message, {
      reason: failure.reason,
      params: failure.params,
      fields: failure.fields,
      fieldErrors: failure.fieldErrors,
      headers,
    });
  }
  /** The error named `reason` (see refuse). */
  static of<R extends Reason>(reason: R, ...params: ReasonArgs<R>): AppError {
    return AppError.from(refuse(reason, ...params));
  }
}

/** Unwraps a result in a route: the value, or an AppError thrown for the failure. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw AppError.from(result);
  return result.value;
}
