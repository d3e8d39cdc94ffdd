// The fan-out job of a webhook event (issue 20): with the configuration at hand (the writer of the
// event had none), it stores the event's body once and gives each target subscribed to the event's
// type a delivery, with its first attempt scheduled now, all in the job's transaction. An event no
// target takes is not stored. A target added later does not receive events fanned out before it.
import { createHash } from 'node:crypto';
import { webhookDeliveries, webhookEvents } from '../../db/schema.ts';
import type { JobHandler } from '../jobs/handlers.ts';
import { scheduleDeliveryAttempt } from './deliver.ts';
import { eventBody, type FanoutPayload } from './events.ts';

/** Idempotency-Key: the same for an event and a target on every attempt, and nothing else. */
export function idempotencyKey(eventId: string, target: string): string {
  return createHash('sha256').update(`${eventId}\n${target}`, 'utf8').digest('base64url');
}

export const fanOutWebhookEvent: JobHandler = async (ctx, job, tx) => {
  const event = job.payload as FanoutPayload;
  const targets = ctx.config.webhooks.targets.filter((t) => t.events.includes(event.type));
  if (targets.length === 0) return;
  const now = ctx.clock.now();
  await tx
    .insert(webhookEvents)
    .values({
      id: event.id,
      type: event.type,
      occurredAt: new Date(event.occurredAt),
      body: eventBody(event),
      createdAt: now,
    })
    .onConflictDoNothing();
  for (const target of targets) {
    const [delivery] = await tx
      .insert(webhookDeliveries)
      .values({
        eventId: event.id,
        target: target.name,
        idempotencyKey: idempotencyKey(event.id, target.name),
        seriesStartedAt: now,
        nextAttemptAt: now,
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.id });
    if (delivery) await scheduleDeliveryAttempt(tx, delivery.id, 1, now);
  }
};
