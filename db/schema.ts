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
import { AWARD_STATES, type AwardState } from '../server/auctions/award-vocabulary.ts';
import { PROVINCE_IDS, type ProvinceId } from '../server/auctions/provinces.ts';
import {
  WEBHOOK_DELIVERY_STATES,
  WEBHOOK_EVENT_TYPES,
  type WebhookDeliveryState,
  type WebhookEventType,
} from '../server/webhooks/vocabulary.ts';
import {
  PAYMENT_KINDS,
  PAYMENT_STATES,
  CREDIT_SOURCES,
  CREDIT_OUTCOMES,
  HOLD_REASONS,
  CREDIT_DECISIONS,
  REFUND_REASONS,
  REFUND_STATES,
  type PaymentKind,
  type PaymentState,
  type CreditSource,
  type CreditOutcome,
  type HoldReason,
  type CreditDecision,
  type RefundReason,
  type RefundState,
} from '../server/payments/vocabulary.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** VND amounts: integers, within JavaScript's safe range (checked at the API boundary too). */
const vnd = (name: string) => bigint(name, { mode: 'number' });
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });
/** A full-text search vector, read and written as PostgreSQL's text form (server/shared/search-text.ts writes it). */
const tsvector = customType<{ data: string; driverData: string }>({ dataType: () => 'tsvector' });

export const ROLES = ['manager', 'regulator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** `suspended`: bidding stopped by a technical suspension (issue 18), until a re-run cancels the lot. */
export const LOT_STATUSES = ['draft', 'scheduled', 'live', 'suspended', 'closed', 'failed', 'cancelled'] as const;
export type LotStatus = (typeof LOT_STATUSES)[number];
/**
 * `pending_authorisation` (issue 19): an organisation's registration whose deposit is in but whose
 * representative's authorisation document the lot's manager has not approved yet; it may not bid.
 */
export const REGISTRATION_STATUSES = [
  'pending_deposit',
  'pending_authorisation',
  'approved',
  'barred',
  'rejected',
] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];
/** `carried`: moved, with its registration, to the lot's re-run after a technical suspension (issue 18). */
export const DEPOSIT_STATES = [
  'pending',
  'received',
  'refundable',
  'refunded',
  'forfeited',
  'retained',
  'carried',
] as const;
export type DepositState = (typeof DEPOSIT_STATES)[number];
export const ENTRY_KINDS = ['bid', 'withdrawal'] as const;
/** A person's role in an organisation they act for (issue 19): its legal representative, or a person it authorised. */
export const ORGANISATION_ROLES = ['legal_representative', 'authorised_person'] as const;
export type OrganisationRole = (typeof ORGANISATION_ROLES)[number];
/**
 * Where a representative's authority to act for an organisation comes from: the claims of their e-ID
 * token (`eid`), or an authorisation document the lot's manager approved (`document`).
 */
export const AUTHORITY_SOURCES = ['eid', 'document'] as const;
export type AuthoritySource = (typeof AUTHORITY_SOURCES)[number];
/**
 * An organisation's registration's authority: `verified` by the token's claims; by document,
 * `awaiting_document` (none uploaded yet), `pending_review`, `approved` or `rejected` (a new one may be uploaded).
 */
export const AUTHORISATION_STATES = [
  'verified',
  'awaiting_document',
  'pending_review',
  'approved',
  'rejected',
] as const;
export type AuthorisationState = (typeof AUTHORISATION_STATES)[number];
/** How the lot's manager decided a relatedness flag (issue 19): the registrations may stay, or one was rejected. */
export const FLAG_DECISIONS = ['cleared', 'rejected'] as const;
export type FlagDecision = (typeof FLAG_DECISIONS)[number];
/** The auction methods (issue 16; DESIGN.md §8): ascending (with optional extension rounds), descending, sealed. */
export const LOT_METHODS = ['ascending', 'descending', 'sealed'] as const;
export type LotMethod = (typeof LOT_METHODS)[number];
/** How a sealed lot breaks a tie at the top: the earliest submission, or a further sealed round among the tied. */
export const TIE_BREAKS = ['earliest', 'round'] as const;
export type TieBreak = (typeof TIE_BREAKS)[number];
export { AWARD_STATES, type AwardState } from '../server/auctions/award-vocabulary.ts';
/**
 * A registered bidder who never attended the bidding (issue 18, Art. 39): `forfeited` at the close;
 * `held` when the lot had a technical fault in its window (force majeure), until the manager decides
 * `forfeited` or `excused`.
 */
export const NO_SHOW_STATES = ['forfeited', 'held', 'excused'] as const;
export type NoShowState = (typeof NO_SHOW_STATES)[number];
/**
 * The signed documents issued after a lot's record (issue 18; DESIGN.md §8: later facts are new
 * signed documents naming the record): the winner's confirmation, the manager's countersignature, a
 * technical suspension, and the public result notices.
 */
export const LOT_DOCUMENT_KINDS = ['confirmation', 'countersignature', 'suspension', 'result_notice'] as const;
export type LotDocumentKind = (typeof LOT_DOCUMENT_KINDS)[number];
/** The languages a lot's rules may be written in (the interface's languages). */
export const RULES_LANGUAGES = ['vi', 'en'] as const;
export type RulesLanguage = (typeof RULES_LANGUAGES)[number];
export type EntryKind = (typeof ENTRY_KINDS)[number];

const inList = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

export const people = pgTable(
  'people',
  {
    /**
     * The person key: the keyed hash (hex) of their identification number, never the number itself
     * (server/privacy/personal-data.ts). Every `pid` and `*_by` column of the schema holds such a key.
     */
    pid: text('pid').primaryKey(),
    /** The person's data key, wrapped by the configured PERSONAL_DATA_KEY; null once destroyed (shredded). */
    dataKey: text('data_key'),
    /** Their identification number and name, each sealed under the data key (AES-256-GCM). */
    sealedPid: text('sealed_pid'),
    sealedName: text('sealed_name'),
    /** When their data key was destroyed at the end of retention (crypto-shredding). */
    shreddedAt: ts('shredded_at'),
    level: smallint('level').notNull(),
    /** Where money notices are e-mailed (issue 17): set by the person, or from the e-ID's email claim. */
    email: text('email'),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    /**
     * When the person first signed in (issue 19); null for someone granted a role or an organisation's
     * membership before they ever signed in: the grant waits against their identification number.
     */
    firstSignInAt: ts('first_sign_in_at'),
  },
  (t) => [
    check('people_pid_format', sql`${t.pid} ~ '^[0-9a-f]{64}$'`),
    // A person's sealed fields exist exactly while their data key does.
    check('people_sealed', sql`(${t.dataKey} is null) = (${t.sealedPid} is null)`),
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

/** The account an organisation's lots are paid into (deposits and balances): a VietQR bank BIN. */
export interface BankAccount {
  bank: string;
  bin: string;
  number: string;
  holder: string;
}

/**
 * A licensed auction organisation (issue 19): a tenant of the platform. Its lots are managed by its
 * managers together; regulators with a province's scope see the organisations of that province.
 */
export const organisations = pgTable(
  'organisations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    /** The auction organisation's operating licence (giấy đăng ký hoạt động) number. */
    licenceNumber: text('licence_number').notNull(),
    /** The tax code (mã số thuế): 10 digits, or 10 + "-" + 3 for a branch. */
    taxCode: text('tax_code').notNull(),
    province: text('province').$type<ProvinceId>().notNull(),
    /** Where its lots' deposits and balances are paid; null: the platform's PAYMENT_ACCOUNT_* settings. */
    bankAccount: jsonb('bank_account').$type<BankAccount>(),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('organisations_licence').on(t.licenceNumber),
    uniqueIndex('organisations_tax_code').on(t.taxCode),
    check('organisations_province', inList('province', PROVINCE_IDS)),
  ],
);

/** An organisation's managers: they manage its lots together (and only its lots). */
export const organisationManagers = pgTable(
  'organisation_managers',
  {
    organisationId: integer('organisation_id')
      .notNull()
      .references(() => organisations.id),
    pid: text('pid')
      .notNull()
      .references(() => people.pid),
    grantedBy: text('granted_by'),
    grantedAt: ts('granted_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.pid] }), index('organisation_managers_pid').on(t.pid)],
);

/** A regulator's scope (issue 19): a province's organisations; no row: the whole country. */
export const regulatorScopes = pgTable(
  'regulator_scopes',
  {
    pid: text('pid')
      .primaryKey()
      .references(() => people.pid),
    province: text('province').$type<ProvinceId>().notNull(),
    setBy: text('set_by'),
    setAt: ts('set_at').notNull().defaultNow(),
  },
  () => [check('regulator_scopes_province', inList('province', PROVINCE_IDS))],
);

/**
 * The exclusion list (issue 19, Law on Property Auction Art. 38): people who may not bid, with the
 * reason, its source and an end date. A regulator's entry holds on the whole platform; a manager's,
 * on their organisation's lots. Lifted, never deleted (audited both ways).
 */
export const exclusions = pgTable(
  'exclusions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    pid: text('pid').notNull(),
    /** The organisation whose lots it covers; null: every lot on the platform. */
    organisationId: integer('organisation_id').references(() => organisations.id),
    reason: text('reason').notNull(),
    /** Where it comes from (a court judgment, a decision, the law's article), as entered. */
    source: text('source').notNull(),
    /** When it ends; null: until lifted. */
    endsAt: ts('ends_at'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    liftedBy: text('lifted_by'),
    liftedAt: ts('lifted_at'),
  },
  (t) => [check('exclusions_pid_format', sql`${t.pid} ~ '^[0-9a-f]{64}$'`), index('exclusions_pid').on(t.pid)],
);

/** People the asset's owner names as barred from bidding on one lot (Art. 38), entered by its manager. */
export const lotExclusions = pgTable(
  'lot_exclusions',
  {
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    pid: text('pid').notNull(),
    reason: text('reason').notNull(),
    addedBy: text('added_by').notNull(),
    addedAt: ts('added_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.lotId, t.pid] }),
    check('lot_exclusions_pid_format', sql`${t.pid} ~ '^[0-9a-f]{64}$'`),
  ],
);

export const lots = pgTable(
  'lots',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** The auction organisation running the lot (issue 19): its managers manage it. */
    organisationId: integer('organisation_id')
      .notNull()
      .references(() => organisations.id),
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
    /** The auction method (server/auctions/rules/methods.ts); its parameters below, null for other methods. */
    method: text('method').$type<LotMethod>().notNull().default('ascending'),
    /** Ascending: extension rounds after the official time (server/auctions/rules/rounds.ts). */
    roundsMax: integer('rounds_max'),
    roundsSeconds: integer('rounds_seconds'),
    roundsTriggerSeconds: integer('rounds_trigger_seconds'),
    /**
     * The period announced last: for rounds, 0 in the official time, then the extension round (the
     * scheduler moves it on and audits each round's end and start); for sealed, 0 for the sealed
     * bidding, then each tie round. The bid path works the period out from the clock itself.
     */
    round: integer('round').notNull().default(0),
    /** Descending: the price falls by priceStep every intervalSeconds, down to floorPrice. */
    intervalSeconds: integer('interval_seconds'),
    floorPrice: vnd('floor_price'),
    /** Sealed: the tie-break policy, and whether a bidder may replace their sealed bid until the end. */
    tieBreak: text('tie_break').$type<TieBreak>(),
    sealedReplaceable: boolean('sealed_replaceable'),
    /** Sealed: the lot's own content-encryption key, wrapped by SEALED_BID_KEY (a JWE); set at the first sealed bid. */
    sealedKey: text('sealed_key'),
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
    /** The legal outcome after a close with a winner (null before, and for failed or cancelled lots). */
    awardState: text('award_state').$type<AwardState>(),
    /**
     * When what the award waits for is due, or null: the signature while `awaiting_confirmation`, the
     * next bidder's answer while `offered_to_next`, the balance once `awarded`.
     */
    awardDeadline: ts('award_deadline'),
    /** Whom the award names now: the winner, or the next bidder offered the lot (Art. 51); null: the winner. */
    awardRegistrationId: integer('award_registration_id'),
    /** The award's price: the winning price, or the next bidder's own bid once offered; null: finalPrice. */
    awardPrice: vnd('award_price'),
    /** A technical suspension (issue 18): when, and the reason stated. */
    suspendedAt: ts('suspended_at'),
    suspensionReason: text('suspension_reason'),
    /** Re-runs, linked both ways: this lot re-runs `rerunOf`; this (suspended) lot was re-run as `rerunAs`. */
    rerunOf: integer('rerun_of'),
    rerunAs: integer('rerun_as'),
    // The catalogue search (server/auctions/lot-search.ts): title, description and province, normalised
    // when written (server/shared/search-text.ts), and their letters and digits only. Null until
    // written or back-filled at start (a null search_text marks every search column as still to fill).
    searchText: text('search_text'),
    searchCompact: text('search_compact'),
    /** The lexemes the catalogue finds the lot by (words, and its plate's endings), for the GIN index (issue 21). */
    searchVector: tsvector('search_vector'),
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
    check('lots_method', inList('method', LOT_METHODS)),
    check('lots_award_state', sql`${t.awardState} is null or ${inList('award_state', AWARD_STATES)}`),
    check(
      'lots_rounds',
      sql`(${t.roundsMax} is null) = (${t.roundsSeconds} is null) and (${t.roundsMax} is null) = (${t.roundsTriggerSeconds} is null) and (${t.roundsMax} is null or ${t.method} = 'ascending')`,
    ),
    check(
      'lots_descending',
      sql`(${t.method} = 'descending') = (${t.intervalSeconds} is not null) and (${t.method} = 'descending') = (${t.floorPrice} is not null)`,
    ),
    check(
      'lots_sealed',
      sql`(${t.method} = 'sealed') = (${t.tieBreak} is not null) and (${t.method} = 'sealed') = (${t.sealedReplaceable} is not null) and (${t.tieBreak} is null or ${inList('tie_break', TIE_BREAKS)})`,
    ),
    check('lots_round_nonnegative', sql`${t.round} >= 0`),
    check('lots_seq_nonnegative', sql`${t.seq} >= 0 and ${t.bidCount} >= 0`),
    // A status's lots by their end, and newest first (the catalogue: "failed", newest first, past the
    // coming sessions).
    index('lots_status_ends_at').on(t.status, t.endsAt, t.id),
    index('lots_status_id').on(t.status, t.id),
    // By start, by province and by category (and status, above), each then by id: an id range bounds a
    // walk newest first to the lots a start's range can hold (the catalogue's lots are created about
    // when they are scheduled), and a province's or category's lots are read newest first, or by their
    // end, along their own index.
    index('lots_starts_at').on(t.startsAt, t.id),
    index('lots_province').on(t.province, t.id),
    index('lots_province_ends').on(t.province, t.endsAt, t.id),
    index('lots_organisation').on(t.organisationId),
    // Lots whose search text is still to be filled (server/auctions/lot-search.ts): found at start without a scan.
    index('lots_search_pending')
      .on(t.id)
      .where(sql`${t.searchText} is null`),
    // The catalogue at national size (issue 21, server/auctions/lot-search.ts). The search's GIN index
    // (lots_search_vector, over the lexemes alone) is written by hand in migration 0017, since drizzle
    // has no tsvector column type to declare it on. The orders, each a range of one
    // btree read in order, so a page stops after `limit` rows however many lots match: open lots by
    // their end; the other lots newest first, and by their end; every lot by its end. The status lists
    // are literals in the query too, so the planner matches these predicates. Scheduled lots by their
    // start, an expression with statistics of its own: the few whose start has passed are live by the
    // clock before the scheduler flips them, which the planner could not tell from the starts of all
    // lots.
    index('lots_open_ends')
      .on(t.endsAt, t.id)
      .where(sql`${t.status} in ('scheduled', 'live')`),
    index('lots_closed_newest')
      .on(t.id)
      .where(sql`${t.status} not in ('scheduled', 'live')`),
    index('lots_closed_ends')
      .on(t.endsAt, t.id)
      .where(sql`${t.status} not in ('scheduled', 'live')`),
    index('lots_ends').on(t.endsAt, t.id),
    index('lots_scheduled_start').on(sql`(case when ${t.status} = 'scheduled' then ${t.startsAt} end)`),
    // The longest bidding window, from one end: a start's range bounds the ends too.
    index('lots_duration').on(sql`(${t.endsAt} - ${t.startsAt})`),
    // The catalogue's type filter (a lot's category changes with an edit, never with a bid).
    index('lots_category').on(t.category, t.id),
    index('lots_category_ends').on(t.category, t.endsAt, t.id),
    // The scheduler's ticks (server/auctions/method-ticks.ts), each a second: the few open lots with
    // rounds, by their scheduled end, and the few open descending lots, by their end, not a scan of
    // every open lot of a national catalogue (1-2 s each at 2.2 million lots).
    index('lots_rounds_due')
      .on(t.scheduledEndsAt)
      .where(sql`${t.roundsMax} is not null and ${t.status} in ('scheduled', 'live')`),
    index('lots_descending_open')
      .on(t.endsAt)
      .where(sql`${t.method} = 'descending' and ${t.status} in ('scheduled', 'live')`),
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

/**
 * Organisations that bid (issue 19), by the identifier of their organisation e-ID (định danh điện tử
 * của tổ chức), as a token's claims or an approved authorisation document stated it.
 */
export const bidderOrganisations = pgTable(
  'bidder_organisations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    identifier: text('identifier').notNull(),
    name: text('name').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('bidder_organisations_identifier').on(t.identifier)],
);

/**
 * Who is known to act for which organisation (issue 19): from e-ID claims seen at registration and
 * bids, and from approved authorisation documents. What relatedness flags are computed from.
 */
export const organisationRepresentatives = pgTable(
  'organisation_representatives',
  {
    bidderOrganisationId: integer('bidder_organisation_id')
      .notNull()
      .references(() => bidderOrganisations.id),
    pid: text('pid')
      .notNull()
      .references(() => people.pid),
    role: text('role').$type<OrganisationRole>().notNull(),
    source: text('source').$type<AuthoritySource>().notNull(),
    firstSeenAt: ts('first_seen_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.bidderOrganisationId, t.pid] }),
    index('organisation_representatives_pid').on(t.pid),
    check('organisation_representatives_role', inList('role', ORGANISATION_ROLES)),
    check('organisation_representatives_source', inList('source', AUTHORITY_SOURCES)),
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
    /** Attendance (issue 18): the first and last signed-in watch, page view or bid in the bidding window. */
    firstSeenAt: ts('first_seen_at'),
    lastSeenAt: ts('last_seen_at'),
    /** Never attended: what became of the deposit (NO_SHOW_STATES); null for those who attended. */
    noShow: text('no_show').$type<NoShowState>(),
    /**
     * An organisation's registration (issue 19): the organisation that bids, with `pid` the person who
     * registered for it, their role, where their authority comes from and its state. Null for a person's own.
     */
    bidderOrganisationId: integer('bidder_organisation_id').references(() => bidderOrganisations.id),
    actingRole: text('acting_role').$type<OrganisationRole>(),
    authority: text('authority').$type<AuthoritySource>(),
    authorisation: text('authorisation').$type<AuthorisationState>(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('registrations_no_show', sql`${t.noShow} is null or ${inList('no_show', NO_SHOW_STATES)}`),
    // One registration of a person's own per lot, and one per organisation per lot.
    uniqueIndex('registrations_lot_person')
      .on(t.lotId, t.pid)
      .where(sql`${t.bidderOrganisationId} is null`),
    uniqueIndex('registrations_lot_organisation')
      .on(t.lotId, t.bidderOrganisationId)
      .where(sql`${t.bidderOrganisationId} is not null`),
    check(
      'registrations_organisation_fields',
      sql`(${t.bidderOrganisationId} is null) = (${t.actingRole} is null) and (${t.bidderOrganisationId} is null) = (${t.authority} is null) and (${t.bidderOrganisationId} is null) = (${t.authorisation} is null)`,
    ),
    check('registrations_acting_role', sql`${t.actingRole} is null or ${inList('acting_role', ORGANISATION_ROLES)}`),
    check('registrations_authority', sql`${t.authority} is null or ${inList('authority', AUTHORITY_SOURCES)}`),
    check(
      'registrations_authorisation',
      sql`${t.authorisation} is null or ${inList('authorisation', AUTHORISATION_STATES)}`,
    ),
    uniqueIndex('registrations_lot_code').on(t.lotId, t.bidderCode),
    index('registrations_person').on(t.pid),
    check('registrations_status', inList('status', REGISTRATION_STATUSES)),
    check('registrations_deposit_state', inList('deposit_state', DEPOSIT_STATES)),
  ],
);

/**
 * The people who acted for an organisation's registration (issue 19), numbered in the order they
 * first acted (the registering person is 1); each binding is chained in the audit log.
 */
export const registrationActors = pgTable(
  'registration_actors',
  {
    registrationId: integer('registration_id')
      .notNull()
      .references(() => registrations.id),
    actorNo: smallint('actor_no').notNull(),
    pid: text('pid')
      .notNull()
      .references(() => people.pid),
    role: text('role').$type<OrganisationRole>().notNull(),
    authority: text('authority').$type<AuthoritySource>().notNull(),
    firstActedAt: ts('first_acted_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.registrationId, t.actorNo] }),
    uniqueIndex('registration_actors_person').on(t.registrationId, t.pid),
    check('registration_actors_no', sql`${t.actorNo} > 0`),
    check('registration_actors_role', inList('role', ORGANISATION_ROLES)),
    check('registration_actors_authority', inList('authority', AUTHORITY_SOURCES)),
  ],
);

/**
 * Authorisation documents (issue 19): the paper (PDF or image) by which an organisation authorised the
 * person who registered for it, when their e-ID token carried no organisation claims; the lot's
 * manager approves or rejects it. A rejected one stays; a new one may follow.
 */
export const authorisationDocuments = pgTable(
  'authorisation_documents',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    registrationId: integer('registration_id')
      .notNull()
      .references(() => registrations.id),
    contentType: text('content_type').notNull(),
    bytes: bytea('bytes').notNull(),
    sha256: text('sha256').notNull(),
    uploadedAt: ts('uploaded_at').notNull(),
    decision: text('decision').$type<'approved' | 'rejected'>(),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
    reason: text('reason'),
  },
  (t) => [
    index('authorisation_documents_registration').on(t.registrationId, t.id),
    check('authorisation_documents_type', inList('content_type', ['application/pdf', 'image/png', 'image/jpeg'])),
    check('authorisation_documents_decision', sql`${t.decision} is null or ${t.decision} in ('approved', 'rejected')`),
  ],
);

/**
 * The lot's manager's decisions on relatedness flags (issue 19), by the flag's key (its kind and the
 * bidder codes it names): cleared (the registrations stay) or rejected (one was rejected).
 */
export const registrationFlagDecisions = pgTable(
  'registration_flag_decisions',
  {
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    flagKey: text('flag_key').notNull(),
    decision: text('decision').$type<FlagDecision>().notNull(),
    reason: text('reason').notNull(),
    decidedBy: text('decided_by').notNull(),
    decidedAt: ts('decided_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.lotId, t.flagKey] }),
    check('registration_flag_decisions_decision', inList('decision', FLAG_DECISIONS)),
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
    /** A sealed lot's bid, revealed: the commitment its receipt holds and the salt (base64url) that opens it. */
    commitment: text('commitment'),
    salt: text('salt'),
    /**
     * An organisation's entry (issue 19): which of its representatives acted, by number within the
     * registration (registration_actors); chained, so the acting person is fixed. Null for a person's own.
     */
    actorNo: smallint('actor_no'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('ledger_lot_seq').on(t.lotId, t.seq),
    uniqueIndex('ledger_idempotency').on(t.registrationId, t.idempotencyKey),
    check('ledger_kind', inList('kind', ENTRY_KINDS)),
    check('ledger_positive', sql`${t.amount} > 0 and ${t.seq} > 0`),
    check('ledger_withdrawal_ref', sql`(${t.kind} = 'withdrawal') = (${t.withdrawsSeq} is not null)`),
    check('ledger_sealed_reveal', sql`(${t.commitment} is null) = (${t.salt} is null)`),
  ],
);

/**
 * Sealed bids before their reveal (server/sealed/): the amount and salt only as a JWE under the lot's
 * own key, beside the commitment the bidder's receipt holds. A replaced bid stays, marked replaced.
 * At the end the live bids of the round are revealed into the ledger (with commitment and salt).
 */
export const sealedBids = pgTable(
  'sealed_bids',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    registrationId: integer('registration_id')
      .notNull()
      .references(() => registrations.id),
    bidderCode: text('bidder_code').notNull(),
    /** The period it was submitted in: 0 for the sealed bidding, 1… for tie rounds. */
    round: integer('round').notNull().default(0),
    /** JWE (compact) of {amount, salt} under the lot's key. */
    sealed: text('sealed').notNull(),
    commitment: text('commitment').notNull(),
    submittedAt: ts('submitted_at').notNull(),
    replacedAt: ts('replaced_at'),
    /** The ledger seq it was revealed as. */
    revealedSeq: integer('revealed_seq'),
    /** An organisation's sealed bid (issue 19): which of its representatives submitted it (registration_actors). */
    actorNo: smallint('actor_no'),
  },
  (t) => [
    uniqueIndex('sealed_bids_live')
      .on(t.lotId, t.registrationId, t.round)
      .where(sql`${t.replacedAt} is null`),
    index('sealed_bids_lot').on(t.lotId, t.round),
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
    csrfToken: text('csrf_token').notNull(),
    /** When the person last authenticated at the provider (the ID token's auth_time), if it said. */
    authTime: ts('auth_time'),
    /** The organisation the ID token said the person acts for (issue 19), as the token's claims gave it. */
    organisation: jsonb('organisation').$type<{ identifier: string; name: string; role: OrganisationRole }>(),
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
 * A lot's signed documents after its record (LOT_DOCUMENT_KINDS), append-only: the flattened JWS as
 * issued, and the base64url SHA-256 of it (the transparency log's leaf, issue 20). A result notice
 * superseded by a newer one of the same lot stays, and is marked by that newer one's existence.
 */
export const lotDocuments = pgTable(
  'lot_documents',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    kind: text('kind').$type<LotDocumentKind>().notNull(),
    /** The flattened JWS (JSON) exactly as issued. */
    document: text('document').notNull(),
    /** base64url SHA-256 of `document`'s bytes. */
    digest: text('digest').notNull(),
    /** The audit-chain entry the document records, when there is one. */
    auditId: bigint('audit_id', { mode: 'number' }),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    check('lot_documents_kind', inList('kind', LOT_DOCUMENT_KINDS)),
    uniqueIndex('lot_documents_digest').on(t.digest),
    index('lot_documents_lot').on(t.lotId, t.kind, t.id),
    index('lot_documents_kind').on(t.kind, t.id),
  ],
);

/** What a transparency-log leaf is the digest of (server/transparency). */
export const LOG_LEAF_KINDS = [
  'record',
  'money_trail',
  'confirmation',
  'countersignature',
  'suspension',
  'result_notice',
  'export_seal',
] as const;
export type LogLeafKind = (typeof LOG_LEAF_KINDS)[number];

/**
 * The transparency log's leaves (issue 20), append-only: leaf `idx` (0-based, no gaps) is the
 * SHA-256 digest of one signed document as issued; the Merkle tree is over H(0x00 || digest).
 * Never personal data: a digest, what kind of document, which lot, when.
 */
export const logLeaves = pgTable(
  'log_leaves',
  {
    idx: bigint('idx', { mode: 'number' }).primaryKey(),
    /** base64url SHA-256 of the document's bytes as issued (the leaf's entry). */
    digest: text('digest').notNull(),
    /** base64url RFC 9162 leaf hash, SHA-256(0x00 || digest bytes). */
    leafHash: text('leaf_hash').notNull(),
    kind: text('kind').$type<LogLeafKind>().notNull(),
    lotId: integer('lot_id'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('log_leaves_digest').on(t.digest),
    uniqueIndex('log_leaves_leaf_hash').on(t.leafHash),
    check('log_leaves_kind', inList('kind', LOG_LEAF_KINDS)),
    check('log_leaves_idx', sql`${t.idx} >= 0`),
  ],
);

/** Signed tree heads as issued, append-only: one per tree size the log has signed. */
export const logTreeHeads = pgTable('log_tree_heads', {
  treeSize: bigint('tree_size', { mode: 'number' }).primaryKey(),
  /** base64url MTH of the first `treeSize` leaves. */
  rootHash: text('root_hash').notNull(),
  timestamp: ts('timestamp').notNull(),
  /** Compact JWS over the tree head (server/transparency/tree-head.ts). */
  signature: text('signature').notNull(),
});

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

// ---------------------------------------------------------------------------------------------------
// Money and deadlines (issue 17): what each registration owes and where its money went, the bank's
// credits as they arrived, refunds, bars, the working-day calendar's exceptions, durable jobs and the
// notification outbox.

/** One payment obligation of a registration: the amount, to which account, with which reference, by when. */
export const payments = pgTable(
  'payments',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    registrationId: integer('registration_id')
      .notNull()
      .references(() => registrations.id),
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    kind: text('kind').$type<PaymentKind>().notNull(),
    /** The one transfer reference used everywhere (bank memo, statement, manager's view). */
    reference: text('reference').notNull(),
    amount: vnd('amount').notNull(),
    /** The account to pay into, as it was told to the payer (bank, number, holder). */
    account: jsonb('account').$type<{ bank: string; bin: string; number: string; holder: string }>().notNull(),
    dueAt: ts('due_at').notNull(),
    /** The sum of the credits accepted against this obligation. */
    received: vnd('received').notNull().default(0),
    state: text('state').$type<PaymentState>().notNull().default('pending'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('payments_reference').on(t.reference),
    uniqueIndex('payments_registration_kind').on(t.registrationId, t.kind),
    index('payments_lot').on(t.lotId),
    check('payments_kind', inList('kind', PAYMENT_KINDS)),
    check('payments_state', inList('state', PAYMENT_STATES)),
    check('payments_amounts', sql`${t.amount} > 0 and ${t.received} >= 0`),
  ],
);

/**
 * Every credit into the auction house's account as it was reported (webhook, bank statement line or a
 * manager's manual entry), idempotent by (source, transaction id), and what matching did with it.
 */
export const paymentCredits = pgTable(
  'payment_credits',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    source: text('source').$type<CreditSource>().notNull(),
    /** The provider's or the bank's transaction id (a manual entry: the bank reference the manager typed). */
    transactionId: text('transaction_id').notNull(),
    /** The reference as the payer wrote it (the memo), before matching. */
    reference: text('reference').notNull(),
    amount: vnd('amount').notNull(),
    paidAt: ts('paid_at').notNull(),
    receivedAt: ts('received_at').notNull(),
    /** The payer's account as the provider or the statement reported it (where a refund goes), or null. */
    payerAccount: text('payer_account'),
    payerName: text('payer_name'),
    /**
     * The payer's account number and name are stored sealed (server/privacy/personal-data.ts,
     * sealDetached) under this credit's own data key, wrapped by PERSONAL_DATA_KEY; null when the
     * bank reported neither, or once destroyed with the registrant's identity.
     */
    payerDataKey: text('payer_data_key'),
    payerBank: text('payer_bank'),
    /** The payment it matched, when its reference named one. */
    paymentId: integer('payment_id').references(() => payments.id),
    outcome: text('outcome').$type<CreditOutcome>().notNull(),
    holdReason: text('hold_reason').$type<HoldReason>(),
    decision: text('decision').$type<CreditDecision>(),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
    /** Who entered it (a manual entry), or null. */
    enteredBy: text('entered_by'),
    /** Set when a manual entry was reversed (back to pending_deposit before bidding started). */
    reversedAt: ts('reversed_at'),
    reversedBy: text('reversed_by'),
  },
  (t) => [
    uniqueIndex('payment_credits_transaction').on(t.source, t.transactionId),
    index('payment_credits_payment').on(t.paymentId),
    index('payment_credits_held')
      .on(t.outcome)
      .where(sql`${t.outcome} = 'held' and ${t.decision} is null`),
    check('payment_credits_source', inList('source', CREDIT_SOURCES)),
    check('payment_credits_outcome', inList('outcome', CREDIT_OUTCOMES)),
    check('payment_credits_amount', sql`${t.amount} > 0`),
    check('payment_credits_hold', sql`(${t.outcome} = 'held') = (${t.holdReason} is not null)`),
  ],
);

/** Money owed back to a payer, due by a working-day deadline, confirmed when the bank sent it. */
export const refunds = pgTable(
  'refunds',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    lotId: integer('lot_id').references(() => lots.id),
    paymentId: integer('payment_id').references(() => payments.id),
    creditId: integer('credit_id').references(() => paymentCredits.id),
    reason: text('reason').$type<RefundReason>().notNull(),
    amount: vnd('amount').notNull(),
    dueAt: ts('due_at').notNull(),
    state: text('state').$type<RefundState>().notNull().default('due'),
    sentAt: ts('sent_at'),
    /** The bank's reference of the outgoing transfer, once sent. */
    bankReference: text('bank_reference'),
    confirmedBy: text('confirmed_by'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    index('refunds_lot').on(t.lotId),
    uniqueIndex('refunds_payment').on(t.paymentId, t.reason),
    uniqueIndex('refunds_credit').on(t.creditId),
    check('refunds_reason', inList('reason', REFUND_REASONS)),
    check('refunds_state', inList('state', REFUND_STATES)),
    check('refunds_amount', sql`${t.amount} > 0`),
  ],
);

/** A person barred from a kind of auction (a lot category) until a date, for a reason on a lot. */
export const bars = pgTable(
  'bars',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    pid: text('pid')
      .notNull()
      .references(() => people.pid),
    /** The lot category barred ('licence_plate', …), the class of auction the bar covers. */
    category: text('category').notNull(),
    /**
     * An organisation's bar (issue 19): the organisation whose registration defaulted, barred whoever
     * registers for it; `pid` is then the person who registered. Null: the person's own bar.
     */
    bidderOrganisationId: integer('bidder_organisation_id').references(() => bidderOrganisations.id),
    lotId: integer('lot_id').references(() => lots.id),
    reason: text('reason').notNull(),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('bars_person').on(t.pid, t.category), check('bars_period', sql`${t.startsAt} < ${t.endsAt}`)],
);

/**
 * The working-day calendar's exceptions, added by admins: an extra day off, or a make-up working day
 * (a weekend day worked in exchange for a holiday bridge, as the government decides each year).
 */
export const CALENDAR_DAY_KINDS = ['day_off', 'working_day'] as const;
export type CalendarDayKind = (typeof CALENDAR_DAY_KINDS)[number];
export const calendarDays = pgTable(
  'calendar_days',
  {
    /** The day in Vietnam's time zone, YYYY-MM-DD. */
    day: text('day').primaryKey(),
    kind: text('kind').$type<CalendarDayKind>().notNull(),
    name: text('name').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    check('calendar_days_kind', inList('kind', CALENDAR_DAY_KINDS)),
    check('calendar_days_day', sql`${t.day} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`),
  ],
);

export const JOB_STATES = ['pending', 'done', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * Durable scheduled jobs (deadlines): each runs once at or after `runAt`, claimed by one process at a
 * time (FOR UPDATE SKIP LOCKED with a lease), retried with a back-off when it throws.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull(),
    /** Unique per job (for example 'balance-deadline:42'), so scheduling twice schedules once. */
    key: text('key').notNull(),
    runAt: ts('run_at').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    state: text('state').$type<JobState>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** A running job's lease: another process may take it over after this. */
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    doneAt: ts('done_at'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('jobs_key').on(t.key),
    index('jobs_due')
      .on(t.runAt)
      .where(sql`${t.state} = 'pending'`),
    check('jobs_state', inList('state', JOB_STATES)),
  ],
);

export const EMAIL_STATES = ['none', 'pending', 'sent', 'failed'] as const;
export type EmailState = (typeof EMAIL_STATES)[number];

/**
 * The notification outbox: written in the same transaction as the change it tells of; shown in-app to
 * the person and, with SMTP_URL set and an address known, e-mailed by a background sender.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    pid: text('pid')
      .notNull()
      .references(() => people.pid),
    kind: text('kind').notNull(),
    lotId: integer('lot_id').references(() => lots.id),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: ts('created_at').notNull(),
    readAt: ts('read_at'),
    emailState: text('email_state').$type<EmailState>().notNull().default('none'),
    emailAttempts: integer('email_attempts').notNull().default(0),
    /**
     * While pending: not to be tried before this time (null: at once). A sender's claim sets it a lease
     * ahead, so no other process takes the notice while it is being sent; a failed try sets the back-off.
     */
    emailNextAt: ts('email_next_at'),
    emailSentAt: ts('email_sent_at'),
    emailError: text('email_error'),
  },
  (t) => [
    index('notifications_person').on(t.pid, t.createdAt),
    index('notifications_email_pending')
      .on(t.id)
      .where(sql`${t.emailState} = 'pending'`),
    check('notifications_email_state', inList('email_state', EMAIL_STATES)),
  ],
);

export {
  PAYMENT_KINDS,
  PAYMENT_STATES,
  CREDIT_SOURCES,
  CREDIT_OUTCOMES,
  HOLD_REASONS,
  CREDIT_DECISIONS,
  REFUND_REASONS,
  REFUND_STATES,
};
export type {
  PaymentKind,
  PaymentState,
  CreditSource,
  CreditOutcome,
  HoldReason,
  CreditDecision,
  RefundReason,
  RefundState,
};

// ---------------------------------------------------------------------------------------------------
// Identity reads (issue 20, "every look is accounted for": server/audit/identity-reads.ts). Each staff
// read of people's identities is one audit event; this index names each person read by the keyed hash
// of their pid (never the pid in clear), so "who viewed my data" is one indexed query per person. Rows
// are only ever inserted, in the same transaction as their audit event.
export const identityReads = pgTable(
  'identity_reads',
  {
    auditId: bigint('audit_id', { mode: 'number' })
      .notNull()
      .references(() => auditEvents.id),
    /** personHash(pid) of one person whose identity the event read. */
    subjectHash: text('subject_hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.subjectHash, t.auditId] })],
);

// ---------------------------------------------------------------------------------------------------
// Webhooks to external systems (issue 20, "shared, not copied by hand": server/webhooks). An event
// (a result notice published, a digest appended to the transparency log) is stored once with the exact
// JSON body every target receives; each configured target subscribed to its type gets one delivery,
// whose every attempt (status code or error, time taken) is kept for admins. No personal data here.
export const webhookEvents = pgTable(
  'webhook_events',
  {
    /** The event's id, stable: 'result-notice:<lotId>:<sequence>', a log leaf's index… */
    id: text('id').primaryKey(),
    type: text('type').$type<WebhookEventType>().notNull(),
    occurredAt: ts('occurred_at').notNull(),
    /** The JSON body POSTed to every target, byte for byte (the signature covers these bytes). */
    body: text('body').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  () => [check('webhook_events_type', inList('type', WEBHOOK_EVENT_TYPES))],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    eventId: text('event_id')
      .notNull()
      .references(() => webhookEvents.id),
    /** The target's name in WEBHOOK_TARGETS. */
    target: text('target').notNull(),
    /** Sent as Idempotency-Key on every attempt: one per event and target. */
    idempotencyKey: text('idempotency_key').notNull(),
    state: text('state').$type<WebhookDeliveryState>().notNull().default('pending'),
    /** Attempts made, over every series. */
    attempts: integer('attempts').notNull().default(0),
    /** The attempts made before the current series began (an admin's retry starts a new series). */
    seriesFirstAttempt: integer('series_first_attempt').notNull().default(0),
    seriesStartedAt: ts('series_started_at').notNull(),
    /** The HTTP status of the last attempt (null: no answer, or none yet). */
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    nextAttemptAt: ts('next_attempt_at'),
    deliveredAt: ts('delivered_at'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_target').on(t.eventId, t.target),
    index('webhook_deliveries_state').on(t.state, t.id),
    check('webhook_deliveries_state', inList('state', WEBHOOK_DELIVERY_STATES)),
  ],
);

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    deliveryId: bigint('delivery_id', { mode: 'number' })
      .notNull()
      .references(() => webhookDeliveries.id),
    /** 1 for the first attempt of the delivery, counting on across an admin's retries. */
    attempt: integer('attempt').notNull(),
    at: ts('at').notNull(),
    /** The answer's HTTP status; null when none came (timeout, refused connection). */
    status: integer('status'),
    /** Why it did not count as delivered; null when delivered. */
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.attempt] })],
);

// ---------------------------------------------------------------------------------------------------
// Live supervision (issue 20, item 2: server/supervision/). Clients seen per registration, as keyed
// hashes only (never a clear address or user agent), and regulators' decisions on anomaly signals.

/** What a client sighting hashes: the client's network address, or its browser's device cookie. */
export const CLIENT_KINDS = ['address', 'device'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];
export const SIGNAL_DECISIONS = ['dismissed', 'escalated'] as const;
export type SignalDecision = (typeof SIGNAL_DECISIONS)[number];

/**
 * A registration seen bidding or watching from a client (server/supervision/client-sightings.ts):
 * HMAC of the address or device under a key derived from the person-hash key, salted with the lot,
 * so a hash names nothing outside its lot; `person_hash` is who was seen (their keyed pid hash).
 * Written in batches on a first sighting, with coarse first/last times; never per bid.
 */
export const clientSightings = pgTable(
  'client_sightings',
  {
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    registrationId: integer('registration_id')
      .notNull()
      .references(() => registrations.id),
    kind: text('kind').$type<ClientKind>().notNull(),
    clientHash: text('client_hash').notNull(),
    personHash: text('person_hash').notNull(),
    firstSeenAt: ts('first_seen_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.registrationId, t.kind, t.clientHash, t.personHash] }),
    index('client_sightings_lot').on(t.lotId, t.kind, t.clientHash),
    check('client_sightings_kind', inList('kind', CLIENT_KINDS)),
  ],
);

/**
 * A regulator's (or admin's) decision on one anomaly signal of a lot, by the signal's key: dismissed
 * or escalated, with a note. Only inserted (the latest is the one shown); each is audited. A decision
 * never changes the lot.
 */
export const supervisionDecisions = pgTable(
  'supervision_decisions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    lotId: integer('lot_id')
      .notNull()
      .references(() => lots.id),
    signalKey: text('signal_key').notNull(),
    decision: text('decision').$type<SignalDecision>().notNull(),
    note: text('note').notNull(),
    decidedBy: text('decided_by').notNull(),
    decidedAt: ts('decided_at').notNull(),
  },
  (t) => [
    index('supervision_decisions_lot').on(t.lotId, t.signalKey, t.id),
    check('supervision_decisions_decision', inList('decision', SIGNAL_DECISIONS)),
  ],
);
