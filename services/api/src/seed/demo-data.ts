import type { Role } from '@tk/db';

/** The demo data's fixed parts: providers, users and their password (README). */

/** The demo password of every demo user (README). Demo data is for the embedded default only. */
export const DEMO_PASSWORD = 'Teilhabe-Demo-2026';

export const DEMO_PROVIDERS = {
  club: { id: 'prv_demo_club', name: 'TSV Musterstadt 1890 e.V.', category: 'club', benefitTypes: ['participation'] },
  canteen: {
    id: 'prv_demo_canteen',
    name: 'Mensa Gesamtschule Nord (Caterer Lecker GmbH)',
    category: 'caterer',
    benefitTypes: ['lunch'],
  },
  tutor: { id: 'prv_demo_tutor', name: 'Lernstudio Kluge', category: 'tutor', benefitTypes: ['tutoring'] },
  school: { id: 'prv_demo_school', name: 'Grundschule am Park', category: 'school', benefitTypes: ['trip', 'lunch'] },
} as const;

export const DEMO_USERS: { username: string; role: Role; provider?: keyof typeof DEMO_PROVIDERS; note: string }[] = [
  { username: 'admin', role: 'admin', note: 'Verwaltung' },
  { username: 'admin2', role: 'admin', note: 'second admin (four eyes on bank data)' },
  { username: 'sachbearbeitung', role: 'caseworker', note: 'Fallbearbeitung (Jobcenter/Sozialamt)' },
  { username: 'buchhaltung', role: 'accounting', note: 'Buchhaltung: certifies' },
  { username: 'buchhaltung2', role: 'accounting', note: 'Buchhaltung: releases (four eyes)' },
  { username: 'verein', role: 'provider_admin', provider: 'club', note: 'provider admin of the sports club' },
  { username: 'verein-kasse', role: 'provider_staff', provider: 'club', note: 'terminal staff of the sports club' },
  { username: 'mensa', role: 'provider_staff', provider: 'canteen', note: 'canteen terminal' },
  { username: 'lernstudio', role: 'provider_admin', provider: 'tutor', note: 'tutor' },
  { username: 'schule', role: 'provider_admin', provider: 'school', note: 'school (trips, lunch)' },
];

export const DEMO_IBANS: Record<keyof typeof DEMO_PROVIDERS, string> = {
  club: 'DE89370400440532013000',
  canteen: 'DE12500105170648489890',
  tutor: 'DE02100100109307118603',
  school: 'DE02500105170137075030',
};
