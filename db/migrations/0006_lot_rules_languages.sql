ALTER TABLE "lots" ADD COLUMN "rules_language" text DEFAULT 'en' NOT NULL;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "rules_translations" jsonb;--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "rules_generated" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_rules_language" CHECK (rules_language in ('vi', 'en'));--> statement-breakpoint
-- Rules written before languages were recorded: Vietnamese when they use Vietnamese letters (as
-- server/auctions/lot-rules.ts guesses for a manager's text given without its language), else English.
UPDATE "lots" SET "rules_language" = 'vi' WHERE "rules" ~ '[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĂÂĐÊÔƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ]';
