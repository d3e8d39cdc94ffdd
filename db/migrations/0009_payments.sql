CREATE TABLE "bars" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "bars_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"pid" text NOT NULL,
	"category" text NOT NULL,
	"lot_id" integer,
	"reason" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "bars_period" CHECK ("bars"."starts_at" < "bars"."ends_at")
);
--> statement-breakpoint
CREATE TABLE "calendar_days" (
	"day" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "calendar_days_kind" CHECK (kind in ('day_off', 'working_day')),
	CONSTRAINT "calendar_days_day" CHECK ("calendar_days"."day" ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"run_at" timestamp with time zone NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"done_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "jobs_state" CHECK (state in ('pending', 'done', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "notifications_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"pid" text NOT NULL,
	"kind" text NOT NULL,
	"lot_id" integer,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"read_at" timestamp with time zone,
	"email_state" text DEFAULT 'none' NOT NULL,
	"email_attempts" integer DEFAULT 0 NOT NULL,
	"email_sent_at" timestamp with time zone,
	"email_error" text,
	CONSTRAINT "notifications_email_state" CHECK (email_state in ('none', 'pending', 'sent', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "payment_credits" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "payment_credits_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"source" text NOT NULL,
	"transaction_id" text NOT NULL,
	"reference" text NOT NULL,
	"amount" bigint NOT NULL,
	"paid_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"payment_id" integer,
	"outcome" text NOT NULL,
	"hold_reason" text,
	"decision" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"entered_by" text,
	"reversed_at" timestamp with time zone,
	"reversed_by" text,
	CONSTRAINT "payment_credits_source" CHECK (source in ('webhook', 'statement', 'manual')),
	CONSTRAINT "payment_credits_outcome" CHECK (outcome in ('accepted', 'held', 'late')),
	CONSTRAINT "payment_credits_amount" CHECK ("payment_credits"."amount" > 0),
	CONSTRAINT "payment_credits_hold" CHECK (("payment_credits"."outcome" = 'held') = ("payment_credits"."hold_reason" is not null))
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "payments_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"registration_id" integer NOT NULL,
	"lot_id" integer NOT NULL,
	"kind" text NOT NULL,
	"reference" text NOT NULL,
	"amount" bigint NOT NULL,
	"account" jsonb NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"received" bigint DEFAULT 0 NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "payments_kind" CHECK (kind in ('deposit', 'balance')),
	CONSTRAINT "payments_state" CHECK (state in ('pending', 'partial', 'paid', 'refund_due', 'refunded', 'retained', 'forfeited')),
	CONSTRAINT "payments_amounts" CHECK ("payments"."amount" > 0 and "payments"."received" >= 0)
);
--> statement-breakpoint
CREATE TABLE "refunds" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "refunds_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"lot_id" integer,
	"payment_id" integer,
	"credit_id" integer,
	"reason" text NOT NULL,
	"amount" bigint NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"state" text DEFAULT 'due' NOT NULL,
	"sent_at" timestamp with time zone,
	"bank_reference" text,
	"confirmed_by" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "refunds_reason" CHECK (reason in ('deposit', 'late_payment', 'returned_credit')),
	CONSTRAINT "refunds_state" CHECK (state in ('due', 'sent')),
	CONSTRAINT "refunds_amount" CHECK ("refunds"."amount" > 0)
);
--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "email" text;--> statement-breakpoint
ALTER TABLE "bars" ADD CONSTRAINT "bars_pid_people_pid_fk" FOREIGN KEY ("pid") REFERENCES "public"."people"("pid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bars" ADD CONSTRAINT "bars_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_pid_people_pid_fk" FOREIGN KEY ("pid") REFERENCES "public"."people"("pid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_credits" ADD CONSTRAINT "payment_credits_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_credit_id_payment_credits_id_fk" FOREIGN KEY ("credit_id") REFERENCES "public"."payment_credits"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bars_person" ON "bars" USING btree ("pid","category");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_key" ON "jobs" USING btree ("key");--> statement-breakpoint
CREATE INDEX "jobs_due" ON "jobs" USING btree ("run_at") WHERE "jobs"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "notifications_person" ON "notifications" USING btree ("pid","created_at");--> statement-breakpoint
CREATE INDEX "notifications_email_pending" ON "notifications" USING btree ("id") WHERE "notifications"."email_state" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "payment_credits_transaction" ON "payment_credits" USING btree ("source","transaction_id");--> statement-breakpoint
CREATE INDEX "payment_credits_payment" ON "payment_credits" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "payment_credits_held" ON "payment_credits" USING btree ("outcome") WHERE "payment_credits"."outcome" = 'held' and "payment_credits"."decision" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "payments_reference" ON "payments" USING btree ("reference");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_registration_kind" ON "payments" USING btree ("registration_id","kind");--> statement-breakpoint
CREATE INDEX "payments_lot" ON "payments" USING btree ("lot_id");--> statement-breakpoint
CREATE INDEX "refunds_lot" ON "refunds" USING btree ("lot_id");--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_payment" ON "refunds" USING btree ("payment_id","reason");--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_credit" ON "refunds" USING btree ("credit_id");