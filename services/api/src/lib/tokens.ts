import { randomUUID } from 'node:crypto';
import type { Clock } from '@tk/core';
import { jwtVerify, SignJWT } from 'jose';
import type { KeyRing } from './keys.ts';

export interface AccessClaims {
  sub: string;
  role: string;
  providerId: string | null;
  username: string;
  /** The user's `token_version` when the token was issued (ADR 0020). */
  tokenVersion: number;
}

/** What a verified token says: the claims plus its id and expiry (for logout). */
export interface VerifiedClaims extends AccessClaims {
  jti: string;
  expiresAt: Date;
}

const ISSUER = 'teilhabekarte';
const AUDIENCE = 'teilhabekarte-api';

/** A short-lived access token (EdDSA, `kid` in the header so keys can rotate). */
export async function signAccessToken(
  ring: KeyRing,
  claims: AccessClaims,
  ttlMinutes: number,
  clock: Clock,
): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(clock.now().getTime() / 1000);
  const exp = now + ttlMinutes * 60;
  const token = await new SignJWT({
    role: claims.role,
    pid: claims.providerId,
    usr: claims.username,
    ver: claims.tokenVersion,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: ring.signer.kid, typ: 'at+jwt' })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(ring.signer.key);
  return { token, expiresAt: new Date(exp * 1000) };
}

/** Verifies signature (by `kid`, retired keys fail), issuer, audience and expiry; `null` when anything is off. */
export async function verifyAccessToken(ring: KeyRing, token: string, clock: Clock): Promise<VerifiedClaims | null> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = header.kid ? ring.verifiers.get(header.kid) : undefined;
        if (!key) throw new Error('unknown key');
        return key;
      },
      { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'], currentDate: clock.now(), typ: 'at+jwt' },
    );
    if (typeof payload.sub !== 'string' || typeof payload.role !== 'string') return null;
    // Tokens without an id or credential version cannot be revoked: refused.
    if (typeof payload.jti !== 'string' || typeof payload.ver !== 'number' || typeof payload.exp !== 'number') {
      return null;
    }
    return {
      sub: payload.sub,
      role: payload.role,
      providerId: typeof payload.pid === 'string' ? payload.pid : null,
      username: typeof payload.usr === 'string' ? payload.usr : '',
      tokenVersion: payload.ver,
      jti: payload.jti,
      expiresAt: new Date(payload.exp * 1000),
    };
  } catch {
    return null;
  }
}

/**
 * `verifyAccessToken` behind a bounded per-process cache of tokens that verified. A hit is used only
 * until the token's own `exp` (checked against the injected clock); a key ring never changes within a
 * process, so a verified signature stays verified. An EdDSA check costs ~0.1–0.3 ms of CPU, a large share
 * of a terminal booking (ADR 0010). Failed tokens are not cached.
 */
export function cachingAccessTokenVerifier(ring: KeyRing, clock: Clock, maxEntries = 10_000) {
  const cache = new Map<string, { claims: VerifiedClaims; expiresAtMs: number }>();
  return async (token: string): Promise<VerifiedClaims | null> => {
    const hit = cache.get(token);
    if (hit) {
      if (clock.now().getTime() < hit.expiresAtMs) return hit.claims;
      cache.delete(token);
    }
    const claims = await verifyAccessToken(ring, token, clock);
    if (claims) {
      if (cache.size >= maxEntries) cache.clear();
      cache.set(token, { claims, expiresAtMs: claims.expiresAt.getTime() });
    }
    return claims;
  };
}
