// The signed-in person and the language, for every page (set by hooks.server.ts). `meUnknown`: the
// request carried a cookie but the API could not say who it belongs to (it is unavailable).
import type { LayoutServerLoad } from './$types';
import { apiUnavailable } from '#lib/api/server.ts';

export const load: LayoutServerLoad = ({ locals }) => ({
  locale: locals.locale,
  me: locals.me,
  meUnknown: !locals.me && Boolean(apiUnavailable(locals)),
});
