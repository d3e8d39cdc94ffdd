CREATE TABLE "lot_documents" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "lot_documents_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"lot_id" integer NOT NULL,
	"kind" text NOT NULL,
	"document" text NOT NULL,
	"digest" text NOT NULL,
	"audit_id" bigint,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "lot_documents_kind" CHECK (kind in ('confirmation', 'countersignature', 'suspension', 'result_notice'))
);
--> statement-breakpoint
ALTER TABLE "lots" DROP CONSTRAINT "lots_status";--> statement-breakpoint
ALTER TABLE "refunds" DROP CONSTRAINT "refunds_state";--> statement-breakpoint
ALTER TABLE "registrations" DROP CONSTRAINT "registrations_deposit_state";--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "award_registration_id" integer;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "award_price" bigint;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "suspended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "suspension_reason" text;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "rerun_of" integer;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "rerun_as" integer;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "first_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "no_show" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "auth_time" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "lot_documents" ADD CONSTRAINT "lot_documents_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "lot_documents_digest" ON "lot_documents" USING btree ("digest");--> statement-breakpoint
CREATE INDEX "lot_documents_lot" ON "lot_documents" USING btree ("lot_id","kind","id");--> statement-breakpoint
CREATE INDEX "lot_documents_kind" ON "lot_documents" USING btree ("kind","id");--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_status" CHECK (status in ('draft', 'scheduled', 'live', 'suspended', 'closed', 'failed', 'cancelled'));--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_state" CHECK (state in ('due', 'sent', 'withdrawn'));--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_no_show" CHECK ("registrations"."no_show" is null or no_show in ('forfeited', 'held', 'excused'));--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_deposit_state" CHECK (deposit_state in ('pending', 'received', 'refundable', 'refunded', 'forfeited', 'retained', 'carried'));--> statement-breakpoint
CREATE TRIGGER lot_documents_append_only BEFORE UPDATE OR DELETE ON lot_documents FOR EACH ROW EXECUTE FUNCTION forbid_change();
--> statement-breakpoint
CREATE TRIGGER lot_documents_no_truncate BEFORE TRUNCATE ON lot_documents FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
