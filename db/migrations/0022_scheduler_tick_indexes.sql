-- The scheduler's ticks at national size (issue 21): the open lots with rounds by their scheduled end,
-- and the open descending lots by their end, so that each tick reads those few lots and not every open
-- lot (at 2.2 million lots, 1-2 s a tick, each second, with parallel workers on both cores).
CREATE INDEX "lots_rounds_due" ON "lots" USING btree ("scheduled_ends_at") WHERE "lots"."rounds_max" is not null and "lots"."status" in ('scheduled', 'live');--> statement-breakpoint
CREATE INDEX "lots_descending_open" ON "lots" USING btree ("ends_at") WHERE "lots"."method" = 'descending' and "lots"."status" in ('scheduled', 'live');