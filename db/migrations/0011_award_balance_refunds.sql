ALTER TABLE "payments" DROP CONSTRAINT "payments_state";--> statement-breakpoint
ALTER TABLE "refunds" DROP CONSTRAINT "refunds_reason";--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "award_state" text;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "award_deadline" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payment_credits" ADD COLUMN "payer_account" text;--> statement-breakpoint
ALTER TABLE "payment_credits" ADD COLUMN "payer_name" text;--> statement-breakpoint
ALTER TABLE "payment_credits" ADD COLUMN "payer_bank" text;--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_award_state" CHECK ("lots"."award_state" is null or award_state in ('awaiting_confirmation', 'offered_to_next', 'awarded', 'failed', 'defaulted'));--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_state" CHECK (state in ('pending', 'partial', 'paid', 'refund_due', 'refunded', 'retained', 'forfeited', 'cancelled'));--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_reason" CHECK (reason in ('deposit', 'late_payment', 'returned_credit', 'balance'));