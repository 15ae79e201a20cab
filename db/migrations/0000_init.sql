CREATE TABLE "approval_revisions" (
	"id" text PRIMARY KEY NOT NULL,
	"approval_id" text NOT NULL,
	"kind" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"reason" text,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"changed_by" text
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"id" text PRIMARY KEY NOT NULL,
	"beneficiary_id" text NOT NULL,
	"benefit_type" text NOT NULL,
	"legal_basis" text NOT NULL,
	"cost_bearer" text,
	"reference" text,
	"valid_from" date NOT NULL,
	"valid_to" date NOT NULL,
	"provider_id" text,
	"budget_cents" integer,
	"remaining_cents" integer,
	"hours" integer,
	"hourly_rate_cents" integer,
	"subject" text,
	"revoked_from" date,
	"revocation_reason" text,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"import_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	CONSTRAINT "approvals_period_check" CHECK ("approvals"."valid_from" <= "approvals"."valid_to"),
	CONSTRAINT "approvals_remaining_nonnegative" CHECK ("approvals"."remaining_cents" >= 0),
	CONSTRAINT "approvals_remaining_within_budget" CHECK ("approvals"."remaining_cents" <= "approvals"."budget_cents"),
	CONSTRAINT "approvals_budget_nonnegative" CHECK ("approvals"."budget_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text,
	"request_id" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "beneficiaries" (
	"id" text PRIMARY KEY NOT NULL,
	"given_name" text NOT NULL,
	"family_name" text NOT NULL,
	"birth_date" date NOT NULL,
	"case_reference" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"updated_at" timestamp with time zone,
	"pseudonymised_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cards" (
	"id" text PRIMARY KEY NOT NULL,
	"beneficiary_id" text NOT NULL,
	"card_number" text NOT NULL,
	"qr_token" text NOT NULL,
	"key_id" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"block_reason" text,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"issued_by" text,
	"blocked_at" timestamp with time zone,
	"blocked_by" text,
	"replaced_by_card_id" text,
	CONSTRAINT "cards_card_number_format" CHECK ("cards"."card_number" ~ '^[0-9]{16}$')
);
--> statement-breakpoint
CREATE TABLE "benefit_rates" (
	"id" serial PRIMARY KEY NOT NULL,
	"benefit_type" text NOT NULL,
	"valid_from" date NOT NULL,
	"amount_cents" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "benefit_rates_type_valid_from_key" UNIQUE("benefit_type","valid_from"),
	CONSTRAINT "benefit_rates_positive" CHECK ("benefit_rates"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "benefit_types" (
	"code" text PRIMARY KEY NOT NULL,
	"name_de" text NOT NULL,
	"rule_kind" text NOT NULL,
	"redeemable" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "booking_accounts" (
	"id" serial PRIMARY KEY NOT NULL,
	"legal_basis" text NOT NULL,
	"cost_bearer" text DEFAULT '*' NOT NULL,
	"benefit_type" text DEFAULT '*' NOT NULL,
	"cost_centre" text NOT NULL,
	"account" text NOT NULL,
	CONSTRAINT "booking_accounts_key" UNIQUE("legal_basis","cost_bearer","benefit_type")
);
--> statement-breakpoint
CREATE TABLE "city_settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"city_name" text NOT NULL,
	"grace_period_months" integer DEFAULT 3 NOT NULL,
	"participation_mode" text DEFAULT 'flat' NOT NULL,
	"lunch_meals_per_day" integer DEFAULT 1 NOT NULL,
	"meal_price_cap_cents" integer,
	"debtor_name" text NOT NULL,
	"debtor_iban" text NOT NULL,
	"debtor_bic" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "city_settings_single_row" CHECK ("city_settings"."id" = 1),
	CONSTRAINT "city_settings_grace" CHECK ("city_settings"."grace_period_months" >= 0),
	CONSTRAINT "city_settings_meals" CHECK ("city_settings"."lunch_meals_per_day" >= 1)
);
--> statement-breakpoint
CREATE TABLE "cost_bearers" (
	"code" text PRIMARY KEY NOT NULL,
	"name_de" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "legal_bases" (
	"code" text PRIMARY KEY NOT NULL,
	"name_de" text NOT NULL,
	"federal_refund" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" integer NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "import_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"mode" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"file_name" text,
	"total_rows" integer DEFAULT 0 NOT NULL,
	"processed_rows" integer DEFAULT 0 NOT NULL,
	"valid_rows" integer DEFAULT 0 NOT NULL,
	"invalid_rows" integer DEFAULT 0 NOT NULL,
	"created_beneficiaries" integer DEFAULT 0 NOT NULL,
	"created_approvals" integer DEFAULT 0 NOT NULL,
	"issued_cards" integer DEFAULT 0 NOT NULL,
	"report" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "provider_meal_prices" (
	"id" text PRIMARY KEY NOT NULL,
	"provider_id" text NOT NULL,
	"valid_from" date NOT NULL,
	"price_cents" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	CONSTRAINT "provider_meal_prices_provider_valid_from_key" UNIQUE("provider_id","valid_from"),
	CONSTRAINT "provider_meal_prices_positive" CHECK ("provider_meal_prices"."price_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"benefit_types" text[] NOT NULL,
	"account_holder" text NOT NULL,
	"iban" text NOT NULL,
	"bic" text,
	"street" text,
	"postal_code" text,
	"town" text NOT NULL,
	"country" text DEFAULT 'DE' NOT NULL,
	"email" text,
	"bank_data_changed_by" text,
	"bank_data_changed_at" timestamp with time zone,
	"approved_by" text,
	"approved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"updated_at" timestamp with time zone,
	CONSTRAINT "providers_country_check" CHECK ("providers"."country" ~ '^[A-Z]{2}$'),
	CONSTRAINT "providers_status_check" CHECK ("providers"."status" in ('pending','approved','suspended','needs_reapproval'))
);
--> statement-breakpoint
CREATE TABLE "redemption_declines" (
	"id" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" text NOT NULL,
	"provider_id" text NOT NULL,
	"card_id" text,
	"approval_id" text,
	"code" text NOT NULL,
	"request_id" text
);
--> statement-breakpoint
CREATE TABLE "redemption_reversals" (
	"id" text PRIMARY KEY NOT NULL,
	"redemption_id" text NOT NULL,
	"provider_id" text NOT NULL,
	"amount_cents" integer NOT NULL,
	"kind" text NOT NULL,
	"reason" text,
	"reversed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reversed_by" text NOT NULL,
	"batch_id" text,
	CONSTRAINT "redemption_reversals_amount_positive" CHECK ("redemption_reversals"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "redemptions" (
	"id" text PRIMARY KEY NOT NULL,
	"provider_id" text NOT NULL,
	"approval_id" text NOT NULL,
	"beneficiary_id" text NOT NULL,
	"card_id" text NOT NULL,
	"benefit_type" text NOT NULL,
	"service_date" date NOT NULL,
	"amount_cents" integer NOT NULL,
	"meals" integer,
	"minutes" integer,
	"meal_slot" smallint,
	"status" text DEFAULT 'booked' NOT NULL,
	"booked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"booked_by" text NOT NULL,
	"idempotency_key" text,
	"batch_id" text,
	"reversed_at" timestamp with time zone,
	CONSTRAINT "redemptions_amount_positive" CHECK ("redemptions"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "counters" (
	"name" text PRIMARY KEY NOT NULL,
	"value" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_files" (
	"id" text PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"execution_date" date NOT NULL,
	"batch_count" integer NOT NULL,
	"total_cents" bigint NOT NULL,
	"xml" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "payment_files_messageId_unique" UNIQUE("message_id")
);
--> statement-breakpoint
CREATE TABLE "settlement_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"run_id" text NOT NULL,
	"provider_id" text NOT NULL,
	"cutoff_date" date NOT NULL,
	"period_from" date,
	"period_to" date,
	"total_cents" bigint NOT NULL,
	"line_count" integer NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"certified_by" text,
	"certified_at" timestamp with time zone,
	"released_by" text,
	"released_at" timestamp with time zone,
	"payment_file_id" text,
	"paid_at" timestamp with time zone,
	"paid_by" text
);
--> statement-breakpoint
CREATE TABLE "settlement_lines" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" text NOT NULL,
	"kind" text NOT NULL,
	"redemption_id" text,
	"reversal_id" text,
	"carried_from_batch_id" text,
	"card_ref" text,
	"service_date" date,
	"booked_at" timestamp with time zone,
	"benefit_type" text,
	"legal_basis" text,
	"cost_bearer" text,
	"amount_cents" integer NOT NULL,
	CONSTRAINT "settlement_lines_one_source" CHECK (num_nonnulls("settlement_lines"."redemption_id", "settlement_lines"."reversal_id", "settlement_lines"."carried_from_batch_id") = 1)
);
--> statement-breakpoint
CREATE TABLE "settlement_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"cutoff_date" date NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"triggered_by" text NOT NULL,
	"batch_count" integer DEFAULT 0 NOT NULL,
	"total_cents" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"provider_id" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"updated_at" timestamp with time zone,
	CONSTRAINT "users_role_check" CHECK ("users"."role" in ('admin','caseworker','accounting','provider_admin','provider_staff')),
	CONSTRAINT "users_provider_role_check" CHECK (("users"."role" in ('provider_admin','provider_staff')) = ("users"."provider_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "approval_revisions" ADD CONSTRAINT "approval_revisions_approval_id_approvals_id_fk" FOREIGN KEY ("approval_id") REFERENCES "public"."approvals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_beneficiary_id_beneficiaries_id_fk" FOREIGN KEY ("beneficiary_id") REFERENCES "public"."beneficiaries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_benefit_type_benefit_types_code_fk" FOREIGN KEY ("benefit_type") REFERENCES "public"."benefit_types"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_legal_basis_legal_bases_code_fk" FOREIGN KEY ("legal_basis") REFERENCES "public"."legal_bases"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_cost_bearer_cost_bearers_code_fk" FOREIGN KEY ("cost_bearer") REFERENCES "public"."cost_bearers"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cards" ADD CONSTRAINT "cards_beneficiary_id_beneficiaries_id_fk" FOREIGN KEY ("beneficiary_id") REFERENCES "public"."beneficiaries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benefit_rates" ADD CONSTRAINT "benefit_rates_benefit_type_benefit_types_code_fk" FOREIGN KEY ("benefit_type") REFERENCES "public"."benefit_types"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "booking_accounts" ADD CONSTRAINT "booking_accounts_legal_basis_legal_bases_code_fk" FOREIGN KEY ("legal_basis") REFERENCES "public"."legal_bases"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_meal_prices" ADD CONSTRAINT "provider_meal_prices_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redemption_reversals" ADD CONSTRAINT "redemption_reversals_redemption_id_redemptions_id_fk" FOREIGN KEY ("redemption_id") REFERENCES "public"."redemptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redemption_reversals" ADD CONSTRAINT "redemption_reversals_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_approval_id_approvals_id_fk" FOREIGN KEY ("approval_id") REFERENCES "public"."approvals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_beneficiary_id_beneficiaries_id_fk" FOREIGN KEY ("beneficiary_id") REFERENCES "public"."beneficiaries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_card_id_cards_id_fk" FOREIGN KEY ("card_id") REFERENCES "public"."cards"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_batches" ADD CONSTRAINT "settlement_batches_run_id_settlement_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."settlement_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_batches" ADD CONSTRAINT "settlement_batches_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_lines" ADD CONSTRAINT "settlement_lines_batch_id_settlement_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."settlement_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approval_revisions_approval_idx" ON "approval_revisions" USING btree ("approval_id");--> statement-breakpoint
CREATE INDEX "approvals_beneficiary_idx" ON "approvals" USING btree ("beneficiary_id");--> statement-breakpoint
CREATE UNIQUE INDEX "approvals_import_key" ON "approvals" USING btree ("import_key");--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity_type","entity_id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "beneficiaries_case_reference_key" ON "beneficiaries" USING btree ("case_reference");--> statement-breakpoint
CREATE INDEX "beneficiaries_family_name_idx" ON "beneficiaries" USING btree (lower("family_name"));--> statement-breakpoint
CREATE UNIQUE INDEX "cards_card_number_key" ON "cards" USING btree ("card_number");--> statement-breakpoint
CREATE UNIQUE INDEX "cards_one_active_per_child" ON "cards" USING btree ("beneficiary_id") WHERE "cards"."status" = 'active';--> statement-breakpoint
CREATE INDEX "cards_beneficiary_idx" ON "cards" USING btree ("beneficiary_id");--> statement-breakpoint
CREATE INDEX "provider_meal_prices_provider_idx" ON "provider_meal_prices" USING btree ("provider_id","valid_from");--> statement-breakpoint
CREATE INDEX "redemption_declines_provider_at_idx" ON "redemption_declines" USING btree ("provider_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "redemption_reversals_redemption_key" ON "redemption_reversals" USING btree ("redemption_id");--> statement-breakpoint
CREATE INDEX "redemption_reversals_unsettled_idx" ON "redemption_reversals" USING btree ("provider_id","reversed_at") WHERE "redemption_reversals"."kind" = 'correction' and "redemption_reversals"."batch_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "redemptions_one_lunch_per_slot" ON "redemptions" USING btree ("beneficiary_id","service_date","meal_slot") WHERE "redemptions"."benefit_type" = 'lunch' and "redemptions"."status" = 'booked';--> statement-breakpoint
CREATE INDEX "redemptions_provider_service_date_idx" ON "redemptions" USING btree ("provider_id","service_date");--> statement-breakpoint
CREATE INDEX "redemptions_approval_idx" ON "redemptions" USING btree ("approval_id");--> statement-breakpoint
CREATE INDEX "redemptions_batch_idx" ON "redemptions" USING btree ("batch_id");--> statement-breakpoint
CREATE INDEX "redemptions_unsettled_idx" ON "redemptions" USING btree ("provider_id","booked_at") WHERE "redemptions"."batch_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_batches_number_key" ON "settlement_batches" USING btree ("number");--> statement-breakpoint
CREATE INDEX "settlement_batches_provider_idx" ON "settlement_batches" USING btree ("provider_id","created_at");--> statement-breakpoint
CREATE INDEX "settlement_batches_status_idx" ON "settlement_batches" USING btree ("status");--> statement-breakpoint
CREATE INDEX "settlement_lines_batch_idx" ON "settlement_lines" USING btree ("batch_id");--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_lines_redemption_key" ON "settlement_lines" USING btree ("redemption_id");--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_lines_reversal_key" ON "settlement_lines" USING btree ("reversal_id");--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_lines_carried_key" ON "settlement_lines" USING btree ("carried_from_batch_id");--> statement-breakpoint
CREATE INDEX "settlement_runs_cutoff_idx" ON "settlement_runs" USING btree ("cutoff_date");--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_key" ON "users" USING btree (lower("username"));--> statement-breakpoint
CREATE INDEX "users_provider_idx" ON "users" USING btree ("provider_id");