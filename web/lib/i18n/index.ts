// The interface language, through i18next (see README, "Languages"). One i18next instance holds both
// catalogues; each request and each page gets a translator fixed to its own locale (getFixedT), so
// concurrent server renders in different languages never share mutable language state.
import i18next, { type TFunction } from 'i18next';
import { vi } from './vi.ts';
import { en } from './en.ts';

export const LOCALES = ['vi', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(v: unknown): v is Locale {
  return v === 'vi' || v === 'en';
}

const instance = i18next.createInstance();
void instance.init({
  resources: { vi: { translation: vi }, en: { translation: en } },
  lng: 'vi',
  fallbackLng: 'vi',
  supportedLngs: [...LOCALES],
  initAsync: false,
  // Svelte escapes output itself.
  interpolation: { escapeValue: false },
  returnNull: false,
});

type Paths<T> = { [K in keyof T & string]: T[K] extends string ? K : `${K}.${Paths<T[K]>}` }[keyof T & string];
/** Every message key: a dotted path into vi.ts (checked at compile time). */
export type MessageKey = Paths<typeof vi>;

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** A translator bound to one locale. Keys are dotted paths into vi.ts. */
export function translator(locale: Locale): Translate {
  const t: TFunction = instance.getFixedT(locale);
  return (key, values) => t(key, values ?? {}) as string;
}
