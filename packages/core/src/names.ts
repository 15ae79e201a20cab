/** `Mia S.`: what a provider may see of the child (privacy first): given name and family initial. */
export function displayNameOf(givenName: string, familyName: string): string {
  const initial = Array.from(familyName.trim())[0]?.toLocaleUpperCase('de-DE') ?? '';
  return initial ? `${givenName.trim()} ${initial}.` : givenName.trim();
}
