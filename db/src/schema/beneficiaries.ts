import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { civilDate, createdAt, id, timestamptz } from './_columns.ts';

/**
 * Children (leistungsberechtigte Kinder). `caseReference` (Aktenzeichen) identifies the child in the
 * case-management export and is the import key. Personal data: never logged, never shown to providers
 * beyond the given name and the family initial.
 */
export const beneficiaries = pgTable(
  'beneficiaries',
  {
    id: id(),
    givenName: text().notNull(),
    familyName: text().notNull(),
    birthDate: civilDate().notNull(),
    caseReference: text().notNull(),
    createdAt: createdAt(),
    createdBy: text(),
    updatedAt: timestamptz(),
    pseudonymisedAt: timestamptz(),
  },
  (t) => [
    uniqueIndex('beneficiaries_case_reference_key').on(t.caseReference),
    index('beneficiaries_family_name_idx').on(sql`lower(${t.familyName})`),
  ],
);

/**
 * Append-only history of a child's master data: one row per correction (updateBeneficiary) with the
 * values before and after it. Personal data, so never copied into the audit log.
 */
export const beneficiaryRevisions = pgTable(
  'beneficiary_revisions',
  {
    id: id(),
    beneficiaryId: text()
      .notNull()
      .references(() => beneficiaries.id),
    before: jsonb().$type<Record<string, unknown>>().notNull(),
    after: jsonb().$type<Record<string, unknown>>().notNull(),
    changedAt: createdAt(),
    changedBy: text(),
  },
  (t) => [index('beneficiary_revisions_beneficiary_idx').on(t.beneficiaryId)],
);
