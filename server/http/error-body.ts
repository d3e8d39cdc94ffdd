// The one mapping from a failure to the error a client gets, shared by the HTTP API (onError, the
// sign-in routes, the overload door) and the socket gateway's acks: a typed Failure, a thrown AppError,
// hono's HTTPException, a dependency that is unavailable, or anything else (an internal error) becomes
// the same {code, message, reason?, params?, fields?, fieldErrors?} with its status and headers.
import { HTTPException } from 'hono/http-exception';
import { AppError, englishFields, ERROR_STATUS, refuse, type ErrorObject, type Failure } from '../shared/errors.ts';
import type { Reason } from '../shared/reasons.ts';
import { isUnavailable, RETRY_AFTER_SECONDS } from '../shared/unavailable.ts';

export type { ErrorObject };

/** What a client is answered for a failure: the error, its HTTP status, and headers (Retry-After). */
export interface ErrorAnswer {
  status: number;
  error: ErrorObject;
  headers?: Record<string, string>;
  /** refusal: the client's request was refused; unavailable: a dependency failed; internal: a bug. */
  kind: 'refusal' | 'unavailable' | 'internal';
}

/** The error object of a known failure (a typed result or a thrown AppError). */
export function errorObject(f: Failure | AppError): ErrorObject {
  const fields = englishFields(f);
  return {
    code: f.code,
    message: f.message,
    ...(f.reason ? { reason: f.reason } : {}),
    ...(f.params ? { params: f.params } : {}),
    ...(fields ? { fields } : {}),
    ...(f.fieldErrors ? { fieldErrors: f.fieldErrors } : {}),
  };
}

/** The HTTP error body {"error": …} of a failure. */
export function errorBody(f: Failure | AppError): { error: ErrorObject } {
  return { error: errorObject(f) };
}

function fromHttpException(err: HTTPException): Failure {
  if (/json/i.test(err.message)) return refuse('body_not_json');
  switch (err.status) {
    case 401:
      return refuse('sign_in_required');
    case 404:
      return refuse('not_found');
    case 413:
      return refuse('too_large');
    case 415:
      return refuse('unsupported_media_type');
    default:
      return refuse('malformed_request');
  }
}

export interface AnswerOptions {
  /** The reason given when a dependency is unavailable (a bid says whether it was placed). */
  unavailableReason?: Reason;
  /** Named in an internal error's answer, so that the log line can be found. */
  requestId?: string;
}

/** Any thrown value (or a failure) → the answer the client gets. */
export function errorAnswer(err: unknown, options: AnswerOptions = {}): ErrorAnswer {
  if (err instanceof AppError)
    return {
      status: err.status,
      error: errorObject(err),
      ...(err.headers ? { headers: err.headers } : {}),
      kind: err.code === 'UNAVAILABLE' ? 'unavailable' : err.code === 'INTERNAL' ? 'internal' : 'refusal',
    };
  if (isFailure(err)) return errorAnswer(AppError.from(err), options);
  if (err instanceof HTTPException) {
    const f = fromHttpException(err);
    return { status: ERROR_STATUS[f.code], error: errorObject(f), kind: 'refusal' };
  }
  if (isUnavailable(err)) {
    const f = refuse(options.unavailableReason ?? 'unavailable');
    return {
      status: ERROR_STATUS[f.code],
      error: errorObject(f),
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      kind: 'unavailable',
    };
  }
  return {
    status: 500,
    error: errorObject(refuse('internal', options.requestId ? { requestId: options.requestId } : {})),
    kind: 'internal',
  };
}

function isFailure(v: unknown): v is Failure {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as { ok?: unknown }).ok === false &&
    typeof (v as { code?: unknown }).code === 'string' &&
    (v as { code: string }).code in ERROR_STATUS
  );
}
