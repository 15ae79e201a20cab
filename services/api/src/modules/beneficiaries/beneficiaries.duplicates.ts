import { beneficiaries, type DbOrTx } from '@tk/db';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';

export interface BeneficiaryWarning {
  code: 'possible_duplicate';
  beneficiaryId: string;
}

/**
 * Other children with the same given name, family name (ignoring case and surrounding spaces) and
 * birth date: a warning, not a refusal (twins have different given names; namesakes exist).
 */
export async function possibleDuplicates(
  db: DbOrTx,
  child: { id: string; givenName: string; familyName: string; birthDate: string },
): Promise<BeneficiaryWarning[]> {
  const rows = await db
    .select({ id: beneficiaries.id })
    .from(beneficiaries)
    .where(
      and(
        ne(beneficiaries.id, child.id),
        eq(beneficiaries.birthDate, child.birthDate),
        sql`lower(${beneficiaries.familyName}) = lower(${child.familyName.trim()})`,
        sql`lower(${beneficiaries.givenName}) = lower(${child.givenName.trim()})`,
        isNull(beneficiaries.pseudonymisedAt),
      ),
    )
    .limit(5);
  return rows.map((r) => ({ code: 'possible_duplicate', beneficiaryId: r.id }));
}

/** The child that holds a case reference, for the link in a 409 `case_reference_taken`. */
export async function holderOfCaseReference(db: DbOrTx, caseReference: string): Promise<string | undefined> {
  const [row] = await db
    .select({ id: beneficiaries.id })
    .from(beneficiaries)
    .where(eq(beneficiaries.caseReference, caseReference));
  return row?.id;
}
