import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
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
    /** Null once pseudonymised (retention run), like the other three personal fields. */
    givenName: text(),
    familyName: text(),
    birthDate: civilDate(),
    caseReference: text(),
    /** Stadtbezirk / Sozialraum from the city's list (`city_settings.districts`); optional. */
    district: text(),
    createdAt: createdAt(),
    createdBy: text(),
    updatedAt: timestamptz(),
    /** Set by the retention run: names, birth date and case reference removed, cards deactivated. */
    pseudonymisedAt: timestamptz(),
  },
  (t) => [
    uniqueIndex('beneficiaries_case_reference_key').on(t.caseReference),
    index('beneficiaries_family_name_idx').on(sql`lower(${t.familyName})`),
    check(
      'beneficiaries_personal_data_present',
      sql`${t.pseudonymisedAt} is not null or (${t.givenName} is not null and ${t.familyName} is not null and ${t.birthDate} is not null and ${t.caseReference} is not null)`,
    ),
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
