import { integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt } from './_columns.ts';

/**
 * Idempotency keys of writes (`Idempotency-Key` header). Scoped (per provider for the terminal),
 * stored with a hash of the request; a replay returns `status` + `response`, another request under
 * the same key is refused.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scope: text().notNull(),
    key: text().notNull(),
    requestHash: text().notNull(),
    status: integer().notNull(),
    response: jsonb().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);
