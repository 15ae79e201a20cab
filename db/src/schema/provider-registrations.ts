import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { civilDate, createdAt, id, timestamptz } from './_columns.ts';
import { providers } from './providers.ts';
import { users } from './users.ts';

/**
 * A provider that registered itself (api-v1 `registerProvider`) and the admin account it asked for.
 * The account stays inactive until an admin approves the provider; `activatedAt` records when that
 * happened, so a later deactivation is never undone by another approval.
 */
export const providerRegistrations = pgTable('provider_registrations', {
  providerId: text()
    .primaryKey()
    .references(() => providers.id),
  adminUserId: text()
    .notNull()
    .references(() => users.id),
  createdAt: createdAt(),
  activatedAt: timestamptz(),
});

/**
 * Registration attempts per client address (a SHA-256 of it, never the address itself) for the
 * hourly limit. In the database, so every replica counts the same attempts; rows older than the
 * window are deleted when the same address tries again.
 */
export const providerRegistrationAttempts = pgTable(
  'provider_registration_attempts',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    addressHash: text().notNull(),
    attemptedAt: timestamptz().notNull(),
  },
  (t) => [index('provider_registration_attempts_address_idx').on(t.addressHash, t.attemptedAt)],
);

export const MEAL_PRICE_PROPOSAL_STATUSES = ['pending', 'confirmed', 'rejected'] as const;

/**
 * A meal price a provider admin proposes; it counts only once an admin confirms it (then it is
 * appended to `provider_meal_prices`, within the city's cap as any other price).
 */
export const providerMealPriceProposals = pgTable(
  'provider_meal_price_proposals',
  {
    id: id(),
    providerId: text()
      .notNull()
      .references(() => providers.id),
    validFrom: civilDate().notNull(),
    priceCents: integer().notNull(),
    status: text({ enum: MEAL_PRICE_PROPOSAL_STATUSES }).notNull().default('pending'),
    proposedBy: text().notNull(),
    proposedAt: createdAt(),
    decidedBy: text(),
    decidedAt: timestamptz(),
  },
  (t) => [
    check('provider_meal_price_proposals_positive', sql`${t.priceCents} > 0`),
    check('provider_meal_price_proposals_status_check', sql`${t.status} in ('pending','confirmed','rejected')`),
    index('provider_meal_price_proposals_provider_idx').on(t.providerId, t.status),
  ],
);
