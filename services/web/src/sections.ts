import type { Role } from './session';

/** The areas of the UI and who may use them; the navigation shows only these. */
export interface SectionInfo {
  key: 'terminal' | 'casework' | 'accounting' | 'admin';
  label: string;
  path: string;
  roles: readonly Role[];
}

export const SECTIONS: readonly SectionInfo[] = [
  { key: 'terminal', label: 'Terminal', path: '/terminal', roles: ['provider_admin', 'provider_staff'] },
  // Need-to-know: only caseworkers see children; an admin lands on Verwaltung.
  { key: 'casework', label: 'Fallbearbeitung', path: '/fallbearbeitung', roles: ['caseworker'] },
  { key: 'accounting', label: 'Buchhaltung', path: '/buchhaltung', roles: ['accounting'] },
  // Admins manage everything; a provider admin manages its own terminal staff.
  { key: 'admin', label: 'Verwaltung', path: '/verwaltung', roles: ['admin', 'provider_admin'] },
];

export function sectionsFor(role: Role): SectionInfo[] {
  return SECTIONS.filter((s) => s.roles.includes(role));
}
