// The platform's configuration: the only module that reads process.env.
// Every value is validated with zod at start; a wrong value stops the process with one line naming
// the variable and what it expects (see formatConfigError).
import fs from 'node:fs';
import { z } from 'zod';
import { parseWebhookTargets, type WebhookConfig, type WebhookTarget } from './webhooks/targets.ts';

const PID = /^\d{12}$/;
const ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
] as const;

const csv = <T extends string>(inner: z.ZodType<T, string>) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(inner));

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `a whole number from ${min} to ${max}` })
    .int(`a whole number from ${min} to ${max}`)
    .min(min, `a whole number from ${min} to ${max}`)
    .max(max, `a whole number from ${min} to ${max}`);
const bool = z
  .enum(['true', 'false', '1', '0', 'on', 'off'], { error: 'true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'on');
const url = (what: string) =>
  z
    .url({ error: `${what} (an absolute http(s) URL)` })
    .refine((u) => /^https?:\/\//.test(u), `${what} (an absolute http(s) URL)`);

/** Claims of a token that mean something else, so no setting may name one as an organisation claim. */
const RESERVED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'nonce',
  'auth_time',
  'azp',
  'acr',
  'amr',
  'name',
  'birthdate',
  'email',
  'email_verified',
]);
const claimName = z.string().regex(/^[A-Za-z_][\w.:-]*$/, 'a claim name');

const schema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'development, production or test' })
    .default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// connection URL')
    .optional(),
  DATABASE_OWNER_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// connection URL')
    .optional(),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: int(100, 60_000).default(2_000),
  DATABASE_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(5_000),
  DATABASE_LOCK_TIMEOUT_MS: int(100, 600_000).default(2_000),
  BID_TIMEOUT_MS: int(200, 60_000).default(2_000),
  REQUEST_TIMEOUT_MS: int(500, 600_000).default(5_000),
  BID_QUEUE_MAX: int(1, 1_000_000).default(2_048),
  OVERLOAD_LAG_MS: int(10, 60_000).default(50),
  RATE_LIMIT_PERSON_PER_SECOND: int(1, 1_000_000).default(50),
  RATE_LIMIT_PERSON_BURST: int(1, 10_000_000).default(200),
  RATE_LIMIT_ADDRESS_PER_SECOND: int(1, 1_000_000).default(200),
  RATE_LIMIT_ADDRESS_BURST: int(1, 10_000_000).default(1_000),
  SOCKET_CONNECTS_PERSON_PER_MINUTE: int(1, 60_000_000).default(60),
  SOCKET_CONNECTS_PERSON_BURST: int(1, 10_000_000).default(30),
  SOCKET_CONNECTS_ADDRESS_PER_MINUTE: int(1, 60_000_000).default(1_200),
  SOCKET_CONNECTS_ADDRESS_BURST: int(1, 10_000_000).default(300),
  HTTP_HEADERS_TIMEOUT_MS: int(500, 120_000).default(10_000),
  HTTP_BODY_TIMEOUT_MS: int(500, 600_000).default(30_000),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// URL')
    .optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w.:-]{1,64}$/, 'letters, digits, _ . : - (at most 64)')
    .default('auction'),
  PUBLIC_ORIGIN: url('the public origin such as https://auction.example.vn')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  CORS_ORIGINS: csv(z.url({ error: 'comma-separated origins' })).default([]),
  TRUST_PROXY: bool.default(false),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'fatal, error, warn, info, debug, trace or silent',
    })
    .default('info'),
  BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024).default(64 * 1024),

  EID_ISSUER: url('the e-ID issuer').optional(),
  EID_AUDIENCE: z.string().min(1).optional(),
  EID_JWKS_URL: url('the e-ID JWKS URL').optional(),
  EID_CLIENT_ID: z.string().min(1).optional(),
  EID_CLIENT_SECRET: z.string().min(1).optional(),
  EID_SCOPES: z.string().min(1).default('openid'),
  EID_ALGORITHMS: csv(z.enum(ALGORITHMS, { error: `algorithms from ${ALGORITHMS.join(',')}` }))
    .default(['ES256', 'EdDSA', 'RS256', 'PS256'])
    .refine((a) => a.length > 0, 'at least one algorithm'),
  EID_LEVEL_CLAIM: claimName.default('loa'),
  // The claims naming the organisation a person acts for (issue 19), and their role in it.
  EID_ORGANISATION_ID_CLAIM: claimName.default('org_id'),
  EID_ORGANISATION_NAME_CLAIM: claimName.default('org_name'),
  EID_ORGANISATION_ROLE_CLAIM: claimName.default('org_role'),
  EID_MAX_TOKEN_AGE: int(1, 7 * 24 * 3600).default(3600),
  EID_CLOCK_TOLERANCE: int(0, 300).default(30),
  ADMIN_PIDS: csv(z.string().regex(PID, '12-digit personal identification numbers, comma-separated')).default([]),
  SESSION_IDLE_MINUTES: int(1, 24 * 60).default(30),
  SESSION_MAX_HOURS: int(1, 24 * 7).default(12),

  AUCTION_MIN_BIDDING_MINUTES: int(0, 7 * 24 * 60).default(15),
  AUCTION_DEPOSIT_MIN_PCT: int(0, 100).default(5),
  AUCTION_DEPOSIT_MAX_PCT: int(0, 100).default(20),
  AUCTION_MIN_BIDDERS: int(1, 1000).default(2),
  // Art. 39: an approved bidder who never attends the bidding forfeits the deposit (issue 18).
  NO_SHOW_FORFEIT: bool.default(true),
  CLOSE_POLL_MS: int(50, 60_000).default(500),

  RECORD_SIGNING_KEY: z.string().min(1).optional(),
  RECORD_SIGNING_KEY_FILE: z.string().min(1).optional(),
  RECORD_RETIRED_KEYS: z.string().min(1).optional(),
  RECORD_RETIRED_KEYS_FILE: z.string().min(1).optional(),
  PERSON_HASH_KEY: z
    .string()
    .min(32, 'a secret of at least 32 characters (for example: openssl rand -base64 32)')
    .optional(),
  PERSON_HASH_KEY_FILE: z.string().min(1).optional(),
  PERSONAL_DATA_KEY: z
    .string()
    .min(
      32,
      'a secret of at least 32 characters, optionally prefixed by an id and a colon (for example: k2026:$(openssl rand -base64 32))',
    )
    .optional(),
  PERSONAL_DATA_KEY_FILE: z.string().min(1).optional(),
  PERSONAL_DATA_RETIRED_KEYS: z.string().min(1).optional(),
  SEALED_BID_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, '32 random bytes as base64url (for example: openssl rand 32 | basenc --base64url)')
    .optional(),
  SEALED_BID_KEY_FILE: z.string().min(1).optional(),
  SEALED_TIE_ROUND_SECONDS: int(10, 24 * 3600).default(300),
  // Money and deadlines (issue 17).
  PAYMENT_WEBHOOK_SECRET: z
    .string()
    .min(32, 'a secret of at least 32 characters shared with the payment provider (for example: openssl rand -hex 32)')
    .optional(),
  PAYMENT_ACCOUNT_BANK: z.string().min(1).max(120).optional(),
  PAYMENT_ACCOUNT_BIN: z
    .string()
    .regex(/^\d{6}$/, "the bank's 6-digit NAPAS BIN (for example 970436)")
    .optional(),
  PAYMENT_ACCOUNT_NUMBER: z
    .string()
    .regex(/^[0-9A-Za-z]{4,19}$/, 'an account number (4 to 19 letters or digits)')
    .optional(),
  PAYMENT_ACCOUNT_HOLDER: z.string().min(1).max(120).optional(),
  PAYMENT_DEADLINE_DAYS: int(1, 365).default(30),
  PAYMENT_DEADLINE_KIND: z.enum(['calendar', 'working'], { error: 'calendar or working' }).default('calendar'),
  REFUND_DEADLINE_WORKING_DAYS: int(1, 60).default(3),
  PAYMENT_DEFAULT_BAR_MONTHS: int(1, 120).default(12),
  // After the hammer (issue 18): the winner's time to sign the record, the next bidder's time to answer
  // Art. 51's offer (hours of working or calendar time), and how recent a sign-in must be to sign.
  CONFIRMATION_DEADLINE_HOURS: int(1, 720).default(24),
  OFFER_DEADLINE_HOURS: int(1, 720).default(24),
  AWARD_DEADLINE_KIND: z.enum(['calendar', 'working'], { error: 'calendar or working' }).default('working'),
  FRESH_SIGNIN_MAX_AGE_SECONDS: int(30, 3600).default(600),
  // Every look is accounted for (issue 20): how many days after a lot's records are final (server/audit/
  // identity-retention.ts) staff may still read who its bidders are; after that, bidder codes only.
  IDENTITY_RETENTION_DAYS: int(1, 36500).default(3650),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'an smtp:// or smtps:// URL')
    .optional(),
  SMTP_FROM: z.string().min(3).max(200).default('Đấu giá trực tuyến <no-reply@localhost>'),
  DEMO: bool.optional(),
  DEMO_DATA: bool.optional(),
  // Webhooks to external systems (issue 20; server/webhooks): the targets as JSON, or a file holding
  // it (it holds their secrets), checked by parseWebhookTargets; one attempt's bound, and when to give up.
  WEBHOOK_TARGETS: z.string().min(1).optional(),
  WEBHOOK_TARGETS_FILE: z.string().min(1).optional(),
  WEBHOOK_TIMEOUT_MS: int(200, 10_000).default(5_000),
  WEBHOOK_MAX_ATTEMPTS: int(1, 50).default(12),
  WEBHOOK_MAX_AGE_HOURS: int(1, 720).default(48),
});

export type Algorithm = (typeof ALGORITHMS)[number];

export interface Config {
  env: 'development' | 'production' | 'test';
  /**
   * Why this process looks like a deployment (NODE_ENV=production, DATABASE_URL set, a public
   * PUBLIC_ORIGIN); empty for the zero-config demo. Any sign turns the demo off unless DEMO=true.
   */
  deploymentSigns: string[];
  port: number;
  host: string;
  databaseUrl?: string;
  /**
   * The role that owns the schema and runs migrations, when it is not the app's role (DATABASE_URL).
   * Migrations then grant the app role only what it needs (db/privileges.ts).
   */
  databaseOwnerUrl?: string;
  databasePoolSize: number;
  /** Bounds on PostgreSQL, in milliseconds (PGlite is in-process and has none). */
  databaseTimeouts: { connectMs: number; statementMs: number; lockMs: number; idleInTransactionMs: number };
  /** Every wait is bounded; past these a client gets 503 UNAVAILABLE with Retry-After. */
  limits: {
    /** A bid (HTTP or socket) is answered within this: accepted, refused, or 503. */
    bidTimeoutMs: number;
    /** Any other request or socket event, until its answer starts. */
    requestTimeoutMs: number;
    /** Bids waiting in one lot's queue in this process; more are refused at once with 503. */
    bidQueueMax: number;
    /** Event-loop delay past which the process refuses new bids at the door (overload). */
    overloadLagMs: number;
  };
  /**
   * Request and connection budgets (token buckets: a burst, refilled at a steady rate). Signed-in
   * requests count against their person only, anonymous ones against their address, so a shared
   * address (carrier NAT, a proxy without TRUST_PROXY) never locks out signed-in bidders; loopback
   * (the platform's own pages, which call the API for every visitor) is not limited per address.
   */
  rateLimits: {
    person: { perSecond: number; burst: number };
    address: { perSecond: number; burst: number };
    socketConnectsPerson: { perSecond: number; burst: number };
    socketConnectsAddress: { perSecond: number; burst: number };
  };
  /** Node's HTTP server bounds against slow clients (slowloris): headers, and the whole request. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number };
  dataDir: string;
  redisUrl?: string;
  /** Prefix of the socket.io adapter's Redis channels: processes of one deployment share it. */
  redisKeyPrefix: string;
  publicOrigin?: string;
  corsOrigins: string[];
  trustProxy: boolean;
  logLevel: string;
  bodyLimitBytes: number;
  eid: {
    /** True when the built-in demo identity provider stands in for the national e-ID. */
    demo: boolean;
    issuer?: string;
    audience: string;
    jwksUrl?: string;
    clientId?: string;
    clientSecret?: string;
    scopes: string;
    algorithms: Algorithm[];
    levelClaim: string;
    /**
     * The names of the claims by which a token says which organisation the person acts for (its
     * organisation e-ID identifier and name) and the person's role in it (issue 19).
     */
    organisationClaims: { identifier: string; name: string; role: string };
    maxTokenAgeSeconds: number;
    clockToleranceSeconds: number;
  };
  adminPids: string[];
  session: { idleMinutes: number; maxHours: number };
  policy: {
    minBiddingMinutes: number;
    depositMinPct: number;
    depositMaxPct: number;
    minBidders: number;
  };
  /** Attendance (issue 18): approved bidders who never attend forfeit their deposits (held after a technical fault). */
  attendance: { noShowForfeit: boolean };
  closePollMs: number;
  /** The record-signing key (a private JWK), or the file holding it; required in production. */
  recordSigningKey?: string;
  recordSigningKeyFile?: string;
  /** Public JWKs of keys that signed earlier records (a JWKS or an array), or the file holding them. */
  recordRetiredKeys?: string;
  recordRetiredKeysFile?: string;
  /** The secret of the keyed hash that chains carry instead of personal ids (server/audit/person-hash.ts). */
  personHashKey?: string;
  personHashKeyFile?: string;
  /**
   * The key-encryption key that wraps each person's data key (server/privacy/personal-data.ts):
   * `id:secret` or a secret, or the file holding it; required in production. Retired keys (comma
   * separated, same form) only unwrap, until the rewrap after a rotation has moved every data key on.
   */
  personalDataKey?: string;
  personalDataKeyFile?: string;
  personalDataRetiredKeys?: string;
  /**
   * The key that wraps each sealed lot's own content key (server/sealed/keys.ts): base64url of 32
   * bytes, or the file holding it; required in production.
   */
  sealedBidKey?: string;
  sealedBidKeyFile?: string;
  /** How long a sealed lot's tie round runs (tie-break policy `round`). */
  sealedTieRoundSeconds: number;
  /** Money and deadlines (issue 17; server/payments). */
  money: MoneyConfig;
  award: AwardConfig;
  /** Webhooks to external systems (issue 20; server/webhooks): none configured means none are sent. */
  webhooks: WebhookConfig;
  /**
   * Days after a lot's records are final (the lot ended and its award can no longer change) during
   * which staff may read its people's identities (issue 20); after that they see bidder codes only.
   */
  identityRetentionDays: number;
  demoData: boolean;
}

export interface MoneyConfig {
  /** The HMAC secret of payment notifications; unset: the webhook is off (statement import and manual entry remain). */
  webhookSecret?: string;
  /** The auction house's account that deposits and balances are paid into. */
  account: { bank: string; bin: string; number: string; holder: string };
  /** The winner's time to pay the balance, in calendar or working days from the close. */
  paymentDeadline: { days: number; kind: 'calendar' | 'working' };
  /** Losers' deposits are refunded within this many working days of the close. */
  refundDeadlineWorkingDays: number;
  /** How long a winner who did not pay is barred from that kind of auction. */
  defaultBarMonths: number;
  /** SMTP for e-mailed notices; unset: notices are in-app only. */
  smtpUrl?: string;
  smtpFrom: string;
}

/** The award after the close (issue 18). */
export interface AwardConfig {
  /** The winner's time to sign the record (Art. 44(3), 52), in hours of `deadlineKind` time from the close. */
  confirmationHours: number;
  /** The next bidder's time to answer the offer (Art. 51), in hours from the offer. */
  offerHours: number;
  /** `working`: the hours count only on working days (Vietnam time); `calendar`: every hour counts. */
  deadlineKind: 'calendar' | 'working';
  /** A signature needs an e-ID sign-in (auth_time) at most this many seconds old. */
  freshSignInMaxAgeSeconds: number;
}

/** The demo's account (outside production, when none is configured): clearly not a real one. */
/** The demo's webhook secret (demo data only; published, so never a deployment's). */
export const DEMO_WEBHOOK_SECRET = 'whsec_demo_published_not_secret_0123456789';

const DEMO_ACCOUNT = {
  bank: 'Ngân hàng Demo (không có thật)',
  bin: '970400',
  number: '0000123456789',
  holder: 'DAU GIA TRUC TUYEN DEMO',
};

export class ConfigError extends Error {}

/** Reads and validates the configuration; throws ConfigError with one line per offending variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const env = Object.fromEntries(
    Object.entries(source).filter(([k, v]) => k in schema.shape && v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'configuration');
      return `invalid ${name}=${JSON.stringify(source[name] ?? '')}: expected ${i.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const demo = !e.EID_ISSUER;
  // Fail closed: the demo identity provider lets anyone pick the admin persona, so it runs only for
  // the zero-config start on this machine, or when asked for by name (DEMO=true, never in production).
  const deploymentSigns = [
    ...(production ? ['NODE_ENV=production'] : []),
    ...(e.DATABASE_URL ? ['DATABASE_URL is set'] : []),
    ...(e.PUBLIC_ORIGIN && !isLoopbackOrigin(e.PUBLIC_ORIGIN)
      ? [`PUBLIC_ORIGIN ${e.PUBLIC_ORIGIN} is not a loopback address`]
      : []),
  ];
  const demoAllowed = e.DEMO ?? deploymentSigns.length === 0;
  const demoData = e.DEMO_DATA ?? (!production && demo && demoAllowed);
  const problems: string[] = [];
  if (production && e.DEMO)
    problems.push(
      'DEMO=true is not allowed in production (the demo identity provider lets anyone sign in as any persona, admin included)',
    );
  else if (production && demo)
    problems.push('EID_ISSUER is required in production (the demo identity provider is for development only)');
  else if (demo && !demoAllowed) {
    problems.push(
      e.DEMO === false
        ? 'No e-ID provider: set EID_ISSUER and EID_AUDIENCE (DEMO=false turns the built-in demo identity provider off)'
        : `No e-ID provider: set EID_ISSUER and EID_AUDIENCE. This looks like a deployment (${deploymentSigns.join('; ')}), so the built-in demo identity provider, where anyone may sign in as any persona, admin included, is off; set DEMO=true to run it anyway (never in production)`,
    );
  }
  if (production && !e.PUBLIC_ORIGIN) problems.push('PUBLIC_ORIGIN is required in production');
  if (production && e.DEMO_DATA) problems.push('DEMO_DATA=true is not allowed in production');
  if (production) {
    const plain = (name: string, value: string | undefined): void => {
      if (value && !value.startsWith('https://'))
        problems.push(`${name} must be an https:// URL in production (got ${value})`);
    };
    plain('PUBLIC_ORIGIN', e.PUBLIC_ORIGIN);
    plain('EID_ISSUER', e.EID_ISSUER);
    plain('EID_JWKS_URL', e.EID_JWKS_URL);
    for (const origin of e.CORS_ORIGINS) plain('CORS_ORIGINS', origin);
  }
  if (production && e.AUCTION_MIN_BIDDING_MINUTES < 1)
    problems.push('AUCTION_MIN_BIDDING_MINUTES below 1 is a test setting, not allowed in production');
  if (e.AUCTION_DEPOSIT_MIN_PCT > e.AUCTION_DEPOSIT_MAX_PCT)
    problems.push(
      `AUCTION_DEPOSIT_MIN_PCT (${e.AUCTION_DEPOSIT_MIN_PCT}) must not exceed AUCTION_DEPOSIT_MAX_PCT (${e.AUCTION_DEPOSIT_MAX_PCT})`,
    );
  if (!demo && !e.EID_AUDIENCE) problems.push('EID_AUDIENCE is required when EID_ISSUER is set');
  if (e.EID_CLIENT_SECRET && !e.EID_CLIENT_ID) problems.push('EID_CLIENT_SECRET is set without EID_CLIENT_ID');
  const claimSettings = [
    'EID_LEVEL_CLAIM',
    'EID_ORGANISATION_ID_CLAIM',
    'EID_ORGANISATION_NAME_CLAIM',
    'EID_ORGANISATION_ROLE_CLAIM',
  ] as const;
  for (const [i, a] of claimSettings.entries()) {
    const same = claimSettings.slice(i + 1).find((b) => e[a] === e[b]);
    if (same) problems.push(`${a} and ${same} name the same claim (${e[a]}): each needs its own`);
  }
  for (const a of claimSettings.slice(1))
    if (RESERVED_CLAIMS.has(e[a]))
      problems.push(`${a}=${e[a]} is a standard claim that means something else: name another claim`);
  if (e.DATABASE_OWNER_URL && !e.DATABASE_URL)
    problems.push(
      'DATABASE_OWNER_URL is set without DATABASE_URL (the owner role migrates, the app connects with DATABASE_URL)',
    );
  const oneOf = (a: string, b: string): void => {
    if (e[a as keyof typeof e] && e[b as keyof typeof e]) problems.push(`set ${a} or ${b}, not both`);
  };
  oneOf('RECORD_SIGNING_KEY', 'RECORD_SIGNING_KEY_FILE');
  oneOf('RECORD_RETIRED_KEYS', 'RECORD_RETIRED_KEYS_FILE');
  oneOf('PERSON_HASH_KEY', 'PERSON_HASH_KEY_FILE');
  oneOf('PERSONAL_DATA_KEY', 'PERSONAL_DATA_KEY_FILE');
  oneOf('SEALED_BID_KEY', 'SEALED_BID_KEY_FILE');
  // In production no key lives in the database or is made up at start: a database writer could read
  // or replace it (and every key in the table used to be published).
  if (production && !e.RECORD_SIGNING_KEY && !e.RECORD_SIGNING_KEY_FILE)
    problems.push(
      'RECORD_SIGNING_KEY or RECORD_SIGNING_KEY_FILE is required in production (the record-signing key is never generated into the database there)',
    );
  if (production && !e.PERSON_HASH_KEY && !e.PERSON_HASH_KEY_FILE)
    problems.push(
      'PERSON_HASH_KEY or PERSON_HASH_KEY_FILE is required in production (the key of the hashes that chains carry instead of personal ids; never change it)',
    );
  if (production && !e.PERSONAL_DATA_KEY && !e.PERSONAL_DATA_KEY_FILE)
    problems.push(
      'PERSONAL_DATA_KEY or PERSONAL_DATA_KEY_FILE is required in production (the key that wraps the keys of personal data at rest; it never lives in the database)',
    );
  if (production && !e.SEALED_BID_KEY && !e.SEALED_BID_KEY_FILE)
    problems.push(
      'SEALED_BID_KEY or SEALED_BID_KEY_FILE is required in production (the key that wraps the keys of sealed bids; never change it while a sealed lot is open)',
    );
  const accountVars = [
    'PAYMENT_ACCOUNT_BANK',
    'PAYMENT_ACCOUNT_BIN',
    'PAYMENT_ACCOUNT_NUMBER',
    'PAYMENT_ACCOUNT_HOLDER',
  ] as const;
  const accountSet = accountVars.filter((v) => e[v] !== undefined);
  if (accountSet.length > 0 && accountSet.length < accountVars.length)
    problems.push(
      `set all of ${accountVars.join(', ')} or none (missing: ${accountVars.filter((v) => e[v] === undefined).join(', ')})`,
    );
  if (production && accountSet.length === 0)
    problems.push(
      `${accountVars.join(', ')} are required in production (the account that deposits and balances are paid into)`,
    );
  oneOf('WEBHOOK_TARGETS', 'WEBHOOK_TARGETS_FILE');
  const webhookTargets = readWebhookTargets(e.WEBHOOK_TARGETS, e.WEBHOOK_TARGETS_FILE, production, problems);
  // An attempt runs within a job's bound (two request bounds: server/jobs/runner.ts), with time to spare.
  if (webhookTargets.length > 0 && e.WEBHOOK_TIMEOUT_MS + 1_000 > 2 * e.REQUEST_TIMEOUT_MS)
    problems.push(
      `WEBHOOK_TIMEOUT_MS (${e.WEBHOOK_TIMEOUT_MS}) must be at least 1000 below twice REQUEST_TIMEOUT_MS (${e.REQUEST_TIMEOUT_MS}), the bound of a background job`,
    );
  if (problems.length) throw new ConfigError(problems.join('\n'));

  return {
    env: e.NODE_ENV,
    deploymentSigns,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.DATABASE_OWNER_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseTimeouts: {
      connectMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      statementMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      lockMs: e.DATABASE_LOCK_TIMEOUT_MS,
      idleInTransactionMs: Math.max(10_000, 2 * e.DATABASE_STATEMENT_TIMEOUT_MS),
    },
    limits: {
      bidTimeoutMs: e.BID_TIMEOUT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      bidQueueMax: e.BID_QUEUE_MAX,
      overloadLagMs: e.OVERLOAD_LAG_MS,
    },
    rateLimits: {
      person: { perSecond: e.RATE_LIMIT_PERSON_PER_SECOND, burst: e.RATE_LIMIT_PERSON_BURST },
      address: { perSecond: e.RATE_LIMIT_ADDRESS_PER_SECOND, burst: e.RATE_LIMIT_ADDRESS_BURST },
      socketConnectsPerson: {
        perSecond: e.SOCKET_CONNECTS_PERSON_PER_MINUTE / 60,
        burst: e.SOCKET_CONNECTS_PERSON_BURST,
      },
      socketConnectsAddress: {
        perSecond: e.SOCKET_CONNECTS_ADDRESS_PER_MINUTE / 60,
        burst: e.SOCKET_CONNECTS_ADDRESS_BURST,
      },
    },
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: Math.max(e.HTTP_BODY_TIMEOUT_MS, e.HTTP_HEADERS_TIMEOUT_MS),
    },
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    publicOrigin: e.PUBLIC_ORIGIN,
    corsOrigins: e.CORS_ORIGINS,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    eid: {
      demo,
      issuer: e.EID_ISSUER,
      audience: e.EID_AUDIENCE ?? 'auction-platform',
      jwksUrl: e.EID_JWKS_URL,
      clientId: e.EID_CLIENT_ID,
      clientSecret: e.EID_CLIENT_SECRET,
      scopes: e.EID_SCOPES,
      algorithms: e.EID_ALGORITHMS,
      levelClaim: e.EID_LEVEL_CLAIM,
      organisationClaims: {
        identifier: e.EID_ORGANISATION_ID_CLAIM,
        name: e.EID_ORGANISATION_NAME_CLAIM,
        role: e.EID_ORGANISATION_ROLE_CLAIM,
      },
      maxTokenAgeSeconds: e.EID_MAX_TOKEN_AGE,
      clockToleranceSeconds: e.EID_CLOCK_TOLERANCE,
    },
    adminPids: e.ADMIN_PIDS,
    session: { idleMinutes: e.SESSION_IDLE_MINUTES, maxHours: e.SESSION_MAX_HOURS },
    policy: {
      minBiddingMinutes: e.AUCTION_MIN_BIDDING_MINUTES,
      depositMinPct: e.AUCTION_DEPOSIT_MIN_PCT,
      depositMaxPct: e.AUCTION_DEPOSIT_MAX_PCT,
      minBidders: e.AUCTION_MIN_BIDDERS,
    },
    attendance: { noShowForfeit: e.NO_SHOW_FORFEIT },
    closePollMs: e.CLOSE_POLL_MS,
    recordSigningKey: e.RECORD_SIGNING_KEY,
    recordSigningKeyFile: e.RECORD_SIGNING_KEY_FILE,
    recordRetiredKeys: e.RECORD_RETIRED_KEYS,
    recordRetiredKeysFile: e.RECORD_RETIRED_KEYS_FILE,
    personHashKey: e.PERSON_HASH_KEY,
    personHashKeyFile: e.PERSON_HASH_KEY_FILE,
    personalDataKey: e.PERSONAL_DATA_KEY,
    personalDataKeyFile: e.PERSONAL_DATA_KEY_FILE,
    personalDataRetiredKeys: e.PERSONAL_DATA_RETIRED_KEYS,
    sealedBidKey: e.SEALED_BID_KEY,
    sealedBidKeyFile: e.SEALED_BID_KEY_FILE,
    sealedTieRoundSeconds: e.SEALED_TIE_ROUND_SECONDS,
    money: {
      // The demo signs its demo bank's notifications with a published secret; a deployment sets its own.
      webhookSecret: e.PAYMENT_WEBHOOK_SECRET ?? (demoData ? DEMO_WEBHOOK_SECRET : undefined),
      account:
        e.PAYMENT_ACCOUNT_BANK && e.PAYMENT_ACCOUNT_BIN && e.PAYMENT_ACCOUNT_NUMBER && e.PAYMENT_ACCOUNT_HOLDER
          ? {
              bank: e.PAYMENT_ACCOUNT_BANK,
              bin: e.PAYMENT_ACCOUNT_BIN,
              number: e.PAYMENT_ACCOUNT_NUMBER,
              holder: e.PAYMENT_ACCOUNT_HOLDER,
            }
          : DEMO_ACCOUNT,
      paymentDeadline: { days: e.PAYMENT_DEADLINE_DAYS, kind: e.PAYMENT_DEADLINE_KIND },
      refundDeadlineWorkingDays: e.REFUND_DEADLINE_WORKING_DAYS,
      defaultBarMonths: e.PAYMENT_DEFAULT_BAR_MONTHS,
      smtpUrl: e.SMTP_URL,
      smtpFrom: e.SMTP_FROM,
    },
    award: {
      confirmationHours: e.CONFIRMATION_DEADLINE_HOURS,
      offerHours: e.OFFER_DEADLINE_HOURS,
      deadlineKind: e.AWARD_DEADLINE_KIND,
      freshSignInMaxAgeSeconds: e.FRESH_SIGNIN_MAX_AGE_SECONDS,
    },
    webhooks: {
      targets: webhookTargets,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      maxAgeHours: e.WEBHOOK_MAX_AGE_HOURS,
    },
    identityRetentionDays: e.IDENTITY_RETENTION_DAYS,
    demoData,
  };
}

/** The webhook targets from WEBHOOK_TARGETS or the file WEBHOOK_TARGETS_FILE names (none when neither is set). */
function readWebhookTargets(
  inline: string | undefined,
  file: string | undefined,
  production: boolean,
  problems: string[],
): WebhookTarget[] {
  if (inline && file) return [];
  let text = inline;
  let source = 'WEBHOOK_TARGETS';
  if (file) {
    source = `WEBHOOK_TARGETS_FILE ${file}`;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${source} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return [];
    }
  }
  if (text === undefined) return [];
  const parsed = parseWebhookTargets(text, source, production);
  if (!parsed.ok) problems.push(...parsed.problems);
  return parsed.ok ? parsed.targets : [];
}

/** Whether an origin names this machine (localhost, 127.0.0.0/8, ::1): a developer's, not a deployment. */
export function isLoopbackOrigin(origin: string): boolean {
  const host = new URL(origin).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The start-up line that says which mode runs, and why. */
export function modeLine(config: Config): string {
  const data = config.demoData ? 'demo data on' : 'no demo data';
  if (config.eid.demo) {
    const why = config.deploymentSigns.length
      ? `DEMO=true although ${config.deploymentSigns.join('; ')}`
      : 'zero-config start on this machine';
    return `Mode: demo (NODE_ENV=${config.env}; ${why}): built-in demo e-ID provider where anyone may sign in as any persona, ${data}. Not for production.`;
  }
  return `Mode: ${config.env} (e-ID provider ${config.eid.issuer}; demo identity provider off; ${data})`;
}

/**
 * Settings that are valid but probably wrong, for the start-up log: with Redis (several processes
 * behind a load balancer) and without TRUST_PROXY, every client has the balancer's address, so the
 * per-address limits count everyone together.
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.redisUrl && !config.trustProxy) {
    warnings.push(
      "REDIS_URL is set (several processes behind a load balancer?) but TRUST_PROXY is not: every client then has the balancer's address, so per-address limits (token failures, anonymous requests, socket connects) count all clients together. Set TRUST_PROXY=true when a balancer you run appends X-Forwarded-For.",
    );
  }
  if (config.databaseUrl && !config.databaseOwnerUrl) {
    warnings.push(
      'DATABASE_URL is set without DATABASE_OWNER_URL: the platform\'s database role owns the tables, so anyone holding its credentials can disable the append-only triggers and rewrite the ledger or the audit log (the hash chains still show it). Run migrations as a separate owner role: see "Security model" in the README.',
    );
  }
  if (config.databaseUrl && !config.personHashKey && !config.personHashKeyFile) {
    warnings.push(
      `PERSON_HASH_KEY is not set: the key of the hashes chained instead of personal ids is generated into ${config.dataDir}. Every process of a deployment must share one key: set PERSON_HASH_KEY (or PERSON_HASH_KEY_FILE) on all of them.`,
    );
  }
  if (config.databaseUrl && !config.personalDataKey && !config.personalDataKeyFile) {
    warnings.push(
      `PERSONAL_DATA_KEY is not set: the key that wraps personal data at rest is generated into ${config.dataDir}. Every process of a deployment must share one key: set PERSONAL_DATA_KEY (or PERSONAL_DATA_KEY_FILE) on all of them.`,
    );
  }
  if (config.databaseUrl && !config.sealedBidKey && !config.sealedBidKeyFile) {
    warnings.push(
      `SEALED_BID_KEY is not set: the key that wraps the keys of sealed bids is generated into ${config.dataDir}. Every process of a deployment must share one key: set SEALED_BID_KEY (or SEALED_BID_KEY_FILE) on all of them.`,
    );
  }
  return warnings;
}

/** The Node major the platform needs; checked before anything else loads (see server/main.ts). */
export const REQUIRED_NODE_MAJOR = 24;
