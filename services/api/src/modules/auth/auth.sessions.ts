import type { Clock } from '@tk/core';
import { type Db, queryRows, revokedTokens } from '@tk/db';
import { sql } from 'drizzle-orm';
import type { VerifiedClaims } from '../../lib/tokens.ts';

/** How long one replica may trust its last look at a token's standing (contract: revoked within 5 s). */
export const SESSION_CHECK_TTL_MS = 5_000;

/**
 * Revocation (ADR 0020): a signed, unexpired token is still refused when its user is deactivated, its
 * `token_version` has moved on (password, active flag or role changed: a trigger raises it) or its `jti`
 * was logged out. The answer is cached per token for at most 5 s, so a booking costs no query while the
 * cache is warm, and every replica sees a revocation within 5 s; logout is refused at once on the replica
 * that served it.
 */
export function createSessionCheck(db: Db, clock: Clock, maxEntries = 10_000) {
  const cache = new Map<string, { valid: boolean; checkedAtMs: number }>();
  const revokedHere = new Set<string>();

  return {
    async isValid(claims: VerifiedClaims): Promise<boolean> {
      if (revokedHere.has(claims.jti)) return false;
      const now = clock.now().getTime();
      const hit = cache.get(claims.jti);
      if (hit && now - hit.checkedAtMs < SESSION_CHECK_TTL_MS) return hit.valid;
      const [row] = await queryRows<{ token_version: number; active: boolean; revoked: boolean }>(
        db,
        sql`select u.token_version, u.active,
                   exists (select 1 from revoked_tokens r where r.jti = ${claims.jti}) as revoked
              from users u where u.id = ${claims.sub}`,
      );
      const valid = Boolean(row?.active && !row.revoked && row.token_version === claims.tokenVersion);
      if (cache.size >= maxEntries) cache.clear();
      cache.set(claims.jti, { valid, checkedAtMs: now });
      return valid;
    },

    /** Logout: this token is refused from now on, here at once and on the other replicas within 5 s. */
    async revoke(claims: VerifiedClaims): Promise<void> {
      revokedHere.add(claims.jti);
      await db
        .insert(revokedTokens)
        .values({ jti: claims.jti, userId: claims.sub, expiresAt: claims.expiresAt })
        .onConflictDoNothing();
    },
  };
}

export type SessionCheck = ReturnType<typeof createSessionCheck>;
