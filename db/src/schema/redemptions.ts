import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { civilDate, createdAt, id, timestamptz } from './_columns.ts';
import { approvals } from './approvals.ts';
import { beneficiaries } from './beneficiaries.ts';
import { cards } from './cards.ts';
import { providers } from './providers.ts';

/**
 * Redemptions (Buchungen): binding payment promises. Rows are never deleted; a reversal flips
 * `status` and appends a `redemption_reversals` row. A redemption is settled when its settlement line
 * exists (unique on `settlement_lines.redemption_id`, ADR 0031); the row itself is never touched by the run.
 * Lunch: one meal per child, service date and meal slot (unique index over booked rows).
 */
export const redemptions = pgTable(
  'redemptions',
  {
    id: id(),
    providerId: text()
      .notNull()
      .references(() => providers.id),
    approvalId: text()
      .notNull()
      .references(() => approvals.id),
    beneficiaryId: text()
      .notNull()
      .references(() => beneficiaries.id),
    cardId: text()
      .notNull()
      .references(() => cards.id),
    benefitType: text().notNull(),
    serviceDate: civilDate().notNull(),
    amountCents: integer().notNull(),
    meals: integer(),
    minutes: integer(),
    mealSlot: smallint(),
    status: text({ enum: ['booked', 'reversed'] })
      .notNull()
      .default('booked'),
    bookedAt: createdAt(),
    bookedBy: text().notNull(),
    idempotencyKey: text(),
    reversedAt: timestamptz(),
    /**
     * The id (xid8) of the transaction that wrote the row, set by PostgreSQL. The settlement run looks
     * only at rows from transactions at or after the last run's `unsettled_from_txid` (ADR 0031).
     */
    txid: bigint({ mode: 'number' }).notNull().default(sql`(pg_current_xact_id()::text::bigint)`),
    /** What the booking was for, as the provider typed it (≤ 140 characters), e.g. "Mitgliedsbeitrag Dezember". */
    purpose: text(),
  },
  (t) => [
    check('redemptions_amount_positive', sql`${t.amountCents} > 0`),
    check('redemptions_purpose_length', sql`char_length(${t.purpose}) <= 140`),
    uniqueIndex('redemptions_one_lunch_per_slot')
      .on(t.beneficiaryId, t.serviceDate, t.mealSlot)
      .where(sql`${t.benefitType} = 'lunch' and ${t.status} = 'booked'`),
    index('redemptions_provider_service_date_idx').on(t.providerId, t.serviceDate),
    index('redemptions_approval_idx').on(t.approvalId),
    // The settlement run's window: rows written since the last run's `unsettled_from_txid` (ADR 0031).
    index('redemptions_txid_idx').on(t.txid),
    // The reports' ranges of service dates (take-up, provider spend; ADR 0036): rows are appended in booking
    // order and a service date lies close to its booking, so a block-range index of a few pages narrows a
    // month to its blocks; new blocks stay unsummarized until vacuum, so a booking adds next to no index work.
    index('redemptions_service_date_brin').using('brin', t.serviceDate),
  ],
);

/**
 * Reversals (Storno). `kind = 'void'`: reversed before settlement, the redemption is never paid.
 * `kind = 'correction'`: reversed after settlement, a negative line in the provider's next batch.
 */
export const redemptionReversals = pgTable(
  'redemption_reversals',
  {
    id: id(),
    redemptionId: text()
      .notNull()
      .references(() => redemptions.id),
    providerId: text()
      .notNull()
      .references(() => providers.id),
    amountCents: integer().notNull(),
    kind: text({ enum: ['void', 'correction'] }).notNull(),
    reason: text(),
    reversedAt: createdAt(),
    reversedBy: text().notNull(),
    batchId: text(),
  },
  (t) => [
    uniqueIndex('redemption_reversals_redemption_key').on(t.redemptionId),
    check('redemption_reversals_amount_positive', sql`${t.amountCents} > 0`),
    index('redemption_reversals_unsettled_idx')
      .on(t.providerId, t.reversedAt)
      .where(sql`${t.kind} = 'correction' and ${t.batchId} is null`),
  ],
);

/** Declined terminal attempts, kept for audit; they are not bookings and move no money. */
export const redemptionDeclines = pgTable(
  'redemption_declines',
  {
    id: id(),
    at: createdAt(),
    userId: text().notNull(),
    providerId: text().notNull(),
    cardId: text(),
    approvalId: text(),
    code: text().notNull(),
    requestId: text(),
  },
  (t) => [index('redemption_declines_provider_at_idx').on(t.providerId, t.at)],
);
