import type { PROVIDER_CATEGORIES } from '@tk/db';

export type ProviderCategory = (typeof PROVIDER_CATEGORIES)[number];

/** Which benefit types a provider category may redeem (domain.md, "Providers"). */
export const CATEGORY_BENEFIT_TYPES: Record<ProviderCategory, readonly string[]> = {
  caterer: ['lunch'],
  kita: ['lunch'],
  school: ['lunch', 'trip'],
  club: ['participation'],
  music_school: ['participation'],
  culture: ['participation'],
  tutor: ['tutoring'],
  travel_operator: ['trip'],
};

/** Categories in the order used to guess one when a client sends none (api-v1 has no `category`). */
const GUESS_ORDER: ProviderCategory[] = ['caterer', 'club', 'tutor', 'travel_operator', 'school'];

export function allowedFor(category: ProviderCategory, benefitTypes: readonly string[]): boolean {
  const allowed = CATEGORY_BENEFIT_TYPES[category];
  return benefitTypes.length > 0 && benefitTypes.every((t) => allowed.includes(t));
}

/** The first category that allows all of these types, or `null`. */
export function guessCategory(benefitTypes: readonly string[]): ProviderCategory | null {
  return GUESS_ORDER.find((c) => allowedFor(c, benefitTypes)) ?? null;
}
