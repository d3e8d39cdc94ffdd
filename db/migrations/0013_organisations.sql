CREATE TABLE "exclusions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "exclusions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"pid" text NOT NULL,
	"organisation_id" integer,
	"reason" text NOT NULL,
	"source" text NOT NULL,
	"ends_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"lifted_by" text,
	"lifted_at" timestamp with time zone,
	CONSTRAINT "exclusions_pid_format" CHECK ("exclusions"."pid" ~ '^[0-9]{12}$')
);
--> statement-breakpoint
CREATE TABLE "lot_exclusions" (
	"lot_id" integer NOT NULL,
	"pid" text NOT NULL,
	"reason" text NOT NULL,
	"added_by" text NOT NULL,
	"added_at" timestamp with time zone NOT NULL,
	CONSTRAINT "lot_exclusions_lot_id_pid_pk" PRIMARY KEY("lot_id","pid"),
	CONSTRAINT "lot_exclusions_pid_format" CHECK ("lot_exclusions"."pid" ~ '^[0-9]{12}$')
);
--> statement-breakpoint
CREATE TABLE "organisation_managers" (
	"organisation_id" integer NOT NULL,
	"pid" text NOT NULL,
	"granted_by" text,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organisation_managers_organisation_id_pid_pk" PRIMARY KEY("organisation_id","pid")
);
--> statement-breakpoint
CREATE TABLE "organisations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "organisations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"licence_number" text NOT NULL,
	"tax_code" text NOT NULL,
	"province" text NOT NULL,
	"bank_account" jsonb,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organisations_province" CHECK (province in ('ha-noi', 'hue', 'hai-phong', 'da-nang', 'ho-chi-minh', 'can-tho', 'an-giang', 'bac-ninh', 'ca-mau', 'cao-bang', 'dak-lak', 'dien-bien', 'dong-nai', 'dong-thap', 'gia-lai', 'ha-tinh', 'hung-yen', 'khanh-hoa', 'lai-chau', 'lam-dong', 'lang-son', 'lao-cai', 'nghe-an', 'ninh-binh', 'phu-tho', 'quang-ngai', 'quang-ninh', 'quang-tri', 'son-la', 'tay-ninh', 'thai-nguyen', 'thanh-hoa', 'tuyen-quang', 'vinh-long'))
);
--> statement-breakpoint
CREATE TABLE "regulator_scopes" (
	"pid" text PRIMARY KEY NOT NULL,
	"province" text NOT NULL,
	"set_by" text,
	"set_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "regulator_scopes_province" CHECK (province in ('ha-noi', 'hue', 'hai-phong', 'da-nang', 'ho-chi-minh', 'can-tho', 'an-giang', 'bac-ninh', 'ca-mau', 'cao-bang', 'dak-lak', 'dien-bien', 'dong-nai', 'dong-thap', 'gia-lai', 'ha-tinh', 'hung-yen', 'khanh-hoa', 'lai-chau', 'lam-dong', 'lang-son', 'lao-cai', 'nghe-an', 'ninh-binh', 'phu-tho', 'quang-ngai', 'quang-ninh', 'quang-tri', 'son-la', 'tay-ninh', 'thai-nguyen', 'thanh-hoa', 'tuyen-quang', 'vinh-long'))
);
--> statement-breakpoint
-- Existing data migrates into a default organisation (issue 19): every lot, and every manager as its
-- manager. An admin gives it its real name, licence, tax code and province (PATCH /api/organisations/:id).
INSERT INTO "organisations" ("name", "licence_number", "tax_code", "province") VALUES ('Tổ chức đấu giá mặc định', 'MAC-DINH', '0000000000', 'ha-noi');--> statement-breakpoint
ALTER TABLE "lots" ADD COLUMN "organisation_id" integer;--> statement-breakpoint
UPDATE "lots" SET "organisation_id" = (SELECT min("id") FROM "organisations");--> statement-breakpoint
ALTER TABLE "lots" ALTER COLUMN "organisation_id" SET NOT NULL;--> statement-breakpoint
INSERT INTO "organisation_managers" ("organisation_id", "pid", "granted_at") SELECT (SELECT min("id") FROM "organisations"), "pid", "granted_at" FROM "role_grants" WHERE "role" = 'manager';--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "first_sign_in_at" timestamp with time zone;--> statement-breakpoint
UPDATE "people" SET "first_sign_in_at" = "created_at";--> statement-breakpoint
ALTER TABLE "exclusions" ADD CONSTRAINT "exclusions_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lot_exclusions" ADD CONSTRAINT "lot_exclusions_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_managers" ADD CONSTRAINT "organisation_managers_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_managers" ADD CONSTRAINT "organisation_managers_pid_people_pid_fk" FOREIGN KEY ("pid") REFERENCES "public"."people"("pid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "regulator_scopes" ADD CONSTRAINT "regulator_scopes_pid_people_pid_fk" FOREIGN KEY ("pid") REFERENCES "public"."people"("pid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "exclusions_pid" ON "exclusions" USING btree ("pid");--> statement-breakpoint
CREATE INDEX "organisation_managers_pid" ON "organisation_managers" USING btree ("pid");--> statement-breakpoint
CREATE UNIQUE INDEX "organisations_licence" ON "organisations" USING btree ("licence_number");--> statement-breakpoint
CREATE UNIQUE INDEX "organisations_tax_code" ON "organisations" USING btree ("tax_code");--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lots_organisation" ON "lots" USING btree ("organisation_id");