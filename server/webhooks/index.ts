// Webhooks to external systems (issue 20, "shared, not copied by hand"), wired into the platform: the
// job kinds (the fan-out of an event to its targets, and one attempt of a delivery) run by the durable
// job runner, and the admins' routes. Other domains call enqueueWebhookEvent (events.ts) inside the
// transaction of the fact they tell of.
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import { registerJobHandler, registerTwoPhaseJobHandler } from '../jobs/handlers.ts';
import { deliverWebhook, WEBHOOK_DELIVER_JOB } from './deliver.ts';
import { WEBHOOK_FANOUT_JOB } from './events.ts';
import { fanOutWebhookEvent } from './fan-out.ts';
import { webhookRoutes } from './routes.ts';

export { enqueueWebhookEvent, type WebhookEvent } from './events.ts';
export type { WebhookEventType } from './vocabulary.ts';

export function createWebhooks(ctx: AppContext): { path: string; app: ApiApp } {
  registerJobHandler(WEBHOOK_FANOUT_JOB, fanOutWebhookEvent);
  registerTwoPhaseJobHandler(WEBHOOK_DELIVER_JOB, deliverWebhook);
  return { path: '/', app: webhookRoutes(ctx) };
}
