// The transparency log's domain (issue 20): the log over every signed document's digest, its public
// routes under /api/log, and the appender other domains call when they issue a document
// (log-leaves.ts). See README "Transparency log" for how an outsider monitors it.
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import { createTransparencyLog, type TransparencyLog } from './log-service.ts';
import { transparencyRoutes } from './routes.ts';

export function createTransparency(
  ctx: AppContext,
  key: SigningKey,
): { log: TransparencyLog; router: { path: string; app: ApiApp } } {
  const log = createTransparencyLog(ctx, key);
  return { log, router: { path: '/', app: transparencyRoutes(ctx, log) } };
}
