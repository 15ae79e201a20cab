CREATE TABLE "retention_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"as_of" date NOT NULL,
	"dry_run" boolean NOT NULL,
	"pseudonymised_count" integer NOT NULL,
	"deleted" jsonb NOT NULL,
	"triggered_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text
);
--> statement-breakpoint
ALTER TABLE "beneficiaries" ALTER COLUMN "given_name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "beneficiaries" ALTER COLUMN "family_name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "beneficiaries" ALTER COLUMN "birth_date" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "beneficiaries" ALTER COLUMN "case_reference" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "beneficiaries" ADD COLUMN "district" text;--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "retention_months" integer DEFAULT 24 NOT NULL;--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "idempotency_key_retention_days" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "decline_retention_days" integer DEFAULT 90 NOT NULL;--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "throttle_counter_retention_hours" integer DEFAULT 24 NOT NULL;--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "districts" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "outreach_weeks" integer DEFAULT 6 NOT NULL;--> statement-breakpoint
ALTER TABLE "beneficiaries" ADD CONSTRAINT "beneficiaries_personal_data_present" CHECK ("beneficiaries"."pseudonymised_at" is not null or ("beneficiaries"."given_name" is not null and "beneficiaries"."family_name" is not null and "beneficiaries"."birth_date" is not null and "beneficiaries"."case_reference" is not null));--> statement-breakpoint
ALTER TABLE "city_settings" ADD CONSTRAINT "city_settings_retention" CHECK ("city_settings"."retention_months" >= 1);