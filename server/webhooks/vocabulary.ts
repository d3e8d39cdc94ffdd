// The words of webhooks to external systems (issue 20, "shared, not copied by hand"): which events are
// pushed, and the states a delivery goes through. Pure: the schema and the web app import it too.

/**
 * What is pushed. `result.published`: a lot's signed result notice, as issued (server/results).
 * `log.leaf_appended`: a signed document's digest appended to the transparency log (server/transparency).
 * Neither carries personal data (DESIGN.md §8).
 */
export const WEBHOOK_EVENT_TYPES = ['result.published', 'log.leaf_appended'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * `pending`: an attempt is scheduled (nextAttemptAt); `delivered`: the target answered 2xx;
 * `failed`: every attempt of the series failed, or the series outlived its age: an admin may retry it.
 */
export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];
