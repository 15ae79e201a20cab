import { bigint, bigserial, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { civilDate, createdAt, id } from './_columns.ts';
import { paymentFiles, settlementBatches } from './settlement.ts';

/**
 * Imported bank statements (camt.054 debit notifications, camt.053 statements). `fingerprint` is a
 * hash of the message id and the entry references: the same document again finds this row and
 * replays `result` instead of applying anything twice.
 */
export const bankStatements = pgTable(
  'bank_statements',
  {
    id: id(),
    messageId: text().notNull(),
    format: text().notNull(),
    fingerprint: text().notNull(),
    entryCount: integer().notNull(),
    result: jsonb().$type<Record<string, unknown>>().notNull(),
    importedAt: createdAt(),
    importedBy: text().notNull(),
  },
  (t) => [uniqueIndex('bank_statements_fingerprint_key').on(t.fingerprint)],
);

/** One transaction of an imported statement and what reconciliation made of it. */
export const bankStatementEntries = pgTable(
  'bank_statement_entries',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    statementId: text()
      .notNull()
      .references(() => bankStatements.id),
    entryRef: text().notNull(),
    endToEndId: text(),
    amountCents: bigint({ mode: 'number' }).notNull(),
    valueDate: civilDate(),
    outcome: text({ enum: ['paid', 'returned', 'unmatched', 'amount_mismatch', 'already_applied'] }).notNull(),
    reasonCode: text(),
    batchId: text().references(() => settlementBatches.id),
    paymentFileId: text().references(() => paymentFiles.id),
  },
  (t) => [
    index('bank_statement_entries_statement_idx').on(t.statementId),
    index('bank_statement_entries_batch_idx').on(t.batchId),
  ],
);
