// The lot form's draft: what the manager is typing, made once from the lot being edited (or the
// defaults of a new lot) when the form opens, and theirs from then on. Prices and times are typed
// boxes (#lib/typed-box.svelte.ts) that say why what was typed is not an amount or a date and time.
// The auction method's terms (#lib/lot-method.ts) are kept for every method while the manager switches
// between them; only the chosen method's go to the server (MethodDraft.terms).
import type { Lot } from '#lib/api/types.ts';
import type { LotMethod, RoundsTerms, TieBreak } from '#lib/lot-method.ts';
import { ceilToHour } from '#lib/vn-datetime.ts';
import { readingProblem } from '#lib/money.ts';
import type { Translate } from '#lib/i18n/index.ts';
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
  /** The auction method and its parameters. */
  readonly auction: MethodDraft;
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
    const price = (v: number | undefined | null): MoneyBox => moneyBox(() => v ?? null);
    this.auction = new MethodDraft(lot, price(lot?.floorPrice));
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

/**
 * Seconds typed in a box, as a whole number above zero (null otherwise). A number box bound with
 * `bind:value` holds a number (null while empty), a draft made from a lot holds text.
 */
export function wholeSeconds(typed: string | number | null): number | null {
  const text = String(typed ?? '').trim();
  const n = Number(text);
  return text !== '' && Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** The method fields a lot's terms send (all of them: the other methods' as null). */
export interface MethodTermsBody {
  method: LotMethod;
  rounds: RoundsTerms | null;
  intervalSeconds: number | null;
  floorPrice: number | null;
  tieBreak: TieBreak | null;
  replaceable: boolean | null;
}

/** The auction method and its parameters as the manager types them. */
export class MethodDraft {
  method = $state<LotMethod>('ascending');
  rounds = $state(false);
  roundsMax = $state<string | number | null>('10');
  roundsSeconds = $state<string | number | null>('30');
  roundsTrigger = $state<string | number | null>('10');
  intervalSeconds = $state<string | number | null>('60');
  readonly floorPrice: MoneyBox;
  tieBreak = $state<TieBreak>('earliest');
  replaceable = $state(true);

  constructor(lot: Lot | null, floorPrice: MoneyBox) {
    this.method = lot?.method ?? 'ascending';
    this.rounds = !!lot?.rounds;
    this.roundsMax = String(lot?.rounds?.max ?? 10);
    this.roundsSeconds = String(lot?.rounds?.seconds ?? 30);
    this.roundsTrigger = String(lot?.rounds?.triggerSeconds ?? 10);
    this.intervalSeconds = String(lot?.intervalSeconds ?? 60);
    this.floorPrice = floorPrice;
    this.tieBreak = lot?.tieBreak ?? 'earliest';
    this.replaceable = lot?.replaceable ?? true;
  }

  /** Whether the lot takes a soft close (ascending without rounds: rounds are its extension). */
  get softCloseAllowed(): boolean {
    return this.method === 'ascending' && !this.rounds;
  }

  /** What is wrong with the chosen method's parameters as typed, by field (the API's names). */
  problems(t: Translate): Record<string, string> {
    const e: Record<string, string> = {};
    if (this.method === 'ascending' && this.rounds)
      for (const [f, text] of [
        ['rounds.max', this.roundsMax],
        ['rounds.seconds', this.roundsSeconds],
        ['rounds.triggerSeconds', this.roundsTrigger],
      ] as const)
        if (wholeSeconds(text) === null) e[f] = t('methods.form.wholeSeconds');
    if (this.method === 'descending') {
      if (wholeSeconds(this.intervalSeconds) === null) e.intervalSeconds = t('methods.form.wholeSeconds');
      const floor = this.floorPrice;
      const problem = floor.reading.kind === 'empty' ? t('money.required') : readingProblem(floor.reading, t);
      if (problem !== undefined) e.floorPrice = problem;
      else if (!floor.value) e.floorPrice = t('money.notPositive');
    }
    return e;
  }

  /** The chosen method's terms, the others null (a number that does not read goes as null, for the API to name). */
  terms(): MethodTermsBody {
    const m = this.method;
    return {
      method: m,
      rounds:
        m === 'ascending' && this.rounds
          ? {
              max: wholeSeconds(this.roundsMax) ?? 0,
              seconds: wholeSeconds(this.roundsSeconds) ?? 0,
              triggerSeconds: wholeSeconds(this.roundsTrigger) ?? 0,
            }
          : null,
      intervalSeconds: m === 'descending' ? wholeSeconds(this.intervalSeconds) : null,
      floorPrice: m === 'descending' ? this.floorPrice.value : null,
      tieBreak: m === 'sealed' ? this.tieBreak : null,
      replaceable: m === 'sealed' ? this.replaceable : null,
    };
  }
}
