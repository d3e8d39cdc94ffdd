// Per-request setup for the pages: the interface language (cookie `lang`, Vietnamese by default),
// the signed-in person (asked of the API with the request's own cookie), and the <html lang>.
// A page that could not get its data because the API is unavailable is a 503 (see lib/api/server.ts):
// this adds the Retry-After header and keeps it out of caches.
import type { Handle } from '@sveltejs/kit/hooks';
import { isLocale } from '#lib/i18n/index.ts';
import { apiUnavailable, DEFAULT_RETRY_AFTER_S, serverApi } from '#lib/api/server.ts';

/** The first-party device cookie (server/supervision/client-hash.ts: live supervision hashes it, keyed, per lot). */
const DEVICE_COOKIE = 'auction_device';
const DEVICE_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * A random id naming a signed-in person's browser, for live supervision's shared-device signal: set
 * once, kept a year; never read by the pages, only sent with the browser's own bids and socket.
 */
function ensureDeviceCookie(event: Parameters<Handle>[0]['event']): void {
  if (DEVICE_ID.test(event.cookies.get(DEVICE_COOKIE) ?? '')) return;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const id = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  event.cookies.set(DEVICE_COOKIE, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: event.url.protocol === 'https:',
    maxAge: 365 * 86_400,
  });
}

export const handle: Handle = async ({ event, resolve }) => {
  const lang = event.cookies.get('lang');
  event.locals.locale = isLocale(lang) ? lang : 'vi';
  event.locals.me = null;
  if (event.cookies.getAll().length) {
    // Never throws: with the API down the person is unknown, and a page needing data is a 503.
    const me = await serverApi(event).tryGet((api) => api.GET('/me'));
    if (me.ok) event.locals.me = me.data;
    if (event.locals.me) ensureDeviceCookie(event);
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
