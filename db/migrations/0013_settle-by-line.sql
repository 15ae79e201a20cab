ALTER TABLE "settlement_lines" DROP CONSTRAINT "settlement_lines_batch_id_settlement_batches_id_fk";
--> statement-breakpoint
DROP INDEX "redemptions_unsettled_idx";--> statement-breakpoint
ALTER TABLE "redemptions" ADD COLUMN "txid" bigint DEFAULT (pg_current_xact_id()::text::bigint) NOT NULL;--> statement-breakpoint
ALTER TABLE "settlement_runs" ADD COLUMN "unsettled_from_txid" bigint;--> statement-breakpoint
CREATE INDEX "redemptions_txid_idx" ON "redemptions" USING btree ("txid");--> statement-breakpoint
ALTER TABLE "redemptions" DROP COLUMN "batch_id";