import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
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
