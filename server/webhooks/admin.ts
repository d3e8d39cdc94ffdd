// What admins see of webhooks and may do (issue 20): the configured targets (never their secrets), the
// deliveries newest first with each attempt's status code or error, and a retry of a failed delivery,
// which starts a new series of attempts (the first one now) and is written to the audit log.
import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { webhookAttempts, webhookDeliveries, webhookEvents } from '../../db/schema.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { scheduleDeliveryAttempt } from './deliver.ts';
import type { WebhookDeliveryState, WebhookEventType } from './vocabulary.ts';

export interface WebhookTargetView {
  name: string;
  url: string;
  events: WebhookEventType[];
}

export interface WebhookAttemptView {
  attempt: number;
  at: string;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDeliveryView {
  id: number;
  eventId: string;
  eventType: WebhookEventType;
  target: string;
  idempotencyKey: string;
  state: WebhookDeliveryState;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
  /** Every attempt, oldest first. */
  attemptLog: WebhookAttemptView[];
}

/** The configured targets as admins see them: no secret. */
export function targetViews(ctx: Pick<AppContext, 'config'>): WebhookTargetView[] {
  return ctx.config.webhooks.targets.map(({ name, url, events }) => ({ name, url, events }));
}

/** Deliveries newest first, with their attempts. */
export async function listDeliveries(
  db: Db,
  filter: { id?: number; state?: WebhookDeliveryState; target?: string; eventId?: string; limit: number },
): Promise<WebhookDeliveryView[]> {
  const where: SQL[] = [];
  if (filter.id !== undefined) where.push(eq(webhookDeliveries.id, filter.id));
  if (filter.state) where.push(eq(webhookDeliveries.state, filter.state));
  if (filter.target) where.push(eq(webhookDeliveries.target, filter.target));
  if (filter.eventId) where.push(eq(webhookDeliveries.eventId, filter.eventId));
  const rows = await db
    .select({ d: webhookDeliveries, eventType: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(...where))
    .orderBy(desc(webhookDeliveries.id))
    .limit(filter.limit);
  const ids = rows.map((r) => r.d.id);
  const attempts = ids.length
    ? await db
        .select()
        .from(webhookAttempts)
        .where(inArray(webhookAttempts.deliveryId, ids))
        .orderBy(asc(webhookAttempts.deliveryId), asc(webhookAttempts.attempt))
    : [];
  const byDelivery = Map.groupBy(attempts, (a) => a.deliveryId);
  return rows.map(({ d, eventType }) => ({
    id: d.id,
    eventId: d.eventId,
    eventType,
    target: d.target,
    idempotencyKey: d.idempotencyKey,
    state: d.state,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    attemptLog: (byDelivery.get(d.id) ?? []).map((a) => ({
      attempt: a.attempt,
      at: a.at.toISOString(),
      status: a.status,
      error: a.error,
      durationMs: a.durationMs,
    })),
  }));
}

/**
 * An admin's retry of a failed delivery: a new series of attempts (the first now, then the usual
 * back-off, attempts and age counted from now). 404 for no such delivery; 409 when it is not failed
 * or its target is no longer configured. Audited (`webhook.retried`).
 */
export async function retryDelivery(ctx: AppContext, admin: Person, id: number): Promise<Result<WebhookDeliveryView>> {
  const now = ctx.clock.now();
  const refused = await ctx.db.transaction(async (tx) => {
    const [d] = await tx
      .select({ d: webhookDeliveries, eventType: webhookEvents.type })
      .from(webhookDeliveries)
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
      .where(eq(webhookDeliveries.id, id))
      .for('update', { of: webhookDeliveries });
    if (!d) return refuse('webhook_delivery_not_found', { id });
    if (d.d.state !== 'failed') return refuse('webhook_delivery_not_failed', { id, state: d.d.state });
    const target = ctx.config.webhooks.targets.find((t) => t.name === d.d.target);
    if (!target || !target.events.includes(d.eventType))
      return refuse('webhook_target_not_configured', { target: d.d.target });
    await tx
      .update(webhookDeliveries)
      .set({ state: 'pending', seriesFirstAttempt: d.d.attempts, seriesStartedAt: now, nextAttemptAt: now })
      .where(eq(webhookDeliveries.id, id));
    await scheduleDeliveryAttempt(tx, id, d.d.attempts + 1, now);
    await appendAudit(tx, {
      actorPid: admin.pid,
      action: 'webhook.retried',
      subject: String(id),
      data: { delivery: id, target: d.d.target, eventId: d.d.eventId, eventType: d.eventType, attempts: d.d.attempts },
      at: now,
    });
    return undefined;
  });
  if (refused) return refused;
  const [view] = await listDeliveries(ctx.db, { id, limit: 1 });
  return ok(view);
}
