import { bigserial, index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './_columns.ts';
import { beneficiaries } from './beneficiaries.ts';

/**
 * Read audit (issue 10, item 11): every read of a child's personal data by someone in the city (search
 * hits, the child page, an approval, a card, a card print or letter, the Art. 15 export) and every
 * balance the family looked up. One row per child and request, written set-based (one INSERT per
 * request) by the privacy module, its only writer. Shown as the child's access log (`accessLog` of
 * exportBeneficiaryData). `actorId` null: the family itself (getFamilyBalance). No personal data here
 * beyond the child's id; separate from the hash-chained audit log, which records changes.
 */
export const personalDataReads = pgTable(
  'personal_data_reads',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    at: createdAt(),
    actorId: text(),
    beneficiaryId: text()
      .notNull()
      .references(() => beneficiaries.id),
    action: text({
      enum: ['search', 'view', 'approval', 'card', 'card_print', 'letter', 'export', 'family_balance', 'list'],
    }).notNull(),
    requestId: text(),
  },
  (t) => [index('personal_data_reads_beneficiary_idx').on(t.beneficiaryId, t.at)],
);
