// Page guards for server loads: signed in, and holding a role. The API enforces the same rules; these
// only give people a clear page instead of a half-empty one. While the API is unavailable nobody is
// known to be signed in: that is the "temporarily unavailable" page, not a trip to the sign-in page.
import { error, redirect } from '@sveltejs/kit';
import { ensureApiAvailable } from './api/server.ts';
import type { Me, Role } from './api/types.ts';

export function requireSignedIn(locals: App.Locals, url: URL): Me {
  if (!locals.me) ensureApiAvailable(locals);
  if (!locals.me) redirect(303, `/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
  return locals.me;
}

export function requireRole(locals: App.Locals, url: URL, role: Role): Me {
  const me = requireSignedIn(locals, url);
  if (!me.roles.includes(role)) error(403, 'FORBIDDEN');
  return me;
}
