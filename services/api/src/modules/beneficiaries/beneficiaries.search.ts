import { beneficiaries } from '@tk/db';
import { and, asc, desc, ilike, or, type SQL, sql } from 'drizzle-orm';

export const SEARCH_SORTS = ['name', 'birthDate', 'caseReference', 'createdAt'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/**
 * What `q` of searchBeneficiaries matches: "Sonnenberg, Lina" (as the result list shows names) and
 * "Lina Sonnenberg" (every word is part of the given or the family name, in any order), the start
 * of the case reference, and a card number typed with or without spaces or dashes (any card of the
 * child, so a replaced card still finds it).
 */
export function searchCondition(q: string): SQL | undefined {
  const digits = q.replace(/[\s-]/g, '');
  // Qualified by hand: the count query renders columns without their table, and `id` would bind to the card.
  const byCard = /^\d{4,16}$/.test(digits)
    ? sql`exists (select 1 from cards c where c.beneficiary_id = "beneficiaries"."id" and c.card_number like ${`${digits}%`})`
    : undefined;
  const words = q
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(escapeLike);
  const byName = words.length
    ? and(
        ...words.map(
          (word) => or(ilike(beneficiaries.givenName, `%${word}%`), ilike(beneficiaries.familyName, `%${word}%`))!,
        ),
      )
    : undefined;
  const byReference = ilike(beneficiaries.caseReference, `${escapeLike(q.trim())}%`);
  return or(...[byName, byReference, byCard].filter((c): c is SQL => c !== undefined));
}

/** The ORDER BY of a result page; the id last keeps paging stable when values repeat. */
export function searchOrder(sort: SearchSort = 'name', direction: 'asc' | 'desc' = 'asc'): SQL[] {
  const dir = direction === 'desc' ? desc : asc;
  const columns = {
    name: [beneficiaries.familyName, beneficiaries.givenName],
    birthDate: [beneficiaries.birthDate, beneficiaries.familyName],
    caseReference: [beneficiaries.caseReference],
    createdAt: [beneficiaries.createdAt],
  }[sort];
  return [...columns.map((c) => dir(c)), dir(beneficiaries.id)];
}
