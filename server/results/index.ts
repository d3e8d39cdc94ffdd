// The published results' domain (issue 18, publication; DESIGN.md §8): the handler of the result
// notice job (whatever ends a lot or changes its award asks for one: schedule.ts), and the public
// routes mounted under /api (the JSON feed, a lot's notices, a signed notice, the Atom feed, which
// server/platform.ts also serves at /results.atom).
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import { registerJobHandler } from '../jobs/index.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import { resultNoticeHandler } from './notice.ts';
import { resultRoutes } from './routes.ts';
import { RESULT_NOTICE_JOB } from './schedule.ts';

export function createResults(ctx: AppContext, key: SigningKey): { path: string; app: ApiApp } {
  registerJobHandler(RESULT_NOTICE_JOB, resultNoticeHandler(key));
  return { path: '/', app: resultRoutes(ctx) };
}
