// Webhook configuration (issue 20): WEBHOOK_TARGETS as JSON or a file, every target checked at start
// (name, URL, secret of at least 32 bytes, known event types) with one clear line per problem that
// never repeats a secret; https required in production; an attempt's bound within a job's; and the
// retry policy's figures (back-off doubling with jitter, the series bounded by attempts and age).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { afterFailure, retryDelayMs, RETRY_BASE_MS, RETRY_CAP_MS } from '../../server/webhooks/retry-policy.ts';
import { parseWebhookTargets } from '../../server/webhooks/targets.ts';
import { PAYMENT_ACCOUNT } from '../support/production-env.ts';

const SECRET = 'a-shared-secret-of-more-than-32-bytes!';
const target = (over: Record<string, unknown> = {}) => ({
  name: 'national-portal',
  url: 'https://portal.example.vn/hooks/auction',
  secret: SECRET,
  events: ['result.published'],
  ...over,
});
/** A production configuration that loads (its key files are read later, at start, not here). */
const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_ORIGIN: 'https://auction.example.vn',
  EID_ISSUER: 'https://id.example.vn',
  EID_AUDIENCE: 'auction',
  RECORD_SIGNING_KEY_FILE: '/etc/auction/record-signing-key.jwk',
  PERSON_HASH_KEY_FILE: '/etc/auction/person-hash.key',
  PERSONAL_DATA_KEY_FILE: '/etc/auction/personal-data.key',
  SEALED_BID_KEY_FILE: '/etc/auction/sealed-bid.key',
  ...PAYMENT_ACCOUNT,
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The ConfigError's message of a configuration that must be refused. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ NODE_ENV: 'test', ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('WEBHOOK_TARGETS', () => {
  it('is empty by default, with the default bounds', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).webhooks).toEqual({
      targets: [],
      timeoutMs: 5_000,
      maxAttempts: 12,
      maxAgeHours: 48,
    });
  });

  it('reads a JSON list of targets, inline or from a file', () => {
    const two = [
      target(),
      target({
        name: 'open_data-2',
        url: 'http://127.0.0.1:9999/x',
        events: ['log.leaf_appended', 'result.published'],
      }),
    ];
    const inline = loadConfig({ NODE_ENV: 'test', WEBHOOK_TARGETS: JSON.stringify(two), WEBHOOK_MAX_ATTEMPTS: '3' });
    expect(inline.webhooks).toMatchObject({ targets: two, maxAttempts: 3 });
    const file = path.join(dir, 'targets.json');
    fs.writeFileSync(file, JSON.stringify(two));
    expect(loadConfig({ NODE_ENV: 'test', WEBHOOK_TARGETS_FILE: file }).webhooks.targets).toEqual(two);
  });

  it('refuses both at once, and a file that cannot be read', () => {
    const file = path.join(dir, 'both.json');
    fs.writeFileSync(file, '[]');
    expect(refusal({ WEBHOOK_TARGETS: '[]', WEBHOOK_TARGETS_FILE: file })).toContain(
      'set WEBHOOK_TARGETS or WEBHOOK_TARGETS_FILE, not both',
    );
    expect(refusal({ WEBHOOK_TARGETS_FILE: path.join(dir, 'missing.json') })).toBe(
      `WEBHOOK_TARGETS_FILE ${path.join(dir, 'missing.json')} cannot be read (ENOENT)`,
    );
  });

  it('names each problem of each target in its own line, and never the secret', () => {
    const message = refusal({
      WEBHOOK_TARGETS: JSON.stringify([
        target({ secret: 'short-secret-value' }),
        target({ name: 'Bad Name', url: 'ftp://portal.example.vn/' }),
        target({ name: 'second', events: ['result.published', 'lot.closed'], extra: 1 }),
        target({ name: 'second', url: 'https://user:pw@example.vn/#x' }),
        target({ name: 'third', events: [] }),
        'not an object',
      ]),
    });
    expect(message.split('\n')).toEqual([
      'WEBHOOK_TARGETS: target 1 (national-portal): secret must be a string of at least 32 bytes (for example: openssl rand -hex 32)',
      "WEBHOOK_TARGETS: target 2: name must be 1–63 lower-case letters, digits, '-' or '_', starting with a letter or digit",
      'WEBHOOK_TARGETS: target 2: url must be an absolute https:// URL',
      'WEBHOOK_TARGETS: target 3 (second): unknown field extra (expected name, url, secret, events)',
      'WEBHOOK_TARGETS: target 3 (second): unknown event type "lot.closed" (known: result.published, log.leaf_appended)',
      'WEBHOOK_TARGETS: target 4 (second): the name second is used by another target',
      'WEBHOOK_TARGETS: target 4 (second): url must not carry a user name or password (the signature authenticates the platform)',
      'WEBHOOK_TARGETS: target 5 (third): events must be a non-empty list of result.published, log.leaf_appended',
      'WEBHOOK_TARGETS: target 6 must be an object with name, url, secret and events',
    ]);
    expect(message).not.toContain('short-secret-value');
    expect(message).not.toContain(SECRET);
  });

  it('says where JSON is broken without quoting it (it holds secrets)', () => {
    const message = refusal({ WEBHOOK_TARGETS: `[{"name": "p", "secret": "${SECRET}",]` });
    expect(message).toMatch(/^WEBHOOK_TARGETS is not valid JSON( \(position \d+\))?$/);
    expect(message).not.toContain(SECRET);
    expect(refusal({ WEBHOOK_TARGETS: JSON.stringify(target()) })).toContain('must be a JSON list of targets');
  });

  it('counts the secret in bytes: 32 bytes pass, 31 do not', () => {
    const ok = parseWebhookTargets(JSON.stringify([target({ secret: 'x'.repeat(32) })]), 'T', false);
    expect(ok.ok).toBe(true);
    const short = parseWebhookTargets(JSON.stringify([target({ secret: 'x'.repeat(31) })]), 'T', false);
    expect(short.ok).toBe(false);
    // 11 three-byte characters are 33 bytes.
    expect(parseWebhookTargets(JSON.stringify([target({ secret: 'ế'.repeat(11) })]), 'T', false).ok).toBe(true);
  });

  it('takes plain http outside production only', () => {
    const http = JSON.stringify([target({ url: 'http://portal.example.vn/hooks' })]);
    expect(parseWebhookTargets(http, 'T', false).ok).toBe(true);
    expect(parseWebhookTargets(http, 'T', true)).toEqual({
      ok: false,
      problems: ['T: target 1 (national-portal): url must be https:// in production (got http://portal.example.vn)'],
    });
    expect(() => loadConfig({ ...PRODUCTION, WEBHOOK_TARGETS: http })).toThrow('url must be https:// in production');
    expect(loadConfig({ ...PRODUCTION, WEBHOOK_TARGETS: JSON.stringify([target()]) }).webhooks.targets).toHaveLength(1);
  });

  it('keeps an attempt within a background job’s bound', () => {
    const targets = JSON.stringify([target()]);
    expect(refusal({ WEBHOOK_TARGETS: targets, REQUEST_TIMEOUT_MS: '2000', WEBHOOK_TIMEOUT_MS: '3500' })).toBe(
      'WEBHOOK_TIMEOUT_MS (3500) must be at least 1000 below twice REQUEST_TIMEOUT_MS (2000), the bound of a background job',
    );
    expect(
      loadConfig({ NODE_ENV: 'test', WEBHOOK_TARGETS: targets, REQUEST_TIMEOUT_MS: '2000', WEBHOOK_TIMEOUT_MS: '3000' })
        .webhooks.timeoutMs,
    ).toBe(3000);
    expect(refusal({ WEBHOOK_TIMEOUT_MS: '60000' })).toContain('invalid WEBHOOK_TIMEOUT_MS="60000"');
    expect(refusal({ WEBHOOK_MAX_ATTEMPTS: '0' })).toContain('invalid WEBHOOK_MAX_ATTEMPTS="0"');
  });
});

describe('the retry policy', () => {
  it('doubles from 30 s up to an hour, the second half of each pause random', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 12].map((n) => retryDelayMs(n, () => 1))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
    expect(retryDelayMs(1, () => 0)).toBe(RETRY_BASE_MS / 2);
    expect(retryDelayMs(30, () => 0)).toBe(RETRY_CAP_MS / 2);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(3);
      expect(d).toBeGreaterThanOrEqual(60_000);
      expect(d).toBeLessThanOrEqual(120_000);
    }
  });

  it('stops a series at its attempts or its age', () => {
    const start = new Date('2027-01-01T00:00:00Z');
    const limits = { maxAttempts: 12, maxAgeHours: 48 };
    const at = (h: number) => new Date(start.getTime() + h * 3_600_000);
    expect(afterFailure({ attempts: 1, startedAt: start }, limits, start, () => 1)).toEqual({
      retryAt: new Date(start.getTime() + 30_000),
    });
    expect(afterFailure({ attempts: 12, startedAt: start }, limits, at(5))).toEqual({
      giveUp: 'gave up after 12 attempts',
    });
    // The next attempt would fall after 48 hours: stop now.
    expect(afterFailure({ attempts: 9, startedAt: start }, limits, at(47.5), () => 1)).toEqual({
      giveUp: 'gave up after 48 hours (9 attempts)',
    });
    expect(afterFailure({ attempts: 9, startedAt: start }, limits, at(46.5), () => 1)).toEqual({ retryAt: at(47.5) });
  });
});
