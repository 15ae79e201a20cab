import { type Clock, isProviderRole, newId } from '@tk/core';
import { citySettings, type Db, type DbOrTx, providers, readTogether, users } from '@tk/db';
import { and, eq, sql } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { hashPassword } from '../../lib/password.ts';
import { Forbidden } from '../../lib/problems.ts';
import { providerNotFound } from '../providers/providers.errors.ts';
import {
  CannotDeactivateSelf,
  ProviderRequired,
  StaffLimitReached,
  UserNotFound,
  UsernameTaken,
} from './users.errors.ts';
import type { User } from './users.schemas.ts';

export function toUser(row: typeof users.$inferSelect): User {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    ...(row.providerId ? { providerId: row.providerId } : {}),
    active: row.active,
    createdAt: row.createdAt.toISOString(),
  };
}

export interface CreateUserInput {
  username: string;
  password: string;
  role: (typeof users.$inferInsert)['role'];
  providerId?: string | undefined;
}

/**
 * Creates a user. Admins create any role; a provider admin creates only terminal staff of its own
 * provider. Audited in the same transaction. Throws 403, 400 `provider_required`, 404, 409 `username_taken`.
 */
export async function createUser(db: Db, input: CreateUserInput, actor: Actor): Promise<User> {
  let providerId = input.providerId;
  if (actor.role === 'provider_admin') {
    if (input.role !== 'provider_staff')
      throw new Forbidden('Provider admins create terminal staff (provider_staff) only.');
    if (providerId && providerId !== actor.providerId)
      throw new Forbidden('Provider admins manage their own staff only.');
    providerId = actor.providerId ?? undefined;
  } else if (actor.role !== 'admin') {
    throw new Forbidden();
  }
  if (isProviderRole(input.role) !== Boolean(providerId)) throw new ProviderRequired(input.role);
  const passwordHash = await hashPassword(input.password);
  return db.transaction((tx) =>
    insertUser(tx, { username: input.username, passwordHash, role: input.role, providerId, active: true }, actor),
  );
}

/**
 * The staff cap (issue 10, finding 9): a provider has at most `city_settings.max_staff_per_provider`
 * active accounts (provider_admin + provider_staff), so a provider admin cannot multiply card-guessing
 * allowances by creating accounts. Call inside the transaction that adds or reactivates one; the
 * provider row is locked, so concurrent creations for one provider are counted one after the other.
 * Throws 404 `provider_not_found`, 409 `staff_limit_reached`.
 */
async function assertStaffBelowLimit(tx: DbOrTx, providerId: string, exceptUserId?: string): Promise<void> {
  const [provider] = await tx
    .select({ id: providers.id })
    .from(providers)
    .where(eq(providers.id, providerId))
    .for('update');
  if (!provider) throw providerNotFound();
  const [[settings], [row]] = await readTogether(tx, [
    () => tx.select({ limit: citySettings.maxStaffPerProvider }).from(citySettings).where(eq(citySettings.id, 1)),
    () =>
      tx
        .select({ n: sql<number>`count(*)::int` })
        .from(users)
        .where(
          and(
            eq(users.providerId, providerId),
            eq(users.active, true),
            exceptUserId ? sql`${users.id} <> ${exceptUserId}` : undefined,
          ),
        ),
  ]);
  const limit = settings?.limit ?? 20;
  if (Number(row?.n ?? 0) >= limit) throw new StaffLimitReached(limit);
}

/**
 * Inserts a user inside the caller's transaction (createUser, and provider self-registration whose
 * provider and first admin are written together). Throws 404 `provider_not_found`, 409 `username_taken`.
 */
export async function insertUser(
  tx: DbOrTx,
  input: {
    id?: string;
    username: string;
    passwordHash: string;
    role: CreateUserInput['role'];
    providerId?: string | undefined;
    active: boolean;
  },
  actor: Actor,
): Promise<User> {
  const { providerId } = input;
  if (providerId) {
    if (input.active) await assertStaffBelowLimit(tx, providerId);
    else {
      const [provider] = await tx.select({ id: providers.id }).from(providers).where(eq(providers.id, providerId));
      if (!provider) throw providerNotFound();
    }
  }
  const existing = await tx
    .select({ id: users.id })
    .from(users)
    .where(eq(sql`lower(${users.username})`, input.username.toLowerCase()));
  if (existing.length > 0) throw new UsernameTaken();
  const [row] = await tx
    .insert(users)
    .values({
      id: input.id ?? newId('user'),
      username: input.username,
      passwordHash: input.passwordHash,
      role: input.role,
      providerId: providerId ?? null,
      active: input.active,
      createdBy: actor.userId,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new UsernameTaken();
  await audit(tx, actor, {
    action: 'user.created',
    entityType: 'user',
    entityId: row.id,
    data: { role: row.role, providerId, ...(input.active ? {} : { active: false }) },
  });
  return toUser(row);
}

/** Activates a user inside the caller's transaction (a self-registered provider admin on approval). */
export async function activateUser(tx: DbOrTx, userId: string, actor: Actor): Promise<void> {
  const [target] = await tx.select({ providerId: users.providerId }).from(users).where(eq(users.id, userId));
  if (target?.providerId) await assertStaffBelowLimit(tx, target.providerId, userId);
  await tx.update(users).set({ active: true, updatedAt: new Date() }).where(eq(users.id, userId));
  await audit(tx, actor, {
    action: 'user.updated',
    entityType: 'user',
    entityId: userId,
    data: { fields: ['active'] },
  });
}

/** Users an actor may see: all for admins, the own provider's for provider admins. */
export async function listUsers(
  db: DbOrTx,
  actor: Actor,
  filter: { providerId?: string | undefined },
): Promise<User[]> {
  const providerId = actor.role === 'provider_admin' ? actor.providerId : filter.providerId;
  const rows = await db
    .select()
    .from(users)
    .where(providerId ? eq(users.providerId, providerId) : undefined)
    .orderBy(users.username);
  return rows.map(toUser);
}

/** Deactivate/reactivate a user or set a new password. Provider admins only for their own staff. */
export async function updateUser(
  db: Db,
  userId: string,
  change: { active?: boolean | undefined; password?: string | undefined },
  actor: Actor,
  clock: Clock,
): Promise<User> {
  const passwordHash = change.password ? await hashPassword(change.password) : undefined;
  return db.transaction(async (tx) => {
    const scope =
      actor.role === 'provider_admin'
        ? and(eq(users.id, userId), eq(users.providerId, actor.providerId ?? ''))
        : eq(users.id, userId);
    const [target] = await tx.select().from(users).where(scope).for('update');
    if (!target) throw new UserNotFound();
    if (target.id === actor.userId && change.active === false) {
      throw new CannotDeactivateSelf();
    }
    if (change.active === true && !target.active && target.providerId) {
      await assertStaffBelowLimit(tx, target.providerId, target.id);
    }
    const [row] = await tx
      .update(users)
      .set({
        ...(change.active !== undefined ? { active: change.active } : {}),
        ...(passwordHash ? { passwordHash } : {}),
        updatedAt: clock.now(),
      })
      .where(eq(users.id, userId))
      .returning();
    await audit(tx, actor, {
      action: 'user.updated',
      entityType: 'user',
      entityId: userId,
      data: { fields: Object.keys(change).filter((k) => change[k as keyof typeof change] !== undefined) },
    });
    return toUser(row!);
  });
}
