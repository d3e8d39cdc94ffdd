// The Drizzle schema for the whole domain. Constraints here are the last line of defence for the
// invariants of DESIGN.md §3: unique (lot, seq), unique idempotency keys, positive integer VND,
// checked enums and foreign keys. The append-only triggers on `ledger_entries` and `audit_events`
// live in a custom migration (db/migrations/*_append_only.sql).
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { SHED_REASONS } from '../server/bidding/shed-reasons.ts';
import { PROVINCE_IDS, type ProvinceId } from '../server/auctions/provinces.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** VND amounts: integers, within JavaScript's safe range (checked at the API boundary too). */
const vnd = (name: string) => bigint(name, { mode: 'number' });
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

export const ROLES = ['manager', 'regulator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const LOT_STATUSES = ['draft', 'scheduled', 'live', 'closed', 'failed', 'cancelled'] as const;
export type LotStatus = (typeof LOT_STATUSES)[number];
export const REGISTRATION_STATUSES = ['pending_deposit', 'approved', 'barred', 'rejected'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];
export const DEPOSIT_STATES = ['pending', 'received', 'refundable', 'refunded', 'forfeited', 'retained'] as const;
export type DepositState = (typeof DEPOSIT_STATES)[number];
export const ENTRY_KINDS = ['bid', 'withdrawal'] as const;
/** The languages a lot's rules may be written in (the interface's languages). */
export const RULES_LANGUAGES = ['vi', 'en'] as const;
export type RulesLanguage = (typeof RULES_LANGUAGES)[number];
export type EntryKind = (typeof ENTRY_KINDS)[number];

const inList = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

export const people = pgTable(
  'people',
  {
    pid: text('pid').primaryKey(),
    name: text('name'),
    level: smallint('level').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
  },
  (t) => [
    check('people_pid_format', sql`${t.pid} ~ '^[0-9]{12}$'`),
    check('people_level_range', sql`${t.level} in (1, 2)`),
  ],
);

export const roleGrants = pgTable(
  'role_grants',
  {
    pid: text('pid')
      .notNull()
      .references(() => people.pid),
    role: text('role').$type<Role>().notNull(),
    grantedBy: text('granted_by'),
    grantedAt: ts('granted_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.pid, t.role] }), check('role_grants_role', inList('role', ROLES))],
);

export const lots = pgTable(
  'lots',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    category: text('category').notNull().default('other'),
    /** Where the asset is: one of Vietnam's 34 provinces and centrally-run cities (server/auctions/provinces.ts). */
    province: text('province').$type<ProvinceId>(),
    status: text('status').$type<LotStatus>().notNull().default('draft'),
    startingPrice: vnd('starting_price').notNull(),
    priceStep: vnd('price_step').notNull(),
    deposit: vnd('deposit').notNull(),
    registrationOpensAt: ts('registration_opens_at').notNull(),
    registrationClosesAt: ts('registration_closes_at').notNull(),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    /** The end as published; endsAt moves with soft-close extensions. */
    scheduledEndsAt: ts('scheduled_ends_at').notNull(),
    softCloseWindowSeconds: integer('soft_close_window_seconds'),
    softCloseExtendSeconds: integer('soft_close_extend_seconds'),
    rulesVersion: integer('rules_version').notNull().default(1),
    rules: text('rules').notNull(),
    /** The language `rules` is written in. */
    rulesLanguage: text('rules_language').$type<RulesLanguage>().notNull().default('en'),
    /** The same rules in the other languages: the platform's generated rules come in every one. */
    rulesTranslations: jsonb('rules_translations').$type<Partial<Record<RulesLanguage, string>>>(),
    /** True when the platform wrote the rules from the terms and the policy (server/auctions/lot-rules.ts). */
    rulesGenerated: boolean('rules_generated').notNull().default(false),
    managerPid: text('manager_pid')
      .notNull()
      .references(() => people.pid),
    // The standing state of the ledger, updated in the same transaction as each entry.
    seq: integer('seq').notNull().default(0),
    bidCount: integer('bid_count').notNull().default(0),
    currentPrice: vnd('current_price'),
    leaderRegistrationId: integer('leader_registration_id'),
    lastHash: text('last_hash'),
    // The outcome.
    cancelReason: text('cancel_reason'),
    closedAt: ts('closed_at'),
    finalPrice: vnd('final_price'),
    winnerRegistrationId: integer('winner_registration_id'),
    // The catalogue search (server/auctions/lot-search.ts): title, description and province, normalised
    // when written (server/shared/search-text.ts), and their letters and digits only. Null until
    // written or back-filled at start; trigram indexes on PostgreSQL with pg_trgm (migration 0005).
    searchText: text('search_text'),
    searchCompact: text('search_compact'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('lots_status', inList('status', LOT_STATUSES)),
    check('lots_rules_language', inList('rules_language', RULES_LANGUAGES)),
    check('lots_province', sql`${t.province} is null or ${inList('province', PROVINCE_IDS)}`),
    check('lots_positive_money', sql`${t.startingPrice} > 0 and ${t.priceStep} > 0 and ${t.deposit} > 0`),
    check(
      'lots_window_order',
      sql`${t.registrationOpensAt} < ${t.registrationClosesAt} and ${t.registrationClosesAt} <= ${t.startsAt} and ${t.startsAt} < ${t.endsAt}`,
    ),
    check(
      'lots_soft_close',
      sql`(${t.softCloseWindowSeconds} is null) = (${t.softCloseExtendSeconds} is null) and coalesce(${t.softCloseWindowSeconds}, 1) > 0 and coalesce(${t.softCloseExtendSeconds}, 1) > 0`,
    ),
    check('lots_seq_nonnegative', sql`${t.seq} >= 0 and ${t.bidCount} >= 0`),
    index('lots_status_ends_at').on(t.status, t.endsAt),
    index('lots_starts_at').on(t.startsAt),
    index('lots_province').on(t.province),
    // Lots whose search text is still to be filled (server/auctions/lot-search.ts): found at start without a scan.
    index('lots_search_pending')
      .on(t.id)
      .where(sql`${t.searchText} is null`),
  ],
);

export const lotImages = pgTable(
  'lot_images',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    position: integer('position').notNull().default(0),
    contentType: text('content_type').notNull(),
    bytes: bytea('bytes').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('lot_images_lot').on(t.lotId, t.position),
    check('lot_images_type', inList('content_type', ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'])),
  ],
);

export const registrations = pgTable(
  'registrations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    pid: text('pid')
      .notNull()
      .references(() => people.pid),
    bidderCode: text('bidder_code').notNull(),
    status: text('status').$type<RegistrationStatus>().notNull().default('pending_deposit'),
    depositState: text('deposit_state').$type<DepositState>().notNull().default('pending'),
    rulesVersion: integer('rules_version').notNull(),
    rulesAcceptedAt: ts('rules_accepted_at').notNull(),
    approvedBy: text('approved_by'),
    approvedAt: ts('approved_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('registrations_lot_person').on(t.lotId, t.pid),
    uniqueIndex('registrations_lot_code').on(t.lotId, t.bidderCode),
    index('registrations_person').on(t.pid),
    check('registrations_status', inList('status', REGISTRATION_STATUSES)),
    check('registrations_deposit_state', inList('deposit_state', DEPOSIT_STATES)),
  ],
);

/** The bid ledger: bids and withdrawals, one gap-free hash-chained sequence per lot. Append-only. */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    seq: integer('seq').notNull(),
    kind: text('kind').$type<EntryKind>().notNull(),
    registrationId: integer('registration_id')
      .notNull()
      .references(() => registrations.id),
    bidderCode: text('bidder_code').notNull(),
    /** For a bid, the amount bid; for a withdrawal, the amount of the bid withdrawn. */
    amount: vnd('amount').notNull(),
    /** For a withdrawal, the seq of the bid it withdraws. */
    withdrawsSeq: integer('withdraws_seq'),
    placedAt: ts('placed_at').notNull(),
    idempotencyKey: text('idempotency_key'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('ledger_lot_seq').on(t.lotId, t.seq),
    uniqueIndex('ledger_idempotency').on(t.registrationId, t.idempotencyKey),
    check('ledger_kind', inList('kind', ENTRY_KINDS)),
    check('ledger_positive', sql`${t.amount} > 0 and ${t.seq} > 0`),
    check('ledger_withdrawal_ref', sql`(${t.kind} = 'withdrawal') = (${t.withdrawsSeq} is not null)`),
  ],
);

/**
 * Every state change, with the actor's personal id. Append-only, hash-chained across the platform.
 * From chain version 2 the chain covers keyed hashes of the actor and of a person subject
 * (server/shared/hash-chain.ts), never the clear personal ids beside them.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** 1: the chain covers actor_pid and subject in clear (events before issue 13); 2: their keyed hashes. */
    chainVersion: smallint('chain_version').notNull().default(1),
    at: ts('at').notNull(),
    actorPid: text('actor_pid'),
    actorHash: text('actor_hash'),
    action: text('action').notNull(),
    lotId: integer('lot_id'),
    subject: text('subject'),
    /** The keyed hash of the subject when the subject is a person. */
    subjectHash: text('subject_hash'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_events_lot').on(t.lotId),
    index('audit_events_at').on(t.at),
    check('audit_events_chain_version', sql`${t.chainVersion} in (1, 2)`),
    // A version-2 event carries the actor's hash exactly when it has an actor.
    check('audit_events_actor_hash', sql`${t.chainVersion} = 1 or (${t.actorPid} is null) = (${t.actorHash} is null)`),
  ],
);

/** Browser sessions: only the SHA-256 of the cookie value is stored. */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    pid: text('pid')
      .notNull()
      .references(() => people.pid),
    level: smallint('level').notNull(),
    name: text('name'),
    csrfToken: text('csrf_token').notNull(),
    createdAt: ts('created_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('sessions_pid').on(t.pid)],
);

/** ID tokens already exchanged for a session (by jti or nonce), so none is exchanged twice. */
export const usedIdTokens = pgTable('used_id_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  usedAt: ts('used_at').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

/** Record-signing keys; retired keys stay published so old records still verify. */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  privateJwk: jsonb('private_jwk').$type<Record<string, unknown>>(),
  publicJwk: jsonb('public_jwk').$type<Record<string, unknown>>().notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  retiredAt: ts('retired_at'),
});

/**
 * The built-in demo identity provider's state (oidc-provider's sessions, interactions, codes, grants),
 * so demo sign-ins survive restarts and work across processes. Demo mode only; never holds real data.
 */
export const demoIdpRecords = pgTable(
  'demo_idp_records',
  {
    model: text('model').notNull(),
    id: text('id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    grantId: text('grant_id'),
    uid: text('uid'),
    userCode: text('user_code'),
    expiresAt: ts('expires_at'),
    consumedAt: ts('consumed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.id] }),
    index('demo_idp_records_grant').on(t.grantId),
    index('demo_idp_records_uid').on(t.uid),
    index('demo_idp_records_expires').on(t.expiresAt),
  ],
);

/**
 * Bids the platform refused for its own reasons (overload, an unreachable database, a deadline),
 * counted per lot, minute and reason (server/bidding/shed-log.ts). Part of the lot's record: a
 * technical fault during bidding is on the record.
 */
export const shedBids = pgTable(
  'shed_bids',
  {
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    minute: ts('minute').notNull(),
    reason: text('reason').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.lotId, t.minute, t.reason] }),
    check('shed_bids_reason', inList('reason', SHED_REASONS)),
    check('shed_bids_count', sql`count > 0`),
  ],
);
