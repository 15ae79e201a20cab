import type { Clock } from '@tk/core';
import { type Db, users } from '@tk/db';
import { eq, sql } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import type { KeyRing } from '../../lib/keys.ts';
import { unmatchableHash, verifyPassword } from '../../lib/password.ts';
import { signAccessToken } from '../../lib/tokens.ts';
import { InvalidCredentials } from './auth.errors.ts';

export interface SessionDeps {
  ring: KeyRing;
  clock: Clock;
  ttlMinutes: number;
}

async function issueSession(deps: SessionDeps, user: typeof users.$inferSelect) {
  const { token, expiresAt } = await signAccessToken(
    deps.ring,
    {
      sub: user.id,
      role: user.role,
      providerId: user.providerId,
      username: user.username,
      tokenVersion: user.tokenVersion,
    },
    deps.ttlMinutes,
    deps.clock,
  );
  return {
    token,
    expiresAt: expiresAt.toISOString(),
    user: {
      id: user.id,
      username: user.username,
      role: user.role,
      ...(user.providerId ? { providerId: user.providerId } : {}),
    },
  };
}

/**
 * Checks a username and password and issues an access token. Unknown users cost the same scrypt
 * time as known ones. Every attempt is audited. Throws `InvalidCredentials`.
 */
export async function login(
  db: Db,
  deps: SessionDeps,
  input: { username: string; password: string },
  requestId: string,
) {
  const [user] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.username})`, input.username.toLowerCase()));
  const ok = await verifyPassword(input.password, user?.passwordHash ?? unmatchableHash());
  const actor: Actor = { userId: user?.id ?? null, role: user?.role ?? 'anonymous', providerId: null, requestId };
  if (!user || !ok || !user.active) {
    await audit(db, actor, {
      action: 'auth.login_failed',
      entityType: 'user',
      entityId: user?.id ?? null,
      data: { reason: !user ? 'unknown_user' : !ok ? 'wrong_password' : 'inactive' },
    });
    throw new InvalidCredentials();
  }
  await audit(db, actor, { action: 'auth.login', entityType: 'user', entityId: user.id });
  return issueSession(deps, user);
}

/**
 * A fresh token for a still active user (sliding session for terminals), only while the presented token's
 * credential version is current: a token from before a password/role change or deactivation cannot be
 * prolonged (checked here against the database, not the 5 s cache). Throws `InvalidCredentials`.
 */
export async function refresh(db: Db, deps: SessionDeps, userId: string, tokenVersion: number) {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user?.active || user.tokenVersion !== tokenVersion) throw new InvalidCredentials();
  return issueSession(deps, user);
}
