import { newId } from '@tk/core';
import { type Db, providers, type Role, users } from '@tk/db';
import { audit, systemActor } from '../lib/audit.ts';
import type { KeyRings } from '../lib/keys.ts';
import { hashPassword } from '../lib/password.ts';

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

const DEMO_IBANS: Record<keyof typeof DEMO_PROVIDERS, string> = {
  club: 'DE89370400440532013000',
  canteen: 'DE12500105170648489890',
  tutor: 'DE02100100109307118603',
  school: 'DE02500105170137075030',
};

/**
 * Demo data for a first start on the embedded database: the providers and one user per role.
 * Runs only on an empty database (no users), so restarts keep what was changed.
 */
export async function seedDemo(db: Db, keys?: KeyRings): Promise<boolean> {
  const existing = await db.select({ id: users.id }).from(users).limit(1);
  if (existing.length > 0) return false;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const actor = systemActor();
  await db.transaction(async (tx) => {
    for (const [key, p] of Object.entries(DEMO_PROVIDERS) as [
      keyof typeof DEMO_PROVIDERS,
      (typeof DEMO_PROVIDERS)[keyof typeof DEMO_PROVIDERS],
    ][]) {
      await tx.insert(providers).values({
        id: p.id,
        name: p.name,
        category: p.category,
        status: 'approved',
        benefitTypes: [...p.benefitTypes],
        accountHolder: p.name,
        iban: DEMO_IBANS[key],
        street: 'Hauptstraße 1',
        postalCode: '59065',
        town: 'Musterstadt',
        country: 'DE',
        approvedAt: new Date(),
      });
      await audit(tx, actor, { action: 'provider.seeded', entityType: 'provider', entityId: p.id });
    }
    for (const u of DEMO_USERS) {
      const id = newId('user');
      await tx.insert(users).values({
        id,
        username: u.username,
        passwordHash,
        role: u.role,
        providerId: u.provider ? DEMO_PROVIDERS[u.provider].id : null,
      });
      await audit(tx, actor, { action: 'user.seeded', entityType: 'user', entityId: id, data: { role: u.role } });
    }
  });
  if (keys) {
    // Imported here, not at the top: those seeds use the demo providers and users defined in this file.
    const { seedBackoffice } = await import('./backoffice.ts');
    const { seedBookings } = await import('./bookings.ts');
    await seedBackoffice(db, keys);
    await seedBookings(db);
  }
  return true;
}
