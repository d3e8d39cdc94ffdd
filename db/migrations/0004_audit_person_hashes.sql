ALTER TABLE "audit_events" ADD COLUMN "chain_version" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "actor_hash" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "subject_hash" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_chain_version" CHECK ("audit_events"."chain_version" in (1, 2));--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_actor_hash" CHECK ("audit_events"."chain_version" = 1 or ("audit_events"."actor_pid" is null) = ("audit_events"."actor_hash" is null));