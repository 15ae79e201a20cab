CREATE TABLE "beneficiary_revisions" (
	"id" text PRIMARY KEY NOT NULL,
	"beneficiary_id" text NOT NULL,
	"before" jsonb NOT NULL,
	"after" jsonb NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"changed_by" text
);
--> statement-breakpoint
ALTER TABLE "beneficiary_revisions" ADD CONSTRAINT "beneficiary_revisions_beneficiary_id_beneficiaries_id_fk" FOREIGN KEY ("beneficiary_id") REFERENCES "public"."beneficiaries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "beneficiary_revisions_beneficiary_idx" ON "beneficiary_revisions" USING btree ("beneficiary_id");--> statement-breakpoint
-- custom: backoffice
-- At most one approval of a single-budget type (participation, lunch, school supplies, transport) per
-- child and day: decided by PostgreSQL, so two concurrent writers cannot both succeed (ADR 0025). The
-- effective period of an approval ends the day before its revocation; trips and tutoring may overlap.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_no_overlap" EXCLUDE USING gist (
  "beneficiary_id" WITH =,
  "benefit_type" WITH =,
  daterange("valid_from", least("valid_to" + 1, coalesce("revoked_from", "valid_to" + 1)), '[)') WITH &&
) WHERE ("benefit_type" IN ('participation', 'lunch', 'school_supplies', 'transport'));
