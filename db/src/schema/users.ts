import { ROLES } from '@tk/core';
import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, id, timestamptz } from './_columns.ts';
import { providers } from './providers.ts';

export { ROLES, type Role } from '@tk/core';

/** Staff accounts of the city and of providers. Provider roles are bound to exactly one provider. */
export const users = pgTable(
  'users',
  {
    id: id(),
    username: text().notNull(),
    passwordHash: text().notNull(),
    role: text({ enum: ROLES }).notNull(),
    providerId: text().references(() => providers.id),
    active: boolean().notNull().default(true),
    /** Raised on password change, deactivation and role change: tokens carrying an older value are refused. */
    tokenVersion: integer().notNull().default(0),
    createdAt: createdAt(),
    createdBy: text(),
    updatedAt: timestamptz(),
  },
  (t) => [
    uniqueIndex('users_username_key').on(sql`lower(${t.username})`),
    index('users_provider_idx').on(t.providerId),
    check('users_role_check', sql`${t.role} in ('admin','caseworker','accounting','provider_admin','provider_staff')`),
    check(
      'users_provider_role_check',
      sql`(${t.role} in ('provider_admin','provider_staff')) = (${t.providerId} is not null)`,
    ),
  ],
);

/**
 * Tokens ended by logout, by `jti`, until they would have expired anyway (then retention deletes them).
 * Password change, deactivation and role change end all tokens at once through `users.token_version`.
 */
export const revokedTokens = pgTable(
  'revoked_tokens',
  {
    jti: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id),
    expiresAt: timestamptz().notNull(),
    revokedAt: createdAt(),
  },
  (t) => [index('revoked_tokens_expires_idx').on(t.expiresAt)],
);
