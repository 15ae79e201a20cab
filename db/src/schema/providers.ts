import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, unique } from 'drizzle-orm/pg-core';
import { civilDate, createdAt, id, timestamptz } from './_columns.ts';

export const PROVIDER_CATEGORIES = [
  'caterer',
  'kita',
  'school',
  'club',
  'music_school',
  'culture',
  'tutor',
  'travel_operator',
] as const;
export const PROVIDER_STATUSES = ['pending', 'approved', 'suspended', 'needs_reapproval'] as const;

/**
 * Providers (Leistungsanbieter). Only `approved` ones can redeem. A change of bank data sets
 * `needs_reapproval`; a different admin than `bankDataChangedBy` must approve.
 */
export const providers = pgTable(
  'providers',
  {
    id: id(),
    name: text().notNull(),
    category: text({ enum: PROVIDER_CATEGORIES }).notNull(),
    status: text({ enum: PROVIDER_STATUSES }).notNull().default('pending'),
    /** Benefit types this provider may redeem (a subset of what its category allows). */
    benefitTypes: text().array().notNull(),
    accountHolder: text().notNull(),
    iban: text().notNull(),
    bic: text(),
    street: text(),
    postalCode: text(),
    town: text().notNull(),
    country: text().notNull().default('DE'),
    email: text(),
    phone: text(),
    /** Shown in the public directory (listPublicProviders) once approved; a provider may opt out. */
    publicListing: boolean().notNull().default(true),
    /**
     * False while bank data changed by a provider admin awaits an admin's approval: releases for
     * this provider are refused (`bank_data_unapproved`) until then.
     */
    bankDataApproved: boolean().notNull().default(true),
    bankDataChangedBy: text(),
    bankDataChangedAt: timestamptz(),
    approvedBy: text(),
    approvedAt: timestamptz(),
    createdAt: createdAt(),
    createdBy: text(),
    updatedAt: timestamptz(),
  },
  (t) => [
    check('providers_country_check', sql`${t.country} ~ '^[A-Z]{2}$'`),
    check('providers_status_check', sql`${t.status} in ('pending','approved','suspended','needs_reapproval')`),
  ],
);

/** Effective-dated meal price of a lunch provider (append a row to change it). */
export const providerMealPrices = pgTable(
  'provider_meal_prices',
  {
    id: id(),
    providerId: text()
      .notNull()
      .references(() => providers.id),
    validFrom: civilDate().notNull(),
    priceCents: integer().notNull(),
    createdAt: createdAt(),
    createdBy: text(),
  },
  (t) => [
    unique('provider_meal_prices_provider_valid_from_key').on(t.providerId, t.validFrom),
    index('provider_meal_prices_provider_idx').on(t.providerId, t.validFrom),
    check('provider_meal_prices_positive', sql`${t.priceCents} > 0`),
  ],
);
