// The external systems webhooks go to (WEBHOOK_TARGETS or WEBHOOK_TARGETS_FILE; server/config.ts reads
// the variables and calls this): a JSON list of targets, each a name, a URL, the secret the bodies are
// signed with, and the event types it takes. Validated at start, every problem named in one line that
// never repeats a secret (nor the JSON's text, which holds them). Pure: the caller reads the file.
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './vocabulary.ts';

export interface WebhookTarget {
  /** How admins and the delivery list name it: lower-case letters, digits, '-' and '_'. */
  name: string;
  /** Where events are POSTed: https (plain http only outside production). */
  url: string;
  /** The HMAC-SHA256 key of X-Platform-Signature, shared with the target; at least 32 bytes. */
  secret: string;
  /** The event types it takes. */
  events: WebhookEventType[];
}

export interface WebhookConfig {
  targets: WebhookTarget[];
  /** The longest wait for one attempt's answer (ms). */
  timeoutMs: number;
  /** Attempts in one series before the delivery is marked failed. */
  maxAttempts: number;
  /** A series older than this stops retrying and is marked failed (hours). */
  maxAgeHours: number;
}

export const TARGET_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const MIN_SECRET_BYTES = 32;
const KEYS = new Set(['name', 'url', 'secret', 'events']);

/**
 * Parses a JSON list of targets. `source` names where it came from in the messages
 * ('WEBHOOK_TARGETS', 'WEBHOOK_TARGETS_FILE /etc/…'); `production` refuses plain http.
 */
export function parseWebhookTargets(
  text: string,
  source: string,
  production: boolean,
): { ok: true; targets: WebhookTarget[] } | { ok: false; problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // The parser's own message quotes the text, secrets included: only its position is kept.
    const at = /position \d+/.exec(err instanceof Error ? err.message : '');
    return { ok: false, problems: [`${source} is not valid JSON${at ? ` (${at[0]})` : ''}`] };
  }
  if (!Array.isArray(parsed))
    return {
      ok: false,
      problems: [`${source} must be a JSON list of targets: [{"name", "url", "secret", "events": [...]}, ...]`],
    };
  const problems: string[] = [];
  const targets: WebhookTarget[] = [];
  const names = new Set<string>();
  for (const [i, item] of parsed.entries()) {
    const where = (name?: unknown) =>
      `${source}: target ${i + 1}${typeof name === 'string' && TARGET_NAME.test(name) ? ` (${name})` : ''}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push(`${where()} must be an object with name, url, secret and events`);
      continue;
    }
    const t = item as Record<string, unknown>;
    const here = where(t.name);
    const before = problems.length;
    const unknown = Object.keys(t).filter((k) => !KEYS.has(k));
    if (unknown.length)
      problems.push(`${here}: unknown field ${unknown.join(', ')} (expected name, url, secret, events)`);
    if (typeof t.name !== 'string' || !TARGET_NAME.test(t.name))
      problems.push(
        `${here}: name must be 1–63 lower-case letters, digits, '-' or '_', starting with a letter or digit`,
      );
    else if (names.has(t.name)) problems.push(`${here}: the name ${t.name} is used by another target`);
    else names.add(t.name);
    const urlProblem = checkUrl(t.url, production);
    if (urlProblem) problems.push(`${here}: url ${urlProblem}`);
    if (typeof t.secret !== 'string' || Buffer.byteLength(t.secret, 'utf8') < MIN_SECRET_BYTES)
      problems.push(
        `${here}: secret must be a string of at least ${MIN_SECRET_BYTES} bytes (for example: openssl rand -hex 32)`,
      );
    const events = t.events;
    if (!Array.isArray(events) || events.length === 0)
      problems.push(`${here}: events must be a non-empty list of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    else {
      const wrong = events.filter((e) => !(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(e));
      if (wrong.length)
        problems.push(
          `${here}: unknown event type ${wrong.map((e) => JSON.stringify(e)).join(', ')} (known: ${WEBHOOK_EVENT_TYPES.join(', ')})`,
        );
      else if (new Set(events).size !== events.length) problems.push(`${here}: an event type is listed twice`);
    }
    if (problems.length === before)
      targets.push({
        name: t.name as string,
        url: t.url as string,
        secret: t.secret as string,
        events: events as WebhookEventType[],
      });
  }
  return problems.length ? { ok: false, problems } : { ok: true, targets };
}

/** Why a target's URL is refused, or undefined. */
function checkUrl(value: unknown, production: boolean): string | undefined {
  if (typeof value !== 'string') return 'must be an absolute https:// URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https:// URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an absolute https:// URL';
  if (url.protocol === 'http:' && production)
    return `must be https:// in production (got ${url.protocol}//${url.host})`;
  if (url.username || url.password)
    return 'must not carry a user name or password (the signature authenticates the platform)';
  if (url.hash) return 'must not have a #fragment';
  return undefined;
}
