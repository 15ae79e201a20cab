CREATE TABLE "approval_lapses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"approval_id" text NOT NULL,
	"kind" text NOT NULL,
	"run_id" text,
	"reversal_id" text,
	"amount_cents" integer NOT NULL,
	"lapsed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lapsed_by" text,
	CONSTRAINT "approval_lapses_amount_positive" CHECK ("approval_lapses"."amount_cents" > 0),
	CONSTRAINT "approval_lapses_kind_check" CHECK (("approval_lapses"."kind" = 'remainder' and "approval_lapses"."run_id" is not null and "approval_lapses"."reversal_id" is null)
        or ("approval_lapses"."kind" = 'reversal' and "approval_lapses"."reversal_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "lapse_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"as_of" date NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"triggered_by" text NOT NULL,
	"approval_count" integer DEFAULT 0 NOT NULL,
	"lapsed_cents" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "approval_lapses" ADD CONSTRAINT "approval_lapses_approval_id_approvals_id_fk" FOREIGN KEY ("approval_id") REFERENCES "public"."approvals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_lapses" ADD CONSTRAINT "approval_lapses_run_id_lapse_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."lapse_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_lapses" ADD CONSTRAINT "approval_lapses_reversal_id_redemption_reversals_id_fk" FOREIGN KEY ("reversal_id") REFERENCES "public"."redemption_reversals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "approval_lapses_one_remainder" ON "approval_lapses" USING btree ("approval_id") WHERE "approval_lapses"."kind" = 'remainder';--> statement-breakpoint
CREATE UNIQUE INDEX "approval_lapses_reversal_key" ON "approval_lapses" USING btree ("reversal_id");--> statement-breakpoint
CREATE INDEX "approval_lapses_approval_idx" ON "approval_lapses" USING btree ("approval_id");--> statement-breakpoint
CREATE INDEX "approval_lapses_at_idx" ON "approval_lapses" USING btree ("lapsed_at");