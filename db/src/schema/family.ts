import { bigserial, index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './_columns.ts';
import { cards } from './cards.ts';

/**
 * The family access code of a card (Zugangscode für Familien): shown once when issued, kept only as
 * an scrypt hash. One row per card; a reset overwrites it, so the previous code stops working at once.
 * A replaced card loses its row.
 */
export const familyAccessCodes = pgTable('family_access_codes', {
  cardId: text()
    .primaryKey()
    .references(() => cards.id),
  codeHash: text().notNull(),
  issuedAt: createdAt(),
  issuedBy: text(),
});

/**
 * Failed family logins, one row per failure, counted per scope within the last hour (throttle of
 * getFamilyBalance). `key` is a SHA-256 of the card number or the client address, never the raw value.
 * Kept in PostgreSQL so every replica sees the same counts; rows older than the window are deleted.
 */
export const familyAccessFailures = pgTable(
  'family_access_failures',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    scope: text({ enum: ['card', 'address'] }).notNull(),
    key: text().notNull(),
    at: createdAt(),
  },
  (t) => [index('family_access_failures_key_idx').on(t.scope, t.key, t.at)],
);
