// Admins' routes of webhooks to external systems (issue 20): GET /api/admin/webhooks lists the
// configured targets (no secrets) and the deliveries, newest first, each with its attempts (status
// code or error, time taken) and when it is tried next; POST /api/admin/webhooks/{id}/retry sends a
// failed delivery again (a new series of attempts; audited).
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, requireRole } from '../identity/auth-middleware.ts';
import { unwrap } from '../shared/errors.ts';
import { pathId } from '../shared/validation.ts';
import { listDeliveries, retryDelivery, targetViews } from './admin.ts';
import { TARGET_NAME } from './targets.ts';
import { WEBHOOK_DELIVERY_STATES, WEBHOOK_EVENT_TYPES } from './vocabulary.ts';

const tags = ['webhooks'];
const security = [{ eid: [] }];

const DeliveriesQuery = z.object({
  state: z
    .enum(WEBHOOK_DELIVERY_STATES)
    .optional()
    .openapi({ param: { name: 'state', in: 'query' }, example: 'failed' }),
  target: z
    .string()
    .regex(TARGET_NAME)
    .optional()
    .openapi({ param: { name: 'target', in: 'query' }, example: 'national-portal' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(100)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 100 }),
});

const TargetSchema = z
  .object({ name: z.string(), url: z.string(), events: z.array(z.enum(WEBHOOK_EVENT_TYPES)) })
  .openapi('WebhookTarget');

const AttemptSchema = z
  .object({
    attempt: z.number().int(),
    at: z.string(),
    status: z.number().int().nullable().openapi({ description: "The answer's HTTP status; null when none came" }),
    error: z.string().nullable().openapi({ description: 'Why it did not count as delivered; null when delivered' }),
    durationMs: z.number().int(),
  })
  .openapi('WebhookAttempt');

const DeliverySchema = z
  .object({
    id: z.number().int(),
    eventId: z.string(),
    eventType: z.enum(WEBHOOK_EVENT_TYPES),
    target: z.string(),
    idempotencyKey: z.string().openapi({ description: 'Sent as Idempotency-Key on every attempt' }),
    state: z.enum(WEBHOOK_DELIVERY_STATES),
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable().openapi({ description: 'When a pending delivery is tried next' }),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
    attemptLog: z.array(AttemptSchema),
  })
  .openapi('WebhookDelivery');

export function webhookRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/webhooks',
      ...access({ roles: ['admin'] }),
      tags,
      security,
      summary: 'Webhook targets and deliveries, newest first (admin)',
      description:
        'The external systems events are pushed to (WEBHOOK_TARGETS; never their secrets) and the deliveries, each with every attempt. `failed`: every attempt of its series failed; POST /api/admin/webhooks/{id}/retry sends it again.',
      request: { query: DeliveriesQuery },
      responses: {
        200: json(
          z.object({ targets: z.array(TargetSchema), items: z.array(DeliverySchema) }),
          'The targets and deliveries',
        ),
        ...errorResponses(401, 403, 422, 429),
      },
    }),
    async (c) => {
      const { state, target, limit } = c.req.valid('query');
      const items = await listDeliveries(ctx.db, { state, target, limit });
      c.header('cache-control', 'no-store');
      return c.json({ targets: targetViews(ctx), items }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/webhooks/{id}/retry',
      ...access({ roles: ['admin'] }),
      tags,
      security,
      summary: 'Send a failed webhook delivery again (admin)',
      description:
        'Starts a new series of attempts, the first now, then the usual back-off. 404 `webhook_delivery_not_found`; 409 `webhook_delivery_not_failed` (pending or delivered) or `webhook_target_not_configured`. Audited (`webhook.retried`).',
      request: { params: z.object({ id: pathId('id') }) },
      responses: {
        200: json(DeliverySchema, 'The delivery, pending again'),
        ...errorResponses(401, 403, 404, 409, 422, 429),
      },
    }),
    async (c) => {
      const admin = requireRole(c, 'admin');
      return c.json(unwrap(await retryDelivery(ctx, admin, c.req.valid('param').id)), 200);
    },
  );
  return app;
}
