-- The catalogue at national size (issue 21; server/auctions/lot-search.ts and catalogue-plan.ts,
-- README "Catalogue at national size"). The search moves from LIKE '%…%' on the normalised text,
-- served by trigram indexes (0005), to full-text search: the lexemes of search_vector
-- (server/shared/search-text.ts) under one GIN index. The trigram indexes serve no query any more.
DROP INDEX IF EXISTS "lots_search_text_trgm";--> statement-breakpoint
DROP INDEX IF EXISTS "lots_search_compact_trgm";--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "search_vector" "tsvector";--> statement-breakpoint
-- Every lot's search columns are filled again at the next start (backfillLotSearch, found by the
-- partial index lots_search_pending), search_vector with them.
UPDATE "lots" SET "search_text" = NULL WHERE "search_text" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "lots_open_ends" ON "lots" USING btree ("ends_at","id") WHERE "lots"."status" in ('scheduled', 'live');--> statement-breakpoint
CREATE INDEX "lots_closed_newest" ON "lots" USING btree ("id") WHERE "lots"."status" not in ('scheduled', 'live');--> statement-breakpoint
CREATE INDEX "lots_closed_ends" ON "lots" USING btree ("ends_at","id") WHERE "lots"."status" not in ('scheduled', 'live');--> statement-breakpoint
CREATE INDEX "lots_ends" ON "lots" USING btree ("ends_at","id");--> statement-breakpoint
CREATE INDEX "lots_scheduled_start" ON "lots" USING btree ((case when "status" = 'scheduled' then "starts_at" end));--> statement-breakpoint
CREATE INDEX "lots_duration" ON "lots" USING btree (("ends_at" - "starts_at"));--> statement-breakpoint
CREATE INDEX "lots_category" ON "lots" USING btree ("category");--> statement-breakpoint
-- The search's GIN index, over the lexemes alone: core PostgreSQL, so PGlite has it too. (The
-- filters come from their btrees; lot-search.ts says which a search reads through, by a sample.)
CREATE INDEX "lots_search_vector" ON "lots" USING gin ("search_vector");
