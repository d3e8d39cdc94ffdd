// Per-field validation errors: a stable code with parameters for each offending field (the 422 body's
// `fieldErrors`), and the one place their English wording (the body's `fields`) is written. Clients
// translate by code; the English is derived here from the same code and parameters, so the two never
// disagree. Zod issues are turned into codes by their kind (too short, not a whole number, …); a
// schema that wants a domain code names it as the issue's message (`fieldCode('NOT_VND')`).
import type { ZodError } from 'zod';
import type { ParamValue } from './error-codes.ts';

const vnd = (n: number): string => `${n.toLocaleString('en-US')} VND`;

/** Every field code with its English text. Parameters are the function's argument. */
const FIELD_TEXT = {
  // Any input (derived from the validator's issue kind).
  REQUIRED: () => 'required',
  INVALID_TYPE: (p: { expected: string }) => `must be ${/^[aeiou]/.test(p.expected) ? 'an' : 'a'} ${p.expected}`,
  NOT_INTEGER: () => 'must be a whole number',
  TOO_SMALL: (p: { min: number; inclusive: boolean }) =>
    p.inclusive ? `must be at least ${p.min}` : `must be greater than ${p.min}`,
  TOO_LARGE: (p: { max: number; inclusive: boolean }) =>
    p.inclusive ? `must be at most ${p.max}` : `must be less than ${p.max}`,
  TOO_SHORT: (p: { min: number }) => `at least ${p.min} characters`,
  TOO_LONG: (p: { max: number }) => `at most ${p.max} characters`,
  TOO_FEW: (p: { min: number }) => `at least ${p.min} items`,
  TOO_MANY: (p: { max: number }) => `at most ${p.max} items`,
  NOT_DATE_TIME: () => 'an ISO-8601 date-time such as 2026-12-01T09:00:00Z',
  /** `detail`: the schema's own words for the format, when it gave any (English only). */
  INVALID_FORMAT: (p: { detail?: string }) => p.detail ?? 'not in the expected format',
  NOT_ONE_OF: (p: { options: string[] }) =>
    p.options.length === 1 ? `must be ${p.options[0]}` : `one of ${p.options.join(', ')}`,
  UNKNOWN_FIELDS: (p: { keys: string[] }) => `unknown field${p.keys.length === 1 ? '' : 's'}: ${p.keys.join(', ')}`,
  CONTAINS_NUL: () => 'must not contain NUL characters',
  CONTAINS_CONTROL: () => 'must not contain control characters',
  /** `detail`: the schema's own words for its check, when it gave any (English only). */
  INVALID: (p: { detail?: string }) => p.detail ?? 'not valid',
  // Domain values (named by their schemas).
  NOT_VND: () => 'a positive whole number of VND',
  NOT_PID: () => 'a 12-digit personal identification number',
  NOT_ORGANISATION_IDENTIFIER: () => 'an organisation’s e-ID identifier or tax code such as 0101234567',
  NOT_CATEGORY: () => 'a short lower-case category such as licence-plate',
  NOT_IDEMPOTENCY_KEY: () => '1–200 visible ASCII characters',
  NOT_JWS: () => 'a JWS',
  // A lot's terms against the policy (server/auctions/lot-validation.ts).
  DEPOSIT_OUT_OF_RANGE: (p: { minPct: number; maxPct: number; min: number; max: number }) =>
    `must be ${p.minPct}–${p.maxPct}% of the starting price: from ${vnd(p.min)} to ${vnd(p.max)}`,
  STEP_ABOVE_STARTING_PRICE: () => 'must not exceed the starting price',
  CLOSES_BEFORE_OPENING: () => 'must be after registrationOpensAt',
  CLOSES_AFTER_BIDDING_STARTS: () => 'must not be after startsAt (registration closes no later than bidding starts)',
  ENDS_BEFORE_START: () => 'must be after startsAt',
  BIDDING_WINDOW_TOO_SHORT: (p: { minMinutes: number }) =>
    `the bidding window must be at least ${p.minMinutes} minutes`,
  NOT_IN_FUTURE: () => 'must be in the future',
  SOFT_CLOSE_WINDOW_TOO_LONG: () => 'windowSeconds must not exceed the bidding window',
  // A lot's method and its parameters (server/auctions/lot-method.ts).
  NOT_FOR_METHOD: (p: { method: string }) => `not used by the ${p.method} method`,
  FLOOR_ABOVE_START: () => 'must not exceed the starting price',
  TRIGGER_LONGER_THAN_ROUND: () => 'triggerSeconds must not exceed seconds',
  ENDS_AT_BY_SCHEDULE: (p: { endsAt: string }) =>
    `a descending lot ends when its price schedule does, at ${p.endsAt}: leave endsAt out or send that`,
  RULES_CHANGED: (p: { rulesVersion: number }) => `the published rules are version ${p.rulesVersion}; read them again`,
  // Lot images (server/media).
  IMAGE_REQUIRED: () => 'an image file is required',
  IMAGE_ASPECT_TOO_EXTREME: (p: { maxRatio: number }) => `at most ${p.maxRatio}:1`,
  IMAGE_TOO_COMPLEX: () => 'too complex to draw',
  IMAGE_TOO_LARGE_DRAWN: () => 'too large once drawn',
  // Organisations (server/organisations).
  ORGANISATION_REQUIRED: (p: { count: number }) =>
    `you manage ${p.count} organisations: name the one the lot belongs to`,
  NOT_TAX_CODE: () => 'a tax code: 10 digits, or 10 digits, a hyphen and 3 for a branch',
  NOT_PROVINCE: () => 'one of the province ids of GET /api/provinces',
  // The exclusion list (server/eligibility).
  EXCLUSION_ORGANISATION_REQUIRED: (p: { count: number }) =>
    `you manage ${p.count} organisations: name the one whose lots the exclusion covers`,
} as const;

type FieldTexts = typeof FIELD_TEXT;
export type FieldCode = keyof FieldTexts;
type ParamsOf<K extends FieldCode> = Parameters<FieldTexts[K]> extends [infer P] ? P : Record<never, never>;
/** One field's error: its code and the code's parameters, side by side ({code:'TOO_LONG', max:200}). */
export type FieldError = { [K in FieldCode]: { code: K } & ParamsOf<K> }[FieldCode];
/** Field path (dotted) → its error. */
export type FieldErrorMap = Record<string, FieldError>;
/** Field path → English message: the body's `fields`, as before field codes. */
export type FieldMessages = Record<string, string>;

/** Every field code, for documentation and for the test that every one is translated. */
export const FIELD_CODES = Object.keys(FIELD_TEXT) as FieldCode[];
/** Codes without parameters: the ones a schema may name as its issue message. */
type PlainFieldCode = { [K in FieldCode]: Parameters<FieldTexts[K]> extends [] ? K : never }[FieldCode];
const PLAIN = new Set<string>(FIELD_CODES.filter((c) => FIELD_TEXT[c].length === 0));

export function fieldError<K extends FieldCode>(code: K, ...params: Parameters<FieldTexts[K]>): FieldError {
  return { code, ...(params[0] ?? {}) } as FieldError;
}

/** A domain field code given to a zod schema as its issue message (read back by fieldErrorsOf). */
export const fieldCode = (code: PlainFieldCode): string => code;

/** The English text of one field error. */
export function fieldMessage(error: FieldError): string {
  const text = FIELD_TEXT[error.code] as (p: FieldError) => string;
  return text(error);
}

/** The English `fields` of a body, from its field errors. */
export function fieldMessages(errors: FieldErrorMap): FieldMessages {
  return Object.fromEntries(Object.entries(errors).map(([path, e]) => [path, fieldMessage(e)]));
}

type Issue = ZodError['issues'][number];

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

const num = (n: number | bigint): number => Number(n);
const optionText = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));

/** The field code of one zod issue, with its parameters. */
function fromIssue(issue: Issue, input: unknown): FieldError {
  if (issue.code !== 'unrecognized_keys' && valueAt(input, issue.path) === undefined) return fieldError('REQUIRED');
  if (PLAIN.has(issue.message)) return { code: issue.message } as FieldError;
  switch (issue.code) {
    case 'invalid_type':
      // zod reports a fraction given to .int() as the wrong type ('int').
      return issue.expected === 'int'
        ? fieldError('NOT_INTEGER')
        : fieldError('INVALID_TYPE', { expected: issue.expected });
    case 'too_small': {
      const min = num(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? fieldError('REQUIRED') : fieldError('TOO_SHORT', { min });
      if (issue.origin === 'array' || issue.origin === 'set') return fieldError('TOO_FEW', { min });
      return fieldError('TOO_SMALL', { min, inclusive: issue.inclusive !== false });
    }
    case 'too_big': {
      const max = num(issue.maximum);
      if (issue.origin === 'string') return fieldError('TOO_LONG', { max });
      if (issue.origin === 'array' || issue.origin === 'set') return fieldError('TOO_MANY', { max });
      return fieldError('TOO_LARGE', { max, inclusive: issue.inclusive !== false });
    }
    case 'invalid_format':
      if (issue.format === 'datetime') return fieldError('NOT_DATE_TIME');
      return fieldError('INVALID_FORMAT', detailOf(issue.message, /^Invalid string: must match pattern/));
    case 'invalid_value':
      return fieldError('NOT_ONE_OF', { options: issue.values.map(optionText) });
    case 'unrecognized_keys':
      return fieldError('UNKNOWN_FIELDS', { keys: issue.keys });
    default:
      return fieldError('INVALID', issue.code === 'custom' ? detailOf(issue.message, /^Invalid input$/) : {});
  }
}

/** A schema's own words for a check that has no field code (zod's default wording is left out). */
function detailOf(message: string, zodDefault: RegExp): { detail?: string } {
  return message && !zodDefault.test(message) ? { detail: message } : {};
}

/**
 * The field errors of a failed parse, one per offending field (its first issue), keyed by the
 * dotted path ('_' for the input as a whole). `input` is what was parsed: a missing value is REQUIRED.
 */
export function fieldErrorsOf(error: ZodError, input: unknown): FieldErrorMap {
  const out: FieldErrorMap = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join('.') : '_';
    out[key] ??= fromIssue(issue, input);
  }
  return out;
}

export type { ParamValue };
