-- The catalogue's start, province and category indexes, each then by id, and a status's lots by id
-- (issue 21; lot-search.ts): a start's range gives the range of ids a walk newest first need read, and
-- a province's, category's or status's lots are read newest first along their own index. A few seconds
-- for two million lots.
DROP INDEX "lots_starts_at";--> statement-breakpoint
DROP INDEX "lots_province";--> statement-breakpoint
DROP INDEX "lots_category";--> statement-breakpoint
CREATE INDEX "lots_status_id" ON "lots" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "lots_starts_at" ON "lots" USING btree ("starts_at","id");--> statement-breakpoint
CREATE INDEX "lots_province" ON "lots" USING btree ("province","id");--> statement-breakpoint
CREATE INDEX "lots_category" ON "lots" USING btree ("category","id");