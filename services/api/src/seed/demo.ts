import { type Clock, newId, systemClock } from '@tk/core';
import { type Db, providers, users } from '@tk/db';
import { audit, systemActor } from '../lib/audit.ts';
import type { KeyRings } from '../lib/keys.ts';
import { hashPassword } from '../lib/password.ts';
import { seedBackoffice } from './backoffice.ts';
import { seedBookings } from './bookings.ts';
import { DEMO_IBANS, DEMO_PASSWORD, DEMO_PROVIDERS, DEMO_USERS } from './demo-data.ts';

export { DEMO_PASSWORD, DEMO_PROVIDERS, DEMO_USERS } from './demo-data.ts';

/**
 * Demo data for a first start on the embedded database: the providers and one user per role.
 * Runs only on an empty database (no users), so restarts keep what was changed.
 */
export async function seedDemo(db: Db, keys?: KeyRings, clock: Clock = systemClock): Promise<boolean> {
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
        approvedAt: clock.now(),
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
    await seedBackoffice(db, keys);
    await seedBookings(db, clock);
  }
  return true;
}
