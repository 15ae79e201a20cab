import { sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../client.ts';

export interface ImportedChildRow {
  beneficiaryId: string;
  givenName: string;
  familyName: string;
  caseReference: string;
  pseudonymised: boolean;
  cardId: string | null;
  cardNumber: string | null;
}

/**
 * The children an import created (its `beneficiary.imported` audit entries), each with its active
 * card if it has one, by family and given name.
 */
export async function importedChildren(
  db: DbOrTx,
  params: { importJobId: string; limit: number },
): Promise<ImportedChildRow[]> {
  return queryRows<ImportedChildRow>(
    db,
    sql`select b.id as "beneficiaryId", b.given_name as "givenName", b.family_name as "familyName",
               b.case_reference as "caseReference", b.pseudonymised_at is not null as "pseudonymised",
               c.id as "cardId", c.card_number as "cardNumber"
        from audit_log a
        join beneficiaries b on b.id = a.entity_id
        left join cards c on c.beneficiary_id = b.id and c.status = 'active'
        where a.action = 'beneficiary.imported' and a.entity_type = 'beneficiary'
          and a.data ->> 'importJobId' = ${params.importJobId}
        order by lower(b.family_name), lower(b.given_name), b.id
        limit ${params.limit}`,
  );
}
