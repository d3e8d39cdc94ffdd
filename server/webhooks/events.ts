// Telling external systems that something happened (issue 20, "shared, not copied by hand"): the
// writer's side. enqueueWebhookEvent is called inside the transaction of the fact it tells of (a
// result notice issued, a digest appended to the transparency log) and schedules one fan-out job
// there, so an event exists exactly when its fact committed. It needs no configuration: the fan-out
// job (fan-out.ts), which has it, gives each target subscribed to the event's type its own delivery.
// An event never carries personal data (DESIGN.md §8): callers put in result notices and digests only.
import type { Db, Tx } from '../../db/client.ts';
import { scheduleJob } from '../jobs/queue.ts';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './vocabulary.ts';

export const WEBHOOK_FANOUT_JOB = 'webhook.fanout';
/** The longest event id (the fan-out job's key holds it). */
export const MAX_EVENT_ID_LENGTH = 160;
/** Event ids: letters, digits and . _ : - (readable in the admins' list and in a receiver's logs). */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export interface WebhookEvent {
  type: WebhookEventType;
  /** Stable and unique across events ('result-notice:12:1'): enqueueing an id twice sends it once. */
  id: string;
  occurredAt: Date;
  /** JSON data, the same for every target; never personal data. */
  data: Record<string, unknown>;
}

/** The fan-out job's payload: the event as JSON. */
export interface FanoutPayload extends Record<string, unknown> {
  type: WebhookEventType;
  id: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/**
 * Schedules the event's fan-out inside the caller's transaction. A second call with the same id before
 * the fan-out ran replaces its data; after it ran, changes nothing (the event was sent as it was).
 */
export async function enqueueWebhookEvent(tx: Tx | Db, event: WebhookEvent): Promise<void> {
  if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event.type))
    throw new RangeError(`not a webhook event type: ${event.type}`);
  if (event.id.length > MAX_EVENT_ID_LENGTH || !EVENT_ID_PATTERN.test(event.id))
    throw new RangeError(`not a webhook event id: ${event.id}`);
  if (Number.isNaN(event.occurredAt.getTime())) throw new RangeError('occurredAt is not a time');
  const payload: FanoutPayload = {
    type: event.type,
    id: event.id,
    occurredAt: event.occurredAt.toISOString(),
    data: event.data,
  };
  await scheduleJob(tx, {
    kind: WEBHOOK_FANOUT_JOB,
    key: `webhook-event:${event.id}`,
    runAt: event.occurredAt,
    payload,
    at: event.occurredAt,
  });
}

/** The body every target receives for an event, exactly as signed. */
export function eventBody(p: FanoutPayload): string {
  return JSON.stringify({ id: p.id, type: p.type, occurredAt: p.occurredAt, data: p.data });
}
