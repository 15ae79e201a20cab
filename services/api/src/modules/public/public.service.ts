import type { BenefitType, Clock } from '@tk/core';
import { type DbOrTx, providers } from '@tk/db';
import { and, asc, eq } from 'drizzle-orm';
import type { ListPublicProvidersQuery, PublicProvider } from './public.schemas.ts';

/** How long one replica serves the directory from memory; a change shows within this time. */
export const DIRECTORY_TTL_MS = 60_000;

/** The directory as stored: approved providers that have not opted out, without any bank data. */
async function loadDirectory(db: DbOrTx): Promise<PublicProvider[]> {
  const rows = await db
    .select({
      id: providers.id,
      name: providers.name,
      category: providers.category,
      benefitTypes: providers.benefitTypes,
      street: providers.street,
      postalCode: providers.postalCode,
      town: providers.town,
      email: providers.email,
    })
    .from(providers)
    .where(and(eq(providers.status, 'approved'), eq(providers.publicListing, true)))
    .orderBy(asc(providers.town), asc(providers.name));
  const items = rows.map((r) => ({
    id: r.id,
    name: r.name,
    category: r.category,
    benefitTypes: r.benefitTypes as BenefitType[],
    address: {
      ...(r.street ? { street: r.street } : {}),
      ...(r.postalCode ? { postalCode: r.postalCode } : {}),
      town: r.town,
    },
    ...(r.email ? { contact: { email: r.email } } : {}),
  }));
  return items;
}

const fold = (text: string) =>
  text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('de-DE').replace(/ß/g, 'ss');

/**
 * The public directory of providers that accept the card (listPublicProviders): approved and listed
 * only, never pending, suspended or opted-out ones, never bank data. It is the one public list, so
 * each app instance keeps it in memory for `DIRECTORY_TTL_MS` and filters there: by benefit type,
 * town (exact, case- and accent-insensitive) and the words of `q` (all must occur in name or address).
 */
export function createPublicDirectory(db: DbOrTx, clock: Clock) {
  let cached: { at: number; items: Promise<PublicProvider[]> } | undefined;
  const directory = () => {
    const now = clock.now().getTime();
    if (!cached || now - cached.at >= DIRECTORY_TTL_MS) {
      const items = loadDirectory(db);
      cached = { at: now, items };
      items.catch(() => {
        cached = undefined;
      });
    }
    return cached.items;
  };
  return {
    async list(query: ListPublicProvidersQuery): Promise<PublicProvider[]> {
      const words = query.q ? fold(query.q).split(/\s+/).filter(Boolean) : [];
      const town = query.town ? fold(query.town) : undefined;
      return (await directory()).filter((p) => {
        if (query.benefitType && !p.benefitTypes.includes(query.benefitType)) return false;
        if (town && fold(p.address.town) !== town) return false;
        const haystack = fold([p.name, p.address.street, p.address.postalCode, p.address.town].join(' '));
        return words.every((w) => haystack.includes(w));
      });
    },
  };
}
