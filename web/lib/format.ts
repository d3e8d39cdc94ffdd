// Formatting for people: money in VND (vi-VN, whatever the interface language, as the law writes
// amounts), dates and times in Vietnam's time zone, and durations for countdowns.
import type { Locale } from './i18n/index.ts';

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const vnd = new Intl.NumberFormat('vi-VN', { style: 'currency', currency: 'VND' });
const plain = new Intl.NumberFormat('vi-VN');

/** 45000000 → "45.000.000 ₫". */
export function money(amount: number | null | undefined): string {
  return amount === null || amount === undefined ? '—' : vnd.format(amount);
}

/** 45000000 → "45.000.000" (for inputs and compact tables). */
export function number(amount: number): string {
  return plain.format(amount);
}

const dateTimeCache = new Map<string, Intl.DateTimeFormat>();
function dtf(locale: Locale, options: Intl.DateTimeFormatOptions, key: string): Intl.DateTimeFormat {
  const k = `${locale}:${key}`;
  let f = dateTimeCache.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: TIME_ZONE, ...options });
    dateTimeCache.set(k, f);
  }
  return f;
}

export function dateTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '—';
  return dtf(
    locale,
    { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false },
    'dt',
  ).format(new Date(iso));
}

export function time(iso: string, locale: Locale, withSeconds = true): string {
  return dtf(
    locale,
    { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}), hour12: false },
    withSeconds ? 'ts' : 't',
  ).format(new Date(iso));
}

export function date(iso: string, locale: Locale): string {
  return dtf(locale, { day: '2-digit', month: '2-digit', year: 'numeric' }, 'd').format(new Date(iso));
}

/** Milliseconds → "2 ngày 03:04:05" / "03:04:05" / "04:05". */
export function duration(ms: number, locale: Locale): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const clock = h || days ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
  if (!days) return clock;
  return locale === 'vi' ? `${days} ngày ${clock}` : `${days} d ${clock}`;
}

/** An ISO instant → the value of an <input type="datetime-local"> in Vietnam time (UTC+7, no DST). */
export function toVietnamLocalInput(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 7 * 3600_000);
  return d.toISOString().slice(0, 16);
}

/** The value of an <input type="datetime-local"> read as Vietnam time → ISO UTC. */
export function fromVietnamLocalInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const d = new Date(`${value.length === 16 ? `${value}:00` : value}+07:00`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
