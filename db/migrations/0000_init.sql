CREATE TABLE "audit_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone NOT NULL,
	"actor_pid" text,
	"action" text NOT NULL,
	"lot_id" integer,
	"subject" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ledger_entries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"lot_id" integer NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"registration_id" integer NOT NULL,
	"bidder_code" text NOT NULL,
	"amount" bigint NOT NULL,
	"withdraws_seq" integer,
	"placed_at" timestamp with time zone NOT NULL,
	"idempotency_key" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "ledger_kind" CHECK (kind in ('bid', 'withdrawal')),
	CONSTRAINT "ledger_positive" CHECK ("ledger_entries"."amount" > 0 and "ledger_entries"."seq" > 0),
	CONSTRAINT "ledger_withdrawal_ref" CHECK (("ledger_entries"."kind" = 'withdrawal') = ("ledger_entries"."withdraws_seq" is not null))
);
--> statement-breakpoint
CREATE TABLE "lot_images" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "lot_images_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"lot_id" integer NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"content_type" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lot_images_type" CHECK (content_type in ('image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'))
);
--> statement-breakpoint
CREATE TABLE "lots" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "lots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"title" text NOT NULL,
	"description" text NOT NULL,
	"category" text DEFAULT 'other' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"starting_price" bigint NOT NULL,
	"price_step" bigint NOT NULL,
	"deposit" bigint NOT NULL,
	"registration_opens_at" timestamp with time zone NOT NULL,
	"registration_closes_at" timestamp with time zone NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"scheduled_ends_at" timestamp with time zone NOT NULL,
	"soft_close_window_seconds" integer,
	"soft_close_extend_seconds" integer,
	"rules_version" integer DEFAULT 1 NOT NULL,
	"rules" text NOT NULL,
	"manager_pid" text NOT NULL,
	"seq" integer DEFAULT 0 NOT NULL,
	"bid_count" integer DEFAULT 0 NOT NULL,
	"current_price" bigint,
	"leader_registration_id" integer,
	"last_hash" text,
	"cancel_reason" text,
	"closed_at" timestamp with time zone,
	"final_price" bigint,
	"winner_registration_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lots_status" CHECK (status in ('draft', 'scheduled', 'live', 'closed', 'failed', 'cancelled')),
	CONSTRAINT "lots_positive_money" CHECK ("lots"."starting_price" > 0 and "lots"."price_step" > 0 and "lots"."deposit" > 0),
	CONSTRAINT "lots_window_order" CHECK ("lots"."registration_opens_at" < "lots"."registration_closes_at" and "lots"."registration_closes_at" <= "lots"."starts_at" and "lots"."starts_at" < "lots"."ends_at"),
	CONSTRAINT "lots_soft_close" CHECK (("lots"."soft_close_window_seconds" is null) = ("lots"."soft_close_extend_seconds" is null) and coalesce("lots"."soft_close_window_seconds", 1) > 0 and coalesce("lots"."soft_close_extend_seconds", 1) > 0),
	CONSTRAINT "lots_seq_nonnegative" CHECK ("lots"."seq" >= 0 and "lots"."bid_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "people" (
	"pid" text PRIMARY KEY NOT NULL,
	"name" text,
	"level" smallint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "people_pid_format" CHECK ("people"."pid" ~ '^[0-9]{12}$'),
	CONSTRAINT "people_level_range" CHECK ("people"."level" in (1, 2))
);
--> statement-breakpoint
CREATE TABLE "registrations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "registrations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"lot_id" integer NOT NULL,
	"pid" text NOT NULL,
	"bidder_code" text NOT NULL,
	"status" text DEFAULT 'pending_deposit' NOT NULL,
	"deposit_state" text DEFAULT 'pending' NOT NULL,
	"rules_version" integer NOT NULL,
	"rules_accepted_at" timestamp with time zone NOT NULL,
	"approved_by" text,
	"approved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "registrations_status" CHECK (status in ('pending_deposit', 'approved', 'barred', 'rejected')),
	CONSTRAINT "registrations_deposit_state" CHECK (deposit_state in ('pending', 'received', 'refundable', 'refunded', 'forfeited', 'retained'))
);
--> statement-breakpoint
CREATE TABLE "role_grants" (
	"pid" text NOT NULL,
	"role" text NOT NULL,
	"granted_by" text,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "role_grants_pid_role_pk" PRIMARY KEY("pid","role"),
	CONSTRAINT "role_grants_role" CHECK (role in ('manager', 'regulator', 'admin'))
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"pid" text NOT NULL,
	"level" smallint NOT NULL,
	"name" text,
	"csrf_token" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"alg" text NOT NULL,
	"private_jwk" jsonb,
	"public_jwk" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "used_id_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"used_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lot_images" ADD CONSTRAINT "lot_images_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_manager_pid_people_pid_fk" FOREIGN KEY ("manager_pid") REFERENCES "public"."people"("pid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_pid_people_pid_fk" FOREIGN KEY ("pid") REFERENCES "public"."people"("pid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_grants" ADD CONSTRAINT "role_grants_pid_people_pid_fk" FOREIGN KEY ("pid") REFERENCES "public"."people"("pid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_pid_people_pid_fk" FOREIGN KEY ("pid") REFERENCES "public"."people"("pid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_lot" ON "audit_events" USING btree ("lot_id");--> statement-breakpoint
CREATE INDEX "audit_events_at" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_lot_seq" ON "ledger_entries" USING btree ("lot_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_idempotency" ON "ledger_entries" USING btree ("registration_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "lot_images_lot" ON "lot_images" USING btree ("lot_id","position");--> statement-breakpoint
CREATE INDEX "lots_status_ends_at" ON "lots" USING btree ("status","ends_at");--> statement-breakpoint
CREATE INDEX "lots_starts_at" ON "lots" USING btree ("starts_at");--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_lot_person" ON "registrations" USING btree ("lot_id","pid");--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_lot_code" ON "registrations" USING btree ("lot_id","bidder_code");--> statement-breakpoint
CREATE INDEX "registrations_person" ON "registrations" USING btree ("pid");--> statement-breakpoint
CREATE INDEX "sessions_pid" ON "sessions" USING btree ("pid");