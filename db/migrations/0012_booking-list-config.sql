CREATE TABLE "booking_list_configs" (
	"version" integer PRIMARY KEY NOT NULL,
	"columns" jsonb NOT NULL,
	"accounts" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "booking_list_configs_version" CHECK ("booking_list_configs"."version" >= 1)
);
--> statement-breakpoint
-- custom: booking-list-config
-- Versions of the booking list layout are history: a change is a new version, never an edit.
CREATE OR REPLACE FUNCTION booking_list_configs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'booking_list_configs is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER booking_list_configs_no_update BEFORE UPDATE OR DELETE ON booking_list_configs
  FOR EACH ROW EXECUTE FUNCTION booking_list_configs_append_only();
