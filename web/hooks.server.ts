// Per-request setup for the pages: the interface language (cookie `lang`, Vietnamese by default),
// the signed-in person (asked of the API with the request's own cookie), and the <html lang>.
import type { Handle } from '@sveltejs/kit/hooks';
import { isLocale } from '#lib/i18n/index.ts';
import { serverApi } from '#lib/api/server.ts';
import type { Me } from '#lib/api/types.ts';

export const handle: Handle = async ({ event, resolve }) => {
  const lang = event.cookies.get('lang');
  event.locals.locale = isLocale(lang) ? lang : 'vi';
  event.locals.me = null;
  if (event.cookies.getAll().length) {
    const me = await serverApi(event).get<Me>('/api/me');
    if (me.ok) event.locals.me = me.data;
  }
  return resolve(event, {
    transformPageChunk: ({ html }) => html.replace('<html lang="vi">', `<html lang="${event.locals.locale}">`),
  });
};
