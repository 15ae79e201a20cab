import { boolean, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { civilDate, createdAt, id } from './_columns.ts';

/**
 * Runs of the retention job (runRetention, the nightly step): how many children were pseudonymised
 * and how many expired rows of each kind were deleted (a dry run counts and changes nothing). Counts
 * only, never a child's id or name.
 */
export const retentionRuns = pgTable('retention_runs', {
  id: id(),
  asOf: civilDate().notNull(),
  dryRun: boolean().notNull(),
  pseudonymisedCount: integer().notNull(),
  deleted: jsonb().$type<Record<string, number>>().notNull(),
  triggeredBy: text().notNull(),
  createdAt: createdAt(),
  createdBy: text(),
});
