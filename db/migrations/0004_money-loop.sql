CREATE TABLE "bank_statement_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"statement_id" text NOT NULL,
	"entry_ref" text NOT NULL,
	"end_to_end_id" text,
	"amount_cents" bigint NOT NULL,
	"value_date" date,
	"outcome" text NOT NULL,
	"reason_code" text,
	"batch_id" text,
	"payment_file_id" text
);
--> statement-breakpoint
CREATE TABLE "bank_statements" (
	"id" text PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"format" text NOT NULL,
	"fingerprint" text NOT NULL,
	"entry_count" integer NOT NULL,
	"result" jsonb NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"imported_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "chain_seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "chain_hash" text;--> statement-breakpoint
ALTER TABLE "settlement_batches" ADD COLUMN "paid_on" date;--> statement-breakpoint
ALTER TABLE "settlement_batches" ADD COLUMN "return_reason" text;--> statement-breakpoint
ALTER TABLE "settlement_batches" ADD COLUMN "returned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "bank_statement_entries" ADD CONSTRAINT "bank_statement_entries_statement_id_bank_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "public"."bank_statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_statement_entries" ADD CONSTRAINT "bank_statement_entries_batch_id_settlement_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."settlement_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_statement_entries" ADD CONSTRAINT "bank_statement_entries_payment_file_id_payment_files_id_fk" FOREIGN KEY ("payment_file_id") REFERENCES "public"."payment_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bank_statement_entries_statement_idx" ON "bank_statement_entries" USING btree ("statement_id");--> statement-breakpoint
CREATE INDEX "bank_statement_entries_batch_idx" ON "bank_statement_entries" USING btree ("batch_id");--> statement-breakpoint
CREATE UNIQUE INDEX "bank_statements_fingerprint_key" ON "bank_statements" USING btree ("fingerprint");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_chain_seq_key" ON "audit_log" USING btree ("chain_seq");--> statement-breakpoint
CREATE INDEX "audit_log_unsealed_idx" ON "audit_log" USING btree ("id") WHERE "audit_log"."chain_seq" is null;
--> statement-breakpoint
-- custom: money-loop
-- The audit log stays append-only, with one exception: the sealing step sets chain_seq and chain_hash
-- once on a row that has none, leaving every other column as it was (ADR 0023).
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.chain_seq IS NULL AND OLD.chain_hash IS NULL
     AND NEW.chain_seq IS NOT NULL AND NEW.chain_hash IS NOT NULL
     AND (NEW.id, NEW.at, NEW.actor_id, NEW.action, NEW.entity_type, NEW.entity_id, NEW.request_id, NEW.data)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.at, OLD.actor_id, OLD.action, OLD.entity_type, OLD.entity_id, OLD.request_id, OLD.data)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
