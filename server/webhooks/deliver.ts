// The delivery job (issue 20): one job per attempt of a delivery, run by the durable job runner as a
// two-phase kind (server/jobs/handlers.ts). Outside any transaction it POSTs the event to the target
// (post.ts); then, in the job's transaction, it writes the attempt down and moves the delivery on:
// `delivered` on a 2xx; otherwise the next attempt is scheduled after a back-off with jitter
// (retry-policy.ts), or, past the series' attempts or age, the delivery is `failed`, logged, and listed
// to admins, who may retry it (admin.ts). A process that dies between the POST and its record posts
// again once the job's lease expires, with the same Idempotency-Key: the receiver acts once.
import { and, eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { webhookAttempts, webhookDeliveries, webhookEvents } from '../../db/schema.ts';
import type { TwoPhaseJobHandler } from '../jobs/handlers.ts';
import { scheduleJob } from '../jobs/queue.ts';
import { postWebhook, type AttemptResult } from './post.ts';
import { afterFailure } from './retry-policy.ts';

export const WEBHOOK_DELIVER_JOB = 'webhook.deliver';
/** The longest error kept per attempt. */
const MAX_ERROR_LENGTH = 500;

interface DeliverPayload extends Record<string, unknown> {
  deliveryId: number;
  attempt: number;
}

/** Schedules attempt `attempt` of a delivery at `at`, in the caller's transaction. */
export async function scheduleDeliveryAttempt(tx: Tx | Db, deliveryId: number, attempt: number, at: Date) {
  const payload: DeliverPayload = { deliveryId, attempt };
  const scheduled = await scheduleJob(tx, {
    kind: WEBHOOK_DELIVER_JOB,
    key: `webhook-delivery:${deliveryId}:${attempt}`,
    runAt: at,
    payload,
    at,
  });
  // Attempt numbers only grow, so each attempt's key is new.
  if (scheduled === 'unchanged') throw new Error(`attempt ${attempt} of webhook delivery ${deliveryId} already ran`);
}

/** What the outside phase did. */
type Outcome =
  | { kind: 'stale' }
  | ({ kind: 'attempted'; at: Date } & AttemptResult)
  | { kind: 'no-target'; at: Date; error: string };

export const deliverWebhook: TwoPhaseJobHandler<Outcome> = {
  async outside(ctx, job) {
    const { deliveryId, attempt } = job.payload as DeliverPayload;
    const [d] = await ctx.db
      .select({
        state: webhookDeliveries.state,
        attempts: webhookDeliveries.attempts,
        target: webhookDeliveries.target,
        idempotencyKey: webhookDeliveries.idempotencyKey,
        eventId: webhookEvents.id,
        eventType: webhookEvents.type,
        body: webhookEvents.body,
      })
      .from(webhookDeliveries)
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
      .where(eq(webhookDeliveries.id, deliveryId));
    // Not this attempt's turn (already recorded, or the delivery moved on): nothing to send.
    if (!d || d.state !== 'pending' || d.attempts !== attempt - 1) return { kind: 'stale' };
    const at = ctx.clock.now();
    const target = ctx.config.webhooks.targets.find((t) => t.name === d.target);
    if (!target || !target.events.includes(d.eventType))
      return {
        kind: 'no-target',
        at,
        error: target
          ? `target ${d.target} no longer takes ${d.eventType} events`
          : `target ${d.target} is no longer configured`,
      };
    const result = await postWebhook(
      target,
      { eventId: d.eventId, eventType: d.eventType, idempotencyKey: d.idempotencyKey, body: d.body, attempt },
      ctx.config.webhooks.timeoutMs,
      at,
    );
    return { kind: 'attempted', at, ...result };
  },

  async record(ctx, job, tx, outcome) {
    if (outcome.kind === 'stale') return;
    const { deliveryId, attempt } = job.payload as DeliverPayload;
    const [d] = await tx
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.state, 'pending')))
      .for('update');
    if (!d || d.attempts !== attempt - 1) return;
    const result: AttemptResult =
      outcome.kind === 'attempted' ? outcome : { status: null, error: outcome.error, durationMs: 0 };
    const error = result.error?.slice(0, MAX_ERROR_LENGTH) ?? null;
    await tx.insert(webhookAttempts).values({
      deliveryId,
      attempt,
      at: outcome.at,
      status: result.status,
      error,
      durationMs: result.durationMs,
    });
    const now = ctx.clock.now();
    const fields = { deliveryId, eventId: d.eventId, target: d.target, attempt, status: result.status };
    if (error === null) {
      await tx
        .update(webhookDeliveries)
        .set({
          state: 'delivered',
          attempts: attempt,
          lastStatus: result.status,
          lastError: null,
          nextAttemptAt: null,
          deliveredAt: now,
        })
        .where(eq(webhookDeliveries.id, deliveryId));
      ctx.log.info(fields, 'webhook delivered');
      return;
    }
    const next =
      outcome.kind === 'no-target'
        ? { giveUp: error }
        : afterFailure(
            { attempts: attempt - d.seriesFirstAttempt, startedAt: d.seriesStartedAt },
            ctx.config.webhooks,
            now,
          );
    if ('retryAt' in next) {
      await tx
        .update(webhookDeliveries)
        .set({ attempts: attempt, lastStatus: result.status, lastError: error, nextAttemptAt: next.retryAt })
        .where(eq(webhookDeliveries.id, deliveryId));
      await scheduleDeliveryAttempt(tx, deliveryId, attempt + 1, next.retryAt);
      ctx.log.warn({ ...fields, error, retryAt: next.retryAt }, 'webhook attempt failed; it is tried again later');
      return;
    }
    const lastError = outcome.kind === 'no-target' ? error : `${error}; ${next.giveUp}`;
    await tx
      .update(webhookDeliveries)
      .set({
        state: 'failed',
        attempts: attempt,
        lastStatus: result.status,
        lastError: lastError.slice(0, MAX_ERROR_LENGTH),
        nextAttemptAt: null,
      })
      .where(eq(webhookDeliveries.id, deliveryId));
    ctx.log.error(
      { ...fields, error: lastError },
      'webhook delivery failed (an admin may retry it: GET /api/admin/webhooks)',
    );
  },
};
