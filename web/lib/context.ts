// The per-page context the root layout provides: the locale and its translator.
import { getContext, setContext } from 'svelte';
import { translator, type Locale, type Translate } from './i18n/index.ts';

const KEY = Symbol('i18n');

export interface I18n {
  locale: Locale;
  t: Translate;
}

/**
 * Provides the page's language, read through `locale` whenever it is used (the root layout passes its
 * data's locale; a language switch reloads the page, so in practice it is read as it was at the start).
 */
export function provideI18n(locale: () => Locale): I18n {
  const translators = new Map<Locale, Translate>();
  const translate = (l: Locale): Translate => translators.get(l) ?? translators.set(l, translator(l)).get(l)!;
  const value: I18n = {
    get locale() {
      return locale();
    },
    t: (key, values) => translate(locale())(key, values),
  };
  setContext(KEY, value);
  return value;
}

export function useI18n(): I18n {
  return getContext<I18n>(KEY);
}
