// The signed-in person and the language, for every page (set by hooks.server.ts).
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({ locale: locals.locale, me: locals.me });
