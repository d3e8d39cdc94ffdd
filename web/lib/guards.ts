// Page guards for server loads: signed in, and holding a role. The API enforces the same rules; these
// only give people a clear page instead of a half-empty one.
import { error, redirect } from '@sveltejs/kit';
import type { Me, Role } from './api/types.ts';

export function requireSignedIn(locals: App.Locals, url: URL): Me {
  if (!locals.me) redirect(303, `/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
  return locals.me;
}

export function requireRole(locals: App.Locals, url: URL, role: Role): Me {
  const me = requireSignedIn(locals, url);
  if (!me.roles.includes(role)) error(403, { message: 'FORBIDDEN' });
  return me;
}
