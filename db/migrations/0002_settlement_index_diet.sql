DROP INDEX "redemptions_batch_idx";--> statement-breakpoint
DROP INDEX "settlement_lines_redemption_key";--> statement-breakpoint
DROP INDEX "settlement_lines_reversal_key";--> statement-breakpoint
DROP INDEX "settlement_lines_carried_key";--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_lines_redemption_key" ON "settlement_lines" USING btree ("redemption_id") WHERE "settlement_lines"."redemption_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_lines_reversal_key" ON "settlement_lines" USING btree ("reversal_id") WHERE "settlement_lines"."reversal_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_lines_carried_key" ON "settlement_lines" USING btree ("carried_from_batch_id") WHERE "settlement_lines"."carried_from_batch_id" is not null;