import { addDays, addMonths, berlinDate, type Clock, formatGermanDate, LEGAL_BASES } from '@tk/core';
import { costBearers, type DbOrTx, providers, readTogether } from '@tk/db';
import { importedChildren } from '@tk/db/queries/imports';
import { and, arrayContains, asc, eq } from 'drizzle-orm';
import { toCsv } from '../../lib/csv.ts';
import { getSettings } from '../catalogue/catalogue.service.ts';
import { COLUMNS, IMPORT_BENEFIT_VALUES, IMPORT_LEGAL_BASIS_VALUES } from './imports.csv.ts';
import type { ImportedChild } from './imports.schemas.ts';
import { getImport } from './imports.service.ts';

/** What an import created (children with their cards), and the template with example rows. */

/**
 * The children an import created, each with its active card (if one was issued). Throws 404
 * `import_not_found`.
 */
export async function childrenOfImport(db: DbOrTx, importJobId: string): Promise<ImportedChild[]> {
  await getImport(db, importJobId);
  const rows = await importedChildren(db, { importJobId, limit: 5000 });
  return rows.map((r) => ({
    beneficiaryId: r.beneficiaryId,
    // A child pseudonymised since (retention) shows no names.
    displayName: r.pseudonymised ? null : `${r.familyName}, ${r.givenName}`,
    caseReference: r.pseudonymised ? null : r.caseReference,
    cardId: r.cardId,
    cardNumber: r.cardNumber,
  }));
}

/**
 * The import template (CSV, as the import reads it): the header and one example row per benefit
 * type, which together use every legal basis and every cost bearer of the city, so the file shows
 * the allowed values. The examples are valid from the first of this month for a year, so a dry run
 * of the unchanged template reports no error (tutoring names a provider; without one that offers
 * tutoring that row is left out). With districts set, the examples use them in turn.
 */
export async function importTemplateCsv(db: DbOrTx, clock: Clock): Promise<string> {
  const today = berlinDate(clock.now());
  const from = `${today.slice(0, 7)}-01`;
  const to = addDays(addMonths(from, 12), -1);
  const [bearers, [tutor], { districts }] = await readTogether(db, [
    () => db.select({ code: costBearers.code }).from(costBearers).orderBy(asc(costBearers.code)),
    () =>
      db
        .select({ name: providers.name, id: providers.id })
        .from(providers)
        .where(and(eq(providers.status, 'approved'), arrayContains(providers.benefitTypes, ['tutoring'])))
        .orderBy(asc(providers.name))
        .limit(1),
    () => getSettings(db),
  ]);
  const examples: { type: keyof typeof IMPORT_BENEFIT_VALUES; amount?: string; hours?: string; rate?: string }[] = [
    { type: 'lunch' },
    { type: 'participation' },
    ...(tutor ? [{ type: 'tutoring' as const, hours: '20', rate: '15,00' }] : []),
    { type: 'trip', amount: '120,00' },
    { type: 'school_supplies', amount: '195,00' },
    { type: 'transport', amount: '38,50' },
  ];
  const header = Object.values(COLUMNS);
  const records = examples.map((e, i) => {
    const legalBasis = LEGAL_BASES[i % LEGAL_BASES.length]!;
    const row: Record<keyof typeof COLUMNS, string> = {
      caseReference: `BEISPIEL-${String(i + 1).padStart(3, '0')}`,
      givenName: 'Beispiel',
      familyName: `Kind ${i + 1}`,
      birthDate: formatGermanDate(`${2012 + i}-0${(i % 9) + 1}-15`),
      benefitType: IMPORT_BENEFIT_VALUES[e.type],
      legalBasis: IMPORT_LEGAL_BASIS_VALUES[legalBasis],
      costBearer: bearers.length > 0 ? bearers[i % bearers.length]!.code : '',
      validFrom: formatGermanDate(from),
      validTo: formatGermanDate(to),
      amount: e.amount ?? '',
      hours: e.hours ?? '',
      hourlyRate: e.rate ?? '',
      provider: e.type === 'tutoring' && tutor ? tutor.id : '',
      subject: e.type === 'tutoring' ? 'Mathematik' : '',
      reference: `B-${today.slice(0, 4)}-${String(i + 1).padStart(4, '0')}`,
      district: districts.length > 0 ? districts[i % districts.length]! : '',
    };
    return (Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]).map((k) => row[k]);
  });
  return toCsv(header, records);
}
