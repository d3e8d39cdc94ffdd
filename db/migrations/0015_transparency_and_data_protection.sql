CREATE TABLE "client_sightings" (
	"lot_id" integer NOT NULL,
	"registration_id" integer NOT NULL,
	"kind" text NOT NULL,
	"client_hash" text NOT NULL,
	"person_hash" text NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "client_sightings_registration_id_kind_client_hash_person_hash_pk" PRIMARY KEY("registration_id","kind","client_hash","person_hash"),
	CONSTRAINT "client_sightings_kind" CHECK (kind in ('address', 'device'))
);
--> statement-breakpoint
CREATE TABLE "identity_reads" (
	"audit_id" bigint NOT NULL,
	"subject_hash" text NOT NULL,
	CONSTRAINT "identity_reads_subject_hash_audit_id_pk" PRIMARY KEY("subject_hash","audit_id")
);
--> statement-breakpoint
CREATE TABLE "log_leaves" (
	"idx" bigint PRIMARY KEY NOT NULL,
	"digest" text NOT NULL,
	"leaf_hash" text NOT NULL,
	"kind" text NOT NULL,
	"lot_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "log_leaves_kind" CHECK (kind in ('record', 'money_trail', 'confirmation', 'countersignature', 'suspension', 'result_notice', 'export_seal')),
	CONSTRAINT "log_leaves_idx" CHECK ("log_leaves"."idx" >= 0)
);
--> statement-breakpoint
CREATE TABLE "log_tree_heads" (
	"tree_size" bigint PRIMARY KEY NOT NULL,
	"root_hash" text NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supervision_decisions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "supervision_decisions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"lot_id" integer NOT NULL,
	"signal_key" text NOT NULL,
	"decision" text NOT NULL,
	"note" text NOT NULL,
	"decided_by" text NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	CONSTRAINT "supervision_decisions_decision" CHECK (decision in ('dismissed', 'escalated'))
);
--> statement-breakpoint
CREATE TABLE "webhook_attempts" (
	"delivery_id" bigint NOT NULL,
	"attempt" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"status" integer,
	"error" text,
	"duration_ms" integer NOT NULL,
	CONSTRAINT "webhook_attempts_delivery_id_attempt_pk" PRIMARY KEY("delivery_id","attempt")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "webhook_deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"event_id" text NOT NULL,
	"target" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"series_first_attempt" integer DEFAULT 0 NOT NULL,
	"series_started_at" timestamp with time zone NOT NULL,
	"last_status" integer,
	"last_error" text,
	"next_attempt_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "webhook_deliveries_state" CHECK (state in ('pending', 'delivered', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "webhook_events_type" CHECK (type in ('result.published', 'log.leaf_appended'))
);
--> statement-breakpoint
ALTER TABLE "client_sightings" ADD CONSTRAINT "client_sightings_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "client_sightings" ADD CONSTRAINT "client_sightings_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_reads" ADD CONSTRAINT "identity_reads_audit_id_audit_events_id_fk" FOREIGN KEY ("audit_id") REFERENCES "public"."audit_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_decisions" ADD CONSTRAINT "supervision_decisions_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_delivery_id_webhook_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."webhook_deliveries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_id_webhook_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."webhook_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "client_sightings_lot" ON "client_sightings" USING btree ("lot_id","kind","client_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "log_leaves_digest" ON "log_leaves" USING btree ("digest");--> statement-breakpoint
CREATE UNIQUE INDEX "log_leaves_leaf_hash" ON "log_leaves" USING btree ("leaf_hash");--> statement-breakpoint
CREATE INDEX "supervision_decisions_lot" ON "supervision_decisions" USING btree ("lot_id","signal_key","id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_event_target" ON "webhook_deliveries" USING btree ("event_id","target");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_state" ON "webhook_deliveries" USING btree ("state","id");--> statement-breakpoint
-- The transparency log is append-only, like the ledger and the audit log (0001_append_only.sql).
CREATE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE ON log_leaves FOR EACH ROW EXECUTE FUNCTION forbid_change();
--> statement-breakpoint
CREATE TRIGGER log_leaves_no_truncate BEFORE TRUNCATE ON log_leaves FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
--> statement-breakpoint
CREATE TRIGGER log_tree_heads_append_only BEFORE UPDATE OR DELETE ON log_tree_heads FOR EACH ROW EXECUTE FUNCTION forbid_change();
--> statement-breakpoint
CREATE TRIGGER log_tree_heads_no_truncate BEFORE TRUNCATE ON log_tree_heads FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
--> statement-breakpoint
-- Who viewed whose data (issue 20: server/audit/identity-reads.ts) is append-only like the audit log it
-- indexes: a deleted row would hide a read from the person it concerns.
CREATE TRIGGER identity_reads_append_only BEFORE UPDATE OR DELETE ON identity_reads FOR EACH ROW EXECUTE FUNCTION forbid_change();
--> statement-breakpoint
CREATE TRIGGER identity_reads_no_truncate BEFORE TRUNCATE ON identity_reads FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
