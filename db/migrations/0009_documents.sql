CREATE TABLE "city_logos" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"content_type" text NOT NULL,
	"original" "bytea" NOT NULL,
	"png" "bytea" NOT NULL,
	"width_px" integer NOT NULL,
	"height_px" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "city_logos_single_row" CHECK ("city_logos"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "card_title" text DEFAULT 'Kinder- und Jugendkarte' NOT NULL;--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "address_office" text;--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "address_street" text;--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "address_postal_code" text;--> statement-breakpoint
ALTER TABLE "city_settings" ADD COLUMN "address_town" text;--> statement-breakpoint
CREATE INDEX "audit_log_import_cards_idx" ON "audit_log" USING btree (("data" ->> 'importJobId'),"id") WHERE "audit_log"."action" = 'card.issued';