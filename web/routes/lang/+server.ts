// Switches the interface language: remembers it in a cookie and goes back to the page.
import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { isLocale } from '#lib/i18n/index.ts';

export const GET: RequestHandler = ({ url, cookies }) => {
  const to = url.searchParams.get('to');
  if (isLocale(to))
    cookies.set('lang', to, {
      path: '/',
      httpOnly: false,
      sameSite: 'lax',
      secure: url.protocol === 'https:',
      maxAge: 365 * 24 * 3600,
    });
  const next = url.searchParams.get('next') ?? '/';
  // Only paths on this site: never an open redirect. Control characters and spaces are refused too:
  // a browser drops a tab from a URL, so "/\t/x" would become "//x" (another site), and a raw control
  // character cannot go into a Location header at all. (\p{Cc}: C0, DEL and C1.)
  redirect(303, /^\/(?![/\\])[^\p{Cc} \\]*$/u.test(next) ? next : '/');
};
