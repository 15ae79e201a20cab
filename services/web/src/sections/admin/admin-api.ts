import type { components } from '../../api-types';

export type Provider = components['schemas']['Provider'];
export type User = components['schemas']['User'];
export type Catalogue = components['schemas']['Catalogue'];
export type CitySettings = components['schemas']['CitySettings'];
export type ProviderStatus = Provider['status'];
export type ProviderCategory = Provider['category'];
export type Role = User['role'];

export const BASE = '/verwaltung';
export const providerPath = (id: string) => `${BASE}/anbieter/${encodeURIComponent(id)}`;

export const REDEEMABLE_TYPES = ['lunch', 'participation', 'tutoring', 'trip'] as const;
export type RedeemableType = (typeof REDEEMABLE_TYPES)[number];

export const TYPE_LABELS: Record<string, string> = {
  lunch: 'Mittagessen',
  participation: 'Teilhabe',
  tutoring: 'Lernförderung',
  trip: 'Ausflüge / Klassenfahrten',
  school_supplies: 'Schulbedarf',
  transport: 'Schülerbeförderung',
};

export const CATEGORY_LABELS: Record<ProviderCategory, string> = {
  caterer: 'Caterer',
  kita: 'Kita',
  school: 'Schule',
  club: 'Verein',
  music_school: 'Musikschule',
  culture: 'Kultur',
  tutor: 'Nachhilfe / Lernförderung',
  travel_operator: 'Reiseveranstalter',
};

export const PROVIDER_STATUS: Record<ProviderStatus, { label: string; tone: 'ok' | 'warn' | 'error' | 'neutral' }> = {
  approved: { label: 'zugelassen', tone: 'ok' },
  pending: { label: 'wartet auf Freigabe', tone: 'warn' },
  needs_reapproval: { label: 'Bankdaten geändert – Freigabe nötig', tone: 'warn' },
  suspended: { label: 'gesperrt', tone: 'error' },
};

export const ROLE_OPTIONS: { value: Role; label: string }[] = [
  { value: 'caseworker', label: 'Sachbearbeitung' },
  { value: 'accounting', label: 'Buchhaltung' },
  { value: 'admin', label: 'Administration' },
  { value: 'provider_admin', label: 'Anbieter (Verwaltung)' },
  { value: 'provider_staff', label: 'Anbieter (Personal)' },
];
export const ROLE_LABEL = Object.fromEntries(ROLE_OPTIONS.map((r) => [r.value, r.label])) as Record<Role, string>;
export const isProviderRole = (role: Role) => role === 'provider_admin' || role === 'provider_staff';

/** `DE89370400440532013000` → `DE89 3704 0044 0532 0130 00` (display only; the server validates). */
export function formatIban(iban: string): string {
  return iban.replace(/\s/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

const dateTime = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  dateStyle: 'medium',
  timeStyle: 'short',
});
export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));

/** Cents as the text of a euro input: 350 → "3,50". */
export const centsToInput = (cents: number) => `${Math.trunc(cents / 100)},${String(cents % 100).padStart(2, '0')}`;
