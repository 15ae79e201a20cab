CREATE TABLE "provider_meal_price_proposals" (
	"id" text PRIMARY KEY NOT NULL,
	"provider_id" text NOT NULL,
	"valid_from" date NOT NULL,
	"price_cents" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"proposed_by" text NOT NULL,
	"proposed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	CONSTRAINT "provider_meal_price_proposals_positive" CHECK ("provider_meal_price_proposals"."price_cents" > 0),
	CONSTRAINT "provider_meal_price_proposals_status_check" CHECK ("provider_meal_price_proposals"."status" in ('pending','confirmed','rejected'))
);
--> statement-breakpoint
CREATE TABLE "provider_registration_attempts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "provider_registration_attempts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"address_hash" text NOT NULL,
	"attempted_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_registrations" (
	"provider_id" text PRIMARY KEY NOT NULL,
	"admin_user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "providers" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "providers" ADD COLUMN "bank_data_approved" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "redemptions" ADD COLUMN "purpose" text;--> statement-breakpoint
ALTER TABLE "provider_meal_price_proposals" ADD CONSTRAINT "provider_meal_price_proposals_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_registrations" ADD CONSTRAINT "provider_registrations_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_registrations" ADD CONSTRAINT "provider_registrations_admin_user_id_users_id_fk" FOREIGN KEY ("admin_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "provider_meal_price_proposals_provider_idx" ON "provider_meal_price_proposals" USING btree ("provider_id","status");--> statement-breakpoint
CREATE INDEX "provider_registration_attempts_address_idx" ON "provider_registration_attempts" USING btree ("address_hash","attempted_at");--> statement-breakpoint
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_purpose_length" CHECK (char_length("redemptions"."purpose") <= 140);