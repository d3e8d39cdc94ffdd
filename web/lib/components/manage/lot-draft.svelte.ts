// The lot form's draft: what the manager is typing, made once from the lot being edited (or the
// defaults of a new lot) when the form opens, and theirs from then on. Prices and times are typed
// boxes (#lib/typed-box.svelte.ts) that say why what was typed is not an amount or a date and time.
import type { Lot } from '#lib/api/types.ts';
import { ceilToHour } from '#lib/vn-datetime.ts';
import { dateTimeBox, moneyBox, type DateTimeBox, type MoneyBox } from '#lib/typed-box.svelte.ts';

export const MONEY_FIELDS = ['startingPrice', 'priceStep', 'deposit'] as const;
export const TIME_FIELDS = ['registrationOpensAt', 'registrationClosesAt', 'startsAt', 'endsAt'] as const;
export type MoneyField = (typeof MONEY_FIELDS)[number];
export type TimeField = (typeof TIME_FIELDS)[number];

const HOUR = 3600_000;

export class LotDraft {
  title = $state('');
  description = $state('');
  category = $state('licence-plate');
  softClose = $state(false);
  windowSeconds = $state('60');
  extendSeconds = $state('60');
  readonly prices: Record<MoneyField, MoneyBox>;
  /** Times are ISO UTC instants (a box's value is null while it does not read as a date and time). */
  readonly times: Record<TimeField, DateTimeBox>;

  /** A draft of `lot` as it is now, or of a new lot whose windows start at the next whole hours after `now`. */
  constructor(lot: Lot | null, now = Date.now()) {
    this.title = lot?.title ?? '';
    this.description = lot?.description ?? '';
    this.category = lot?.category ?? 'licence-plate';
    this.softClose = !!lot?.softClose;
    this.windowSeconds = String(lot?.softClose?.windowSeconds ?? 60);
    this.extendSeconds = String(lot?.softClose?.extendSeconds ?? 60);
    const price = (v: number | undefined): MoneyBox => moneyBox(() => v ?? null);
    this.prices = {
      startingPrice: price(lot?.startingPrice),
      priceStep: price(lot?.priceStep),
      deposit: price(lot?.deposit),
    };
    const time = (v: string): DateTimeBox => dateTimeBox(() => v);
    this.times = {
      registrationOpensAt: time(lot ? lot.registrationOpensAt : ceilToHour(now + HOUR)),
      registrationClosesAt: time(lot ? lot.registrationClosesAt : ceilToHour(now + 25 * HOUR)),
      startsAt: time(lot ? lot.startsAt : ceilToHour(now + 25 * HOUR)),
      endsAt: time(lot ? lot.endsAt : ceilToHour(now + 26 * HOUR)),
    };
  }
}
