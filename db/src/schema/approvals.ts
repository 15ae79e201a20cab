import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { civilDate, createdAt, id, timestamptz } from './_columns.ts';
import { beneficiaries } from './beneficiaries.ts';
import { benefitTypes, costBearers, legalBases } from './catalogue.ts';
import { providers } from './providers.ts';

/**
 * Approvals (Bewilligungen). `budgetCents` is what was granted (null for lunch: yes/no);
 * `remainingCents` is the cached balance, changed only in the same transaction as the redemption or
 * reversal or lapse that moves it and guarded by a CHECK (>= 0): budget = remaining + booked − reversed + lapsed.
 */
export const approvals = pgTable(
  'approvals',
  {
    id: id(),
    beneficiaryId: text()
      .notNull()
      .references(() => beneficiaries.id),
    benefitType: text()
      .notNull()
      .references(() => benefitTypes.code),
    legalBasis: text()
      .notNull()
      .references(() => legalBases.code),
    costBearer: text().references(() => costBearers.code),
    reference: text(),
    validFrom: civilDate().notNull(),
    validTo: civilDate().notNull(),
    providerId: text().references(() => providers.id),
    budgetCents: integer(),
    remainingCents: integer(),
    hours: integer(),
    hourlyRateCents: integer(),
    subject: text(),
    /** Revocation (Aufhebung): services on or after this date are refused. */
    revokedFrom: civilDate(),
    revocationReason: text(),
    revokedAt: timestamptz(),
    revokedBy: text(),
    /** `caseReference|benefitType|validFrom|validTo` for approvals from the bulk import (idempotent re-import). */
    importKey: text(),
    createdAt: createdAt(),
    createdBy: text(),
  },
  (t) => [
    index('approvals_beneficiary_idx').on(t.beneficiaryId),
    uniqueIndex('approvals_import_key').on(t.importKey),
    check('approvals_period_check', sql`${t.validFrom} <= ${t.validTo}`),
    check('approvals_remaining_nonnegative', sql`${t.remainingCents} >= 0`),
    check('approvals_remaining_within_budget', sql`${t.remainingCents} <= ${t.budgetCents}`),
    check('approvals_budget_nonnegative', sql`${t.budgetCents} >= 0`),
  ],
);

/** Append-only history of approvals: every creation, amendment and revocation as a snapshot. */
export const approvalRevisions = pgTable(
  'approval_revisions',
  {
    id: id(),
    approvalId: text()
      .notNull()
      .references(() => approvals.id),
    kind: text({ enum: ['created', 'amended', 'revoked'] }).notNull(),
    snapshot: jsonb().$type<Record<string, unknown>>().notNull(),
    reason: text(),
    changedAt: createdAt(),
    changedBy: text(),
  },
  (t) => [index('approval_revisions_approval_idx').on(t.approvalId)],
);
