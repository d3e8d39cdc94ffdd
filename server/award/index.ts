// The award after the hammer (issue 18), wired into the platform: its routes, and the handlers of its
// deadline jobs (the signature's and the offer's), registered once per process.
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import { registerJobHandler } from '../jobs/index.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import { CONFIRMATION_DEADLINE_JOB, OFFER_DEADLINE_JOB } from './award-deadlines.ts';
import { awardRoutes } from './award-routes.ts';
import { enforceConfirmationDeadline, enforceOfferDeadline } from './award-service.ts';

export function createAward(ctx: AppContext, key: SigningKey): { path: string; app: ApiApp } {
  registerJobHandler(CONFIRMATION_DEADLINE_JOB, enforceConfirmationDeadline);
  registerJobHandler(OFFER_DEADLINE_JOB, enforceOfferDeadline);
  return { path: '/', app: awardRoutes({ ctx, key }) };
}
