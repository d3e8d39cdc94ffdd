// Per-request setup for the pages: the interface language (cookie `lang`, Vietnamese by default),
// the signed-in person (asked of the API with the request's own cookie), and the <html lang>.
// A page that could not get its data because the API is unavailable is a 503 (see lib/api/server.ts):
// this adds the Retry-After header and keeps it out of caches.
import type { Handle } from '@sveltejs/kit/hooks';
import { isLocale } from '#lib/i18n/index.ts';
import { apiUnavailable, DEFAULT_RETRY_AFTER_S, serverApi } from '#lib/api/server.ts';

export const handle: Handle = async ({ event, resolve }) => {
  const lang = event.cookies.get('lang');
  event.locals.locale = isLocale(lang) ? lang : 'vi';
  event.locals.me = null;
  if (event.cookies.getAll().length) {
    // Never throws: with the API down the person is unknown, and a page needing data is a 503.
    const me = await serverApi(event).tryGet((api) => api.GET('/me'));
    if (me.ok) event.locals.me = me.data;
  }
  const response = await resolve(event, {
    transformPageChunk: ({ html }) => html.replace('<html lang="vi">', `<html lang="${event.locals.locale}">`),
  });
  if (response.status !== 503 || response.headers.has('retry-after')) return response;
  const retryAfter = String(apiUnavailable(event.locals)?.retryAfter ?? DEFAULT_RETRY_AFTER_S);
  try {
    response.headers.set('retry-after', retryAfter);
    response.headers.set('cache-control', 'no-store');
    return response;
  } catch {
    // Immutable headers: copy the response.
    const headers = new Headers(response.headers);
    headers.set('retry-after', retryAfter);
    headers.set('cache-control', 'no-store');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
};
