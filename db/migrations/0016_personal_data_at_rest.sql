-- Personal data at rest (issue 20, part 3; server/privacy/personal-data.ts). Every pid column comes to
-- hold the person key (the keyed hash of the identification number), and people their number and
-- name sealed under a data key of their own. SQL cannot compute either (the keys live outside the
-- database), so this migration only makes room: the new format checks are added NOT VALID (they hold
-- for every row written from now on), and the clear names are kept as legacy_name. The conversion at
-- start (server/privacy/conversion.ts) then rewrites the existing pids and seals the names, drops
-- legacy_name and validates the checks, in one transaction.
ALTER TABLE "exclusions" DROP CONSTRAINT "exclusions_pid_format";--> statement-breakpoint
ALTER TABLE "lot_exclusions" DROP CONSTRAINT "lot_exclusions_pid_format";--> statement-breakpoint
ALTER TABLE "people" DROP CONSTRAINT "people_pid_format";--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "data_key" text;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "sealed_pid" text;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "sealed_name" text;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "shredded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "people" RENAME COLUMN "name" TO "legacy_name";--> statement-breakpoint
ALTER TABLE "sessions" DROP COLUMN "name";--> statement-breakpoint
ALTER TABLE "exclusions" ADD CONSTRAINT "exclusions_pid_format" CHECK ("exclusions"."pid" ~ '^[0-9a-f]{64}$') NOT VALID;--> statement-breakpoint
ALTER TABLE "lot_exclusions" ADD CONSTRAINT "lot_exclusions_pid_format" CHECK ("lot_exclusions"."pid" ~ '^[0-9a-f]{64}$') NOT VALID;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_sealed" CHECK (("people"."data_key" is null) = ("people"."sealed_pid" is null));--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_pid_format" CHECK ("people"."pid" ~ '^[0-9a-f]{64}$') NOT VALID;--> statement-breakpoint
ALTER TABLE "payment_credits" ADD COLUMN "payer_data_key" text;