import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, date, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, id, timestamptz } from './_columns.ts';
import { approvals } from './approvals.ts';
import { redemptionReversals } from './redemptions.ts';

/**
 * Lapse runs (runLapse, and the nightly job after the settlement run): every approval whose last
 * booking day lies before `asOf` and that still has budget gets one lapse entry. A run works in
 * chunks, each committed on its own; a crashed run stays without `finishedAt` and the next run
 * completes what it left (ADR 0030).
 */
export const lapseRuns = pgTable('lapse_runs', {
  id: id(),
  asOf: date({ mode: 'string' }).notNull(),
  startedAt: createdAt(),
  finishedAt: timestamptz(),
  triggeredBy: text().notNull(),
  approvalCount: integer().notNull().default(0),
  lapsedCents: bigint({ mode: 'number' }).notNull().default(0),
});

/**
 * Lapse entries (Verfall): ledger entries written only by the bookings module. `remainder`: the
 * approval's remaining budget when its last booking day had passed, at most one per approval (unique
 * index: a rerun or a concurrent run lapses nothing twice). `reversal`: a redemption of an already
 * lapsed approval was reversed; its amount lapses too (one per reversal), so the balance stays 0.
 * budget = remaining + booked − reversed + lapsed.
 */
export const approvalLapses = pgTable(
  'approval_lapses',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    approvalId: text()
      .notNull()
      .references(() => approvals.id),
    kind: text({ enum: ['remainder', 'reversal'] }).notNull(),
    runId: text().references(() => lapseRuns.id),
    reversalId: text().references(() => redemptionReversals.id),
    amountCents: integer().notNull(),
    lapsedAt: createdAt(),
    lapsedBy: text(),
  },
  (t) => [
    uniqueIndex('approval_lapses_one_remainder').on(t.approvalId).where(sql`${t.kind} = 'remainder'`),
    uniqueIndex('approval_lapses_reversal_key').on(t.reversalId),
    index('approval_lapses_approval_idx').on(t.approvalId),
    index('approval_lapses_at_idx').on(t.lapsedAt),
    check('approval_lapses_amount_positive', sql`${t.amountCents} > 0`),
    check(
      'approval_lapses_kind_check',
      sql`(${t.kind} = 'remainder' and ${t.runId} is not null and ${t.reversalId} is null)
        or (${t.kind} = 'reversal' and ${t.reversalId} is not null)`,
    ),
  ],
);
