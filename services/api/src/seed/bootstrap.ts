import { newId } from '@tk/core';
import { type Db, users } from '@tk/db';
import { eq } from 'drizzle-orm';
import { audit, systemActor } from '../lib/audit.ts';
import { hashPassword } from '../lib/password.ts';

/** On start: if no admin exists and the bootstrap variables are set, create that admin (audited). */
export async function bootstrapAdmin(
  db: Db,
  admin: { username: string; password: string } | undefined,
): Promise<boolean> {
  if (!admin) return false;
  const passwordHash = await hashPassword(admin.password);
  return db.transaction(async (tx) => {
    const existing = await tx.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
    if (existing.length > 0) return false;
    const id = newId('user');
    // Replicas start together: the one whose insert loses the race on the username finds the admin made.
    const inserted = await tx
      .insert(users)
      .values({ id, username: admin.username, passwordHash, role: 'admin' })
      .onConflictDoNothing()
      .returning({ id: users.id });
    if (inserted.length === 0) return false;
    await audit(tx, systemActor(), {
      action: 'user.bootstrapped',
      entityType: 'user',
      entityId: id,
      data: { role: 'admin' },
    });
    return true;
  });
}
