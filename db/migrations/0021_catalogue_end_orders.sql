-- A province's, category's and status's lots by their end (issue 21; lot-search.ts): the catalogue's
-- orders by end (the default order's open lots, sort=ending) read a province's lots along its own
-- index, as the orders newest first do along lots_province (0019). A few seconds for two million lots.
DROP INDEX "lots_status_ends_at";--> statement-breakpoint
CREATE INDEX "lots_province_ends" ON "lots" USING btree ("province","ends_at","id");--> statement-breakpoint
CREATE INDEX "lots_category_ends" ON "lots" USING btree ("category","ends_at","id");--> statement-breakpoint
CREATE INDEX "lots_status_ends_at" ON "lots" USING btree ("status","ends_at","id");