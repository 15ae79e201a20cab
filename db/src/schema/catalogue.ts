import { sql } from 'drizzle-orm';
import { boolean, check, customType, integer, jsonb, pgTable, serial, text, unique } from 'drizzle-orm/pg-core';
import { civilDate, createdAt } from './_columns.ts';

/**
 * The benefit catalogue as data (initial rows in migration 0001): rule kind per benefit type and
 * effective-dated rates. A new rate is a new row, never a code change.
 */
export const RULE_KINDS = ['per_meal', 'monthly_budget', 'hourly', 'amount', 'cash_only'] as const;

export const benefitTypes = pgTable('benefit_types', {
  code: text().primaryKey(),
  nameDe: text().notNull(),
  ruleKind: text({ enum: RULE_KINDS }).notNull(),
  redeemable: boolean().notNull(),
});

export const benefitRates = pgTable(
  'benefit_rates',
  {
    id: serial().primaryKey(),
    benefitType: text()
      .notNull()
      .references(() => benefitTypes.code),
    validFrom: civilDate().notNull(),
    amountCents: integer().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('benefit_rates_type_valid_from_key').on(t.benefitType, t.validFrom),
    check('benefit_rates_positive', sql`${t.amountCents} > 0`),
  ],
);

/** Legal bases (Rechtskreise). `federalRefund`: costs refunded by the federation by payment date (SGB II, BKGG). */
export const legalBases = pgTable('legal_bases', {
  code: text().primaryKey(),
  nameDe: text().notNull(),
  federalRefund: boolean().notNull(),
});

/** Cost bearers (Kostenträger), configuration of the city. */
export const costBearers = pgTable('cost_bearers', {
  code: text().primaryKey(),
  nameDe: text().notNull(),
});

/**
 * Settings of the city: one row (`id = 1`). Grace period, participation mode, meals per day,
 * meal price cap, and the city's own bank account (the SEPA debtor).
 */
export const citySettings = pgTable(
  'city_settings',
  {
    id: integer().primaryKey().default(1),
    cityName: text().notNull(),
    gracePeriodMonths: integer().notNull().default(3),
    participationMode: text({ enum: ['flat', 'capped'] })
      .notNull()
      .default('flat'),
    lunchMealsPerDay: integer().notNull().default(1),
    mealPriceCapCents: integer(),
    debtorName: text().notNull(),
    debtorIban: text().notNull(),
    debtorBic: text(),
    /** Staff accounts (provider_admin + provider_staff) one provider may have. */
    maxStaffPerProvider: integer().notNull().default(20),
    /** The card's neutral title under the city's name (it says whose card it is, never which benefit). */
    cardTitle: text().notNull().default('Kinder- und Jugendkarte'),
    /** The issuing office's postal address, printed on the Gutschrift and the card letter. */
    addressOffice: text(),
    addressStreet: text(),
    addressPostalCode: text(),
    addressTown: text(),
    /** Retention (docs/privacy.md): months after a child's last booking day until it is pseudonymised. */
    retentionMonths: integer().notNull().default(24),
    /** Days an idempotency key (and its stored answer) is kept. */
    idempotencyKeyRetentionDays: integer().notNull().default(30),
    /** Days a declined terminal attempt (`redemption_declines`) is kept. */
    declineRetentionDays: integer().notNull().default(90),
    /** Hours a login/family/decline throttle counter is kept after its window ended. */
    throttleCounterRetentionHours: integer().notNull().default(24),
    /** The city's districts (Stadtbezirke / Sozialräume) a child may be assigned to. */
    districts: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Outreach list: weeks after an approval began without a booking. */
    outreachWeeks: integer().notNull().default(6),
    updatedAt: createdAt(),
  },
  (t) => [
    check('city_settings_single_row', sql`${t.id} = 1`),
    check('city_settings_grace', sql`${t.gracePeriodMonths} >= 0`),
    check('city_settings_meals', sql`${t.lunchMealsPerDay} >= 1`),
    check('city_settings_retention', sql`${t.retentionMonths} >= 1`),
  ],
);

/**
 * Mapping for the finance software's booking list: cost centre and account per legal basis ×
 * cost bearer × benefit type. `costBearer`/`benefitType` '*' match any.
 */
export const bookingAccounts = pgTable(
  'booking_accounts',
  {
    id: serial().primaryKey(),
    legalBasis: text()
      .notNull()
      .references(() => legalBases.code),
    costBearer: text().notNull().default('*'),
    benefitType: text().notNull().default('*'),
    costCentre: text().notNull(),
    account: text().notNull(),
  },
  (t) => [unique('booking_accounts_key').on(t.legalBasis, t.costBearer, t.benefitType)],
);

/** Raw bytes (`bytea`); PGlite hands back a Uint8Array, pg a Buffer: both become a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

/**
 * The city's logo (one row, `id = 1`), uploaded by an admin: the file as uploaded (PNG or SVG, for the
 * preview) and a PNG rendering of it that the PDFs embed (the same bytes for a PNG upload).
 */
export const cityLogos = pgTable(
  'city_logos',
  {
    id: integer().primaryKey().default(1),
    contentType: text({ enum: ['image/png', 'image/svg+xml'] }).notNull(),
    original: bytea().notNull(),
    png: bytea().notNull(),
    widthPx: integer().notNull(),
    heightPx: integer().notNull(),
    updatedAt: createdAt(),
  },
  (t) => [check('city_logos_single_row', sql`${t.id} = 1`)],
);

/** One column of the booking list: which field (a key the settlement module defines) under which header. */
export interface BookingListColumn {
  key: string;
  header: string;
}
/** One row of the account mapping as it was saved (the snapshot of a version). */
export interface BookingAccountRow {
  legalBasis: string;
  costBearer: string;
  benefitType: string;
  costCentre: string;
  account: string;
}

/**
 * Versions of the booking list layout, set by accounting: the columns (order, headers) and a snapshot
 * of the account mapping saved with them. Append-only: the newest version applies to every later
 * file; none means the built-in layout. The live mapping the query joins is `booking_accounts`.
 */
export const bookingListConfigs = pgTable(
  'booking_list_configs',
  {
    version: integer().primaryKey(),
    columns: jsonb().$type<BookingListColumn[]>().notNull(),
    accounts: jsonb().$type<BookingAccountRow[]>().notNull(),
    createdAt: createdAt(),
    createdBy: text().notNull(),
  },
  (t) => [check('booking_list_configs_version', sql`${t.version} >= 1`)],
);
