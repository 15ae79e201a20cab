/** The five roles (api-v1.md). Provider roles act for exactly one provider; the others are the city's. */
export const ROLES = ['admin', 'caseworker', 'accounting', 'provider_admin', 'provider_staff'] as const;
export type Role = (typeof ROLES)[number];

/** The roles of a provider's own users (terminal, statements, own staff). */
export const PROVIDER_ROLES = ['provider_admin', 'provider_staff'] as const satisfies readonly Role[];

export function isProviderRole(role: string): boolean {
  return (PROVIDER_ROLES as readonly string[]).includes(role);
}
