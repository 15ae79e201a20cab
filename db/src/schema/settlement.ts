import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, text, unique, uniqueIndex } from 'drizzle-orm/pg-core';
import { civilDate, createdAt, id, timestamptz } from './_columns.ts';
import { providers } from './providers.ts';

/** One run of the nightly settlement (or a manual one) for a cutoff date. */
export const settlementRuns = pgTable(
  'settlement_runs',
  {
    id: id(),
    cutoffDate: civilDate().notNull(),
    status: text({ enum: ['running', 'completed'] })
      .notNull()
      .default('running'),
    startedAt: createdAt(),
    finishedAt: timestamptz(),
    triggeredBy: text().notNull(),
    batchCount: integer().notNull().default(0),
    totalCents: bigint({ mode: 'number' }).notNull().default(0),
    /**
     * After this run every booked redemption without a settlement line has `txid` ≥ this value (ADR 0031):
     * the next run looks only there. Null for runs before release 2 (the next run then looks at all rows).
     */
    unsettledFromTxid: bigint({ mode: 'number' }),
  },
  (t) => [index('settlement_runs_cutoff_idx').on(t.cutoffDate)],
);

export const BATCH_STATUSES = [
  'open',
  'certified',
  'released',
  'exported',
  'paid',
  'returned',
  'carried_forward',
] as const;

/**
 * Settlement batches (Abrechnung / Gutschrift), one per provider and run. Totals equal the sum of
 * their lines; a batch is never edited after it is built, only moved along its status.
 */
export const settlementBatches = pgTable(
  'settlement_batches',
  {
    id: id(),
    number: text().notNull(),
    runId: text()
      .notNull()
      .references(() => settlementRuns.id),
    providerId: text()
      .notNull()
      .references(() => providers.id),
    cutoffDate: civilDate().notNull(),
    periodFrom: civilDate(),
    periodTo: civilDate(),
    totalCents: bigint({ mode: 'number' }).notNull(),
    lineCount: integer().notNull(),
    status: text({ enum: BATCH_STATUSES }).notNull().default('open'),
    createdAt: createdAt(),
    certifiedBy: text(),
    certifiedAt: timestamptz(),
    releasedBy: text(),
    releasedAt: timestamptz(),
    paymentFileId: text(),
    paidAt: timestamptz(),
    paidBy: text(),
    /** The bank's value date of the debit (from a camt statement); null when marked paid by hand. */
    paidOn: civilDate(),
    /** ISO 20022 return reason code (e.g. AC04) when the bank returned the transfer. */
    returnReason: text(),
    returnedAt: timestamptz(),
  },
  (t) => [
    uniqueIndex('settlement_batches_number_key').on(t.number),
    index('settlement_batches_provider_idx').on(t.providerId, t.createdAt),
    index('settlement_batches_status_idx').on(t.status),
  ],
);

/**
 * Lines of a batch. A redemption, reversal or carried-forward batch appears in at most one line
 * (unique indexes): "every settled redemption is in exactly one batch" is enforced by the database.
 * A line is identified by its one source (the check below and the three partial unique indexes); it
 * has no surrogate key (ADR 0035): nothing refers to a line, and the key's sequence and third index
 * entry per line cost about 15 % of a line's insert.
 */
export const settlementLines = pgTable(
  'settlement_lines',
  {
    /**
     * The batch (no foreign key, ADR 0031: its per-row check was a quarter of the nightly run; lines are
     * only written by the run's INSERT … SELECT joined to the run's batches, and `pnpm verify` checks it).
     */
    batchId: text().notNull(),
    kind: text({ enum: ['redemption', 'correction', 'carry_forward'] }).notNull(),
    redemptionId: text(),
    reversalId: text(),
    carriedFromBatchId: text(),
    cardRef: text(),
    serviceDate: civilDate(),
    bookedAt: timestamptz(),
    benefitType: text(),
    legalBasis: text(),
    costBearer: text(),
    amountCents: integer().notNull(),
  },
  (t) => [
    index('settlement_lines_batch_idx').on(t.batchId),
    // Partial: each line fills one of the three sources, so the other two indexes skip it (the nightly
    // run writes a million lines without a million NULL entries in each).
    uniqueIndex('settlement_lines_redemption_key').on(t.redemptionId).where(sql`${t.redemptionId} is not null`),
    uniqueIndex('settlement_lines_reversal_key').on(t.reversalId).where(sql`${t.reversalId} is not null`),
    uniqueIndex('settlement_lines_carried_key')
      .on(t.carriedFromBatchId)
      .where(sql`${t.carriedFromBatchId} is not null`),
    check(
      'settlement_lines_one_source',
      sql`num_nonnulls(${t.redemptionId}, ${t.reversalId}, ${t.carriedFromBatchId}) = 1`,
    ),
  ],
);

/**
 * A batch's sums per legal basis, cost bearer and benefit type (ADR 0037), written by the nightly run in the
 * statement that writes the lines, one row per group and kind of line. Carry-forward lines have none: a
 * batch's carried amounts are the sums of the batches it carries. They let the reimbursement report read a
 * year of paid batches without reading their lines; `pnpm verify` (`batch_sums`) checks them against the lines.
 */
export const settlementBatchSums = pgTable(
  'settlement_batch_sums',
  {
    batchId: text().notNull(),
    kind: text({ enum: ['redemption', 'correction'] }).notNull(),
    // Nullable as on the lines, so that the sums are exactly the lines grouped.
    legalBasis: text(),
    costBearer: text(),
    benefitType: text(),
    lineCount: integer().notNull(),
    amountCents: bigint({ mode: 'number' }).notNull(),
  },
  (t) => [
    // The nightly run writes each group once (its two statements write different kinds); a second row is refused.
    unique('settlement_batch_sums_group_key')
      .on(t.batchId, t.kind, t.legalBasis, t.costBearer, t.benefitType)
      .nullsNotDistinct(),
  ],
);

/** SEPA payment files (pain.001.001.09). A batch is in at most one (`settlement_batches.payment_file_id`). */
export const paymentFiles = pgTable('payment_files', {
  id: id(),
  messageId: text().notNull().unique(),
  executionDate: civilDate().notNull(),
  batchCount: integer().notNull(),
  totalCents: bigint({ mode: 'number' }).notNull(),
  xml: text().notNull(),
  createdAt: createdAt(),
  createdBy: text().notNull(),
});

/** Gapless counters, e.g. batch numbers per year (`ABR-2026-000123`), taken inside the writing transaction. */
export const counters = pgTable('counters', {
  name: text().primaryKey(),
  value: bigint({ mode: 'number' }).notNull(),
});
