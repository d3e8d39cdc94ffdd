// What the server said, in the person's language. The API's errors carry a stable `reason` (which
// refusal) and `code` (what kind), with `params`, and a code with parameters per invalid field; the
// texts for all of them are in the `server` section of the catalogues (web/lib/i18n), so the English
// `message` is shown only for a code this build has no text for (a newer server).
import type { Translate } from './i18n/index.ts';
import type { Locale, MessageKey } from './i18n/index.ts';
import { vi } from './i18n/vi.ts';
import type { ApiError, ApiFieldError } from './api/types.ts';
import { dateTime, money } from './format.ts';

export interface Speaker {
  t: Translate;
  locale: Locale;
}

type ParamValue = string | number | boolean | null | string[] | undefined;

const has = (table: object, key: string): boolean => Object.prototype.hasOwnProperty.call(table, key);

/** Amounts (integer VND) and instants (ISO UTC) among the parameters, by name. */
const MONEY = new Set(['minNextBid', 'currentPrice']);
const TIMES = new Set(['startsAt', 'opensAt', 'endsAt', 'nextPriceAt', 'deadline']);
/** Field codes whose min and max are amounts of money. */
const MONEY_FIELDS = new Set(['DEPOSIT_OUT_OF_RANGE']);

const IMAGE_LABELS: Record<string, string> = {
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'image/webp': 'WebP',
  'image/svg+xml': 'SVG',
};

/** One parameter as the person reads it: money and times in their formats, states by their names. */
function formatParam(s: Speaker, name: string, value: ParamValue, moneyNames: Set<string>): string | number {
  const label = (key: string): string => s.t(key as MessageKey);
  if (Array.isArray(value)) {
    if (name === 'roles') return value.map((r) => (has(vi.admin.role, r) ? label(`admin.role.${r}`) : r)).join(', ');
    if (name === 'types') return value.map((v) => IMAGE_LABELS[v] ?? v).join(', ');
    return value.join(', ');
  }
  // An exclusion without an end date (the reason `excluded`) holds until it is lifted.
  if (value === null && name === 'endsAt') return label('server.untilLifted');
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' && moneyNames.has(name)) return money(value);
  if (typeof value === 'string' && TIMES.has(name)) return dateTime(value, s.locale);
  if (typeof value === 'string') {
    if (name === 'status' && has(vi.status, value)) return label(`status.${value}`);
    if (name === 'registrationStatus' && has(vi.regStatus, value)) return label(`regStatus.${value}`);
    if (name === 'depositState' && has(vi.reg.deposit, value)) return label(`reg.deposit.${value}`);
    if (name === 'award' && has(vi.award.state, value)) return label(`award.state.${value}`);
    if (name === 'noShow' && has(vi.award.attendance.noShowState, value))
      return label(`award.attendance.noShowState.${value}`);
    if (name === 'province' && has(vi.province, value)) return label(`province.${value}`);
    if (name === 'type') return IMAGE_LABELS[value] ?? value;
    return value;
  }
  return typeof value === 'boolean' ? String(value) : value;
}

function values(
  s: Speaker,
  params: Record<string, ParamValue> | undefined,
  moneyNames: Set<string>,
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k] = formatParam(s, k, v, moneyNames);
  return out;
}

/** True when the catalogues hold a text for this server code (reason, error code, field code or notice). */
export function hasServerText(kind: 'reason' | 'code' | 'field' | 'notice', key: string): boolean {
  return has(vi.server[kind], key);
}

/** The text of an API error (or of a failed socket ack): by its reason, else its code, else the server's words. */
export function errorText(s: Speaker, error: Pick<ApiError, 'code' | 'message' | 'reason' | 'params'>): string {
  if (error.reason && hasServerText('reason', error.reason))
    return s.t(`server.reason.${error.reason}` as MessageKey, values(s, error.params, MONEY));
  if (hasServerText('code', error.code)) return s.t(`server.code.${error.code}` as MessageKey);
  return error.message;
}

/** The text of one field's error (`english`: the server's words, shown only for an unknown code). */
export function fieldText(s: Speaker, error: ApiFieldError | undefined, english = ''): string {
  if (!error || !hasServerText('field', error.code)) return english || (error ? s.t('server.field.INVALID') : '');
  const exclusive = (error.code === 'TOO_SMALL' || error.code === 'TOO_LARGE') && error.inclusive === false;
  const key = exclusive ? `server.fieldExclusive.${error.code}` : `server.field.${error.code}`;
  const { code: _code, ...params } = error;
  return s.t(
    key as MessageKey,
    values(s, params as Record<string, ParamValue>, MONEY_FIELDS.has(error.code) ? new Set(['min', 'max']) : MONEY),
  );
}

/** The text of every invalid field of a 422, keyed like the body's `fields` (dotted paths). */
export function fieldTexts(s: Speaker, error: Pick<ApiError, 'fields' | 'fieldErrors'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of new Set([...Object.keys(error.fieldErrors ?? {}), ...Object.keys(error.fields ?? {})])) {
    out[key] = fieldText(s, error.fieldErrors?.[key], error.fields?.[key]);
  }
  return out;
}
