import type { components } from '../../api-types';

export type Provider = components['schemas']['Provider'];
export type ProviderWarning = components['schemas']['ProviderWarning'];

export type User = components['schemas']['User'];
export type CitySettings = components['schemas']['CitySettings'];
export type ProviderStatus = Provider['status'];
export type ProviderCategory = Provider['category'];
export type Role = User['role'];

export const BASE = '/verwaltung';
export const providerPath = (id: string) => `${BASE}/anbieter/${encodeURIComponent(id)}`;

/** How a provider state looks (the `status-…` chip); the German names are in @tk/core. */
export const PROVIDER_STATUS_TONE: Record<ProviderStatus, 'ok' | 'warn' | 'error' | 'neutral'> = {
  approved: 'ok',
  pending: 'warn',
  needs_reapproval: 'warn',
  suspended: 'error',
};

export const isProviderRole = (role: Role) => role === 'provider_admin' || role === 'provider_staff';

/** `DE89370400440532013000` → `DE89 3704 0044 0532 0130 00` (display only; the server validates). */
export function formatIban(iban: string): string {
  return iban.replace(/\s/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}
