CREATE TABLE "authorisation_documents" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "authorisation_documents_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"registration_id" integer NOT NULL,
	"content_type" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"sha256" text NOT NULL,
	"uploaded_at" timestamp with time zone NOT NULL,
	"decision" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"reason" text,
	CONSTRAINT "authorisation_documents_type" CHECK (content_type in ('application/pdf', 'image/png', 'image/jpeg')),
	CONSTRAINT "authorisation_documents_decision" CHECK ("authorisation_documents"."decision" is null or "authorisation_documents"."decision" in ('approved', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "bidder_organisations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "bidder_organisations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"identifier" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organisation_representatives" (
	"bidder_organisation_id" integer NOT NULL,
	"pid" text NOT NULL,
	"role" text NOT NULL,
	"source" text NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "organisation_representatives_bidder_organisation_id_pid_pk" PRIMARY KEY("bidder_organisation_id","pid"),
	CONSTRAINT "organisation_representatives_role" CHECK (role in ('legal_representative', 'authorised_person')),
	CONSTRAINT "organisation_representatives_source" CHECK (source in ('eid', 'document'))
);
--> statement-breakpoint
CREATE TABLE "registration_actors" (
	"registration_id" integer NOT NULL,
	"actor_no" smallint NOT NULL,
	"pid" text NOT NULL,
	"role" text NOT NULL,
	"authority" text NOT NULL,
	"first_acted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "registration_actors_registration_id_actor_no_pk" PRIMARY KEY("registration_id","actor_no"),
	CONSTRAINT "registration_actors_no" CHECK ("registration_actors"."actor_no" > 0),
	CONSTRAINT "registration_actors_role" CHECK (role in ('legal_representative', 'authorised_person')),
	CONSTRAINT "registration_actors_authority" CHECK (authority in ('eid', 'document'))
);
--> statement-breakpoint
CREATE TABLE "registration_flag_decisions" (
	"lot_id" integer NOT NULL,
	"flag_key" text NOT NULL,
	"decision" text NOT NULL,
	"reason" text NOT NULL,
	"decided_by" text NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	CONSTRAINT "registration_flag_decisions_lot_id_flag_key_pk" PRIMARY KEY("lot_id","flag_key"),
	CONSTRAINT "registration_flag_decisions_decision" CHECK (decision in ('cleared', 'rejected'))
);
--> statement-breakpoint
ALTER TABLE "registrations" DROP CONSTRAINT "registrations_status";--> statement-breakpoint
DROP INDEX "registrations_lot_person";--> statement-breakpoint
ALTER TABLE "bars" ADD COLUMN "bidder_organisation_id" integer;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "actor_no" smallint;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "bidder_organisation_id" integer;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "acting_role" text;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "authority" text;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "authorisation" text;--> statement-breakpoint
ALTER TABLE "sealed_bids" ADD COLUMN "actor_no" smallint;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "organisation" jsonb;--> statement-breakpoint
ALTER TABLE "authorisation_documents" ADD CONSTRAINT "authorisation_documents_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_representatives" ADD CONSTRAINT "organisation_representatives_bidder_organisation_id_bidder_organisations_id_fk" FOREIGN KEY ("bidder_organisation_id") REFERENCES "public"."bidder_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_representatives" ADD CONSTRAINT "organisation_representatives_pid_people_pid_fk" FOREIGN KEY ("pid") REFERENCES "public"."people"("pid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_actors" ADD CONSTRAINT "registration_actors_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_actors" ADD CONSTRAINT "registration_actors_pid_people_pid_fk" FOREIGN KEY ("pid") REFERENCES "public"."people"("pid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_flag_decisions" ADD CONSTRAINT "registration_flag_decisions_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "authorisation_documents_registration" ON "authorisation_documents" USING btree ("registration_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "bidder_organisations_identifier" ON "bidder_organisations" USING btree ("identifier");--> statement-breakpoint
CREATE INDEX "organisation_representatives_pid" ON "organisation_representatives" USING btree ("pid");--> statement-breakpoint
CREATE UNIQUE INDEX "registration_actors_person" ON "registration_actors" USING btree ("registration_id","pid");--> statement-breakpoint
ALTER TABLE "bars" ADD CONSTRAINT "bars_bidder_organisation_id_bidder_organisations_id_fk" FOREIGN KEY ("bidder_organisation_id") REFERENCES "public"."bidder_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_bidder_organisation_id_bidder_organisations_id_fk" FOREIGN KEY ("bidder_organisation_id") REFERENCES "public"."bidder_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_lot_organisation" ON "registrations" USING btree ("lot_id","bidder_organisation_id") WHERE "registrations"."bidder_organisation_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_lot_person" ON "registrations" USING btree ("lot_id","pid") WHERE "registrations"."bidder_organisation_id" is null;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_organisation_fields" CHECK (("registrations"."bidder_organisation_id" is null) = ("registrations"."acting_role" is null) and ("registrations"."bidder_organisation_id" is null) = ("registrations"."authority" is null) and ("registrations"."bidder_organisation_id" is null) = ("registrations"."authorisation" is null));--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_acting_role" CHECK ("registrations"."acting_role" is null or acting_role in ('legal_representative', 'authorised_person'));--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_authority" CHECK ("registrations"."authority" is null or authority in ('eid', 'document'));--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_authorisation" CHECK ("registrations"."authorisation" is null or authorisation in ('verified', 'awaiting_document', 'pending_review', 'approved', 'rejected'));--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_status" CHECK (status in ('pending_deposit', 'pending_authorisation', 'approved', 'barred', 'rejected'));