CREATE TABLE "settlement_batch_sums" (
	"batch_id" text NOT NULL,
	"kind" text NOT NULL,
	"legal_basis" text,
	"cost_bearer" text,
	"benefit_type" text,
	"line_count" integer NOT NULL,
	"amount_cents" bigint NOT NULL,
	CONSTRAINT "settlement_batch_sums_group_key" UNIQUE NULLS NOT DISTINCT("batch_id","kind","legal_basis","cost_bearer","benefit_type")
);
--> statement-breakpoint
-- Backfill (ADR 0037): the sums of the lines written before this migration, grouped as the nightly run writes them.
INSERT INTO "settlement_batch_sums" ("batch_id", "kind", "legal_basis", "cost_bearer", "benefit_type", "line_count", "amount_cents")
SELECT "batch_id", "kind", "legal_basis", "cost_bearer", "benefit_type", count(*), sum("amount_cents")
FROM "settlement_lines" WHERE "kind" <> 'carry_forward'
GROUP BY "batch_id", "kind", "legal_basis", "cost_bearer", "benefit_type";
