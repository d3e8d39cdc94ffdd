CREATE TABLE "shed_bids" (
	"lot_id" integer NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "shed_bids_lot_id_minute_reason_pk" PRIMARY KEY("lot_id","minute","reason"),
	CONSTRAINT "shed_bids_reason" CHECK (reason in ('database_unavailable', 'queue_full', 'overloaded', 'timeout', 'unknown_outcome')),
	CONSTRAINT "shed_bids_count" CHECK (count > 0)
);
--> statement-breakpoint
ALTER TABLE "shed_bids" ADD CONSTRAINT "shed_bids_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;