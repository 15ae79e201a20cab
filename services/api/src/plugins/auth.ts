import type { Clock } from '@tk/core';
import type { Role } from '@tk/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../lib/audit.ts';
import type { KeyRing } from '../lib/keys.ts';
import { Forbidden, Unauthenticated } from '../lib/problems.ts';
import { cachingAccessTokenVerifier, type VerifiedClaims } from '../lib/tokens.ts';
import type { SessionCheck } from '../modules/auth/auth.sessions.ts';

export interface Principal {
  userId: string;
  username: string;
  role: Role;
  providerId: string | null;
  /** The verified token (logout revokes it by `jti`). */
  claims: VerifiedClaims;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed on this route; absent = public. */
    roles?: readonly Role[];
  }
}

export const unauthenticated = () => new Unauthenticated();

/**
 * Bearer authentication and role checks (ADR 0003). Routes declare `config.roles`; the principal is
 * read before rate limiting so limits are keyed by user.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { ring: KeyRing; clock: Clock; sessions: SessionCheck }) => {
    app.decorateRequest('principal', null);
    const verify = cachingAccessTokenVerifier(opts.ring, opts.clock);
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization;
      if (!header) return;
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
      const verified = match?.[1] ? await verify(match[1]) : null;
      const claims = verified && (await opts.sessions.isValid(verified)) ? verified : null;
      if (!claims) {
        if (request.routeOptions.config?.roles) throw unauthenticated();
        return;
      }
      request.principal = {
        userId: claims.sub,
        username: claims.username,
        role: claims.role as Role,
        providerId: claims.providerId,
        claims,
      };
    });
    app.addHook('onRequest', async (request) => {
      const roles = request.routeOptions.config?.roles;
      if (!roles) return;
      if (!request.principal) throw unauthenticated();
      if (!roles.includes(request.principal.role)) {
        throw new Forbidden(`The role ${request.principal.role} may not perform this operation.`);
      }
    });
  },
);

/** The acting user of an authenticated request, for services and the audit log. */
export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  if (!p) throw unauthenticated();
  return { userId: p.userId, role: p.role, providerId: p.providerId, requestId: request.id };
}

/** The principal of a route that declared `config.roles` (never null there). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}
