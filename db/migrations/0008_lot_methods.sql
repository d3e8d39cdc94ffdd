CREATE TABLE "sealed_bids" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sealed_bids_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"lot_id" integer NOT NULL,
	"registration_id" integer NOT NULL,
	"bidder_code" text NOT NULL,
	"round" integer DEFAULT 0 NOT NULL,
	"sealed" text NOT NULL,
	"commitment" text NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"replaced_at" timestamp with time zone,
	"revealed_seq" integer
);
--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "commitment" text;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "salt" text;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "method" text DEFAULT 'ascending' NOT NULL;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "rounds_max" integer;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "rounds_seconds" integer;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "rounds_trigger_seconds" integer;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "round" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "interval_seconds" integer;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "floor_price" bigint;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "tie_break" text;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "sealed_replaceable" boolean;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "sealed_key" text;--> statement-breakpoint
ALTER TABLE "sealed_bids" ADD CONSTRAINT "sealed_bids_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sealed_bids" ADD CONSTRAINT "sealed_bids_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sealed_bids_live" ON "sealed_bids" USING btree ("lot_id","registration_id","round") WHERE "sealed_bids"."replaced_at" is null;--> statement-breakpoint
CREATE INDEX "sealed_bids_lot" ON "sealed_bids" USING btree ("lot_id","round");--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_sealed_reveal" CHECK (("ledger_entries"."commitment" is null) = ("ledger_entries"."salt" is null));--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_method" CHECK (method in ('ascending', 'descending', 'sealed'));--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_rounds" CHECK (("lots"."rounds_max" is null) = ("lots"."rounds_seconds" is null) and ("lots"."rounds_max" is null) = ("lots"."rounds_trigger_seconds" is null) and ("lots"."rounds_max" is null or "lots"."method" = 'ascending'));--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_descending" CHECK (("lots"."method" = 'descending') = ("lots"."interval_seconds" is not null) and ("lots"."method" = 'descending') = ("lots"."floor_price" is not null));--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_sealed" CHECK (("lots"."method" = 'sealed') = ("lots"."tie_break" is not null) and ("lots"."method" = 'sealed') = ("lots"."sealed_replaceable" is not null) and ("lots"."tie_break" is null or tie_break in ('earliest', 'round')));--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_round_nonnegative" CHECK ("lots"."round" >= 0);