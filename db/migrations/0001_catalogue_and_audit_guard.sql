-- The audit log is append-only: refuse UPDATE, DELETE and TRUNCATE at the database.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
-- The benefit catalogue (domain.md). Rates are effective-dated rows: a new rate is an INSERT.
INSERT INTO benefit_types (code, name_de, rule_kind, redeemable) VALUES
  ('lunch', 'Gemeinschaftliche Mittagsverpflegung', 'per_meal', true),
  ('participation', 'Soziale und kulturelle Teilhabe', 'monthly_budget', true),
  ('tutoring', 'Lernförderung', 'hourly', true),
  ('trip', 'Ausflüge und Klassenfahrten', 'amount', true),
  ('school_supplies', 'Persönlicher Schulbedarf', 'cash_only', false),
  ('transport', 'Schülerbeförderung', 'cash_only', false);
--> statement-breakpoint
INSERT INTO benefit_rates (benefit_type, valid_from, amount_cents) VALUES
  ('participation', '2019-08-01', 1500);
--> statement-breakpoint
INSERT INTO legal_bases (code, name_de, federal_refund) VALUES
  ('SGB_II', 'SGB II (Bürgergeld)', true),
  ('SGB_XII_3', 'SGB XII, 3. Kapitel (Hilfe zum Lebensunterhalt)', false),
  ('SGB_XII_4', 'SGB XII, 4. Kapitel (Grundsicherung)', false),
  ('BKGG_KIZ', 'BKGG § 6b (Kinderzuschlag)', true),
  ('BKGG_WOGG', 'BKGG § 6b (Wohngeld)', true),
  ('ASYLBLG', 'Asylbewerberleistungsgesetz', false);
--> statement-breakpoint
INSERT INTO cost_bearers (code, name_de) VALUES
  ('JOBCENTER', 'Jobcenter'),
  ('SOZIALAMT', 'Sozialamt der Stadt'),
  ('KREIS', 'Kreis');
--> statement-breakpoint
-- Placeholder city settings; operators set their own (docs/operations.md).
INSERT INTO city_settings (id, city_name, grace_period_months, participation_mode, lunch_meals_per_day, meal_price_cap_cents, debtor_name, debtor_iban, debtor_bic)
VALUES (1, 'Musterstadt', 3, 'flat', 1, 500, 'Stadtkasse Musterstadt', 'DE02120300000000202051', 'BYLADEM1001');
--> statement-breakpoint
INSERT INTO booking_accounts (legal_basis, cost_bearer, benefit_type, cost_centre, account) VALUES
  ('SGB_II', '*', '*', '31210', '533100'),
  ('SGB_XII_3', '*', '*', '31110', '533200'),
  ('SGB_XII_4', '*', '*', '31120', '533210'),
  ('BKGG_KIZ', '*', '*', '31500', '533300'),
  ('BKGG_WOGG', '*', '*', '31510', '533310'),
  ('ASYLBLG', '*', '*', '31300', '533400');
