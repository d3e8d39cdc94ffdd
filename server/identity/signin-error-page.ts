// The page a browser gets when signing in fails (GET /auth/callback and friends answer HTML to a
// browser): in the person's language (the pages' `lang` cookie, Vietnamese by default), worded by the
// error's reason through the web app's own catalogues and wording (web/lib/server-text.ts), so it reads
// like the rest of the interface; the code stays on the page for support.
import { isLocale, translator, type Locale } from '../../web/lib/i18n/index.ts';
import { errorText } from '../../web/lib/server-text.ts';
import { errorObject } from '../http/error-body.ts';
import type { AppError } from '../shared/errors.ts';

const escape = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The interface language a request asks for: the `lang` cookie the pages set, else Vietnamese. */
export function pageLocale(cookie: string | undefined): Locale {
  return isLocale(cookie) ? cookie : 'vi';
}

export function signInErrorPage(error: AppError, locale: Locale): string {
  const t = translator(locale);
  const title = escape(t('server.page.signinFailed'));
  const text = escape(errorText({ t, locale }, errorObject(error)));
  const code = escape(t('server.page.errorCode', { code: error.reason ?? error.code }));
  return `<!doctype html><html lang="${locale}"><meta charset="utf-8"><title>${title}</title><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto"><h1>${title}</h1><p>${text}</p><p><small>${code}</small></p><p><a href="/auth/signin">${escape(t('server.page.signInAgain'))}</a> · <a href="/">${escape(t('errors.home'))}</a></p></body></html>`;
}
