CREATE TABLE "family_access_codes" (
	"card_id" text PRIMARY KEY NOT NULL,
	"code_hash" text NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"issued_by" text
);
--> statement-breakpoint
CREATE TABLE "family_access_failures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "providers" ADD COLUMN "public_listing" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "family_access_codes" ADD CONSTRAINT "family_access_codes_card_id_cards_id_fk" FOREIGN KEY ("card_id") REFERENCES "public"."cards"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "family_access_failures_key_idx" ON "family_access_failures" USING btree ("scope","key","at");