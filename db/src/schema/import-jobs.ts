import { integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, id, timestamptz } from './_columns.ts';

/** Bulk imports of children and approvals (CSV): progress and the per-line validation report. */
export const importJobs = pgTable('import_jobs', {
  id: id(),
  mode: text({ enum: ['dry_run', 'import'] }).notNull(),
  status: text({ enum: ['running', 'completed', 'failed'] })
    .notNull()
    .default('running'),
  fileName: text(),
  totalRows: integer().notNull().default(0),
  processedRows: integer().notNull().default(0),
  validRows: integer().notNull().default(0),
  invalidRows: integer().notNull().default(0),
  createdBeneficiaries: integer().notNull().default(0),
  createdApprovals: integer().notNull().default(0),
  issuedCards: integer().notNull().default(0),
  report: jsonb().$type<{ line: number; field: string; message: string }[]>(),
  createdAt: createdAt(),
  createdBy: text(),
  finishedAt: timestamptz(),
});
