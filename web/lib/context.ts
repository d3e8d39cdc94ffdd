// The per-page context the root layout provides: the locale and its translator.
import { getContext, setContext } from 'svelte';
import { translator, type Locale, type Translate } from './i18n/index.ts';

const KEY = Symbol('i18n');

export interface I18n {
  locale: Locale;
  t: Translate;
}

export function provideI18n(locale: Locale): I18n {
  const value = { locale, t: translator(locale) };
  setContext(KEY, value);
  return value;
}

export function useI18n(): I18n {
  return getContext<I18n>(KEY);
}
