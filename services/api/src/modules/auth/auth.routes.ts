import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../lib/audit.ts';
import { problems } from '../../lib/http-schemas.ts';
import { actorOf, principalOf } from '../../plugins/auth.ts';
import { InvalidCredentials } from './auth.errors.ts';
import { LoginBody, LoginResponse } from './auth.schemas.ts';
import * as auth from './auth.service.ts';
import { createLoginThrottle } from './auth.throttle.ts';

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const { database, keys, clock, config } = app.ctx;
  const deps = { ring: keys.access, clock, ttlMinutes: config.accessTokenTtlMinutes };
  const throttle = createLoginThrottle(database, config.login);

  app.post(
    '/auth/login',
    {
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Log in with username and password; returns a short-lived access token',
        body: LoginBody,
        response: { 200: LoginResponse, ...problems(400, 401, 429) },
      },
    },
    async (request) => {
      const { username } = request.body;
      await throttle.assertAllowed(username, request.ip);
      try {
        return await auth.login(database.db, deps, request.body, request.id);
      } catch (err) {
        if (err instanceof InvalidCredentials) await throttle.recordFailure(username, request.ip, request.id);
        throw err;
      }
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        operationId: 'refreshToken',
        tags: ['auth'],
        summary: 'Exchange a valid token for a fresh one (the user must still be active)',
        security: [{ bearerAuth: [] }],
        response: { 200: LoginResponse, ...problems(401, 429) },
      },
      config: { roles: ['admin', 'caseworker', 'accounting', 'provider_admin', 'provider_staff'] },
    },
    async (request) => {
      const { userId, claims } = principalOf(request);
      // A logged-out token is refused before this by the auth plugin (see auth.sessions.ts).
      return auth.refresh(database.db, deps, userId, claims.tokenVersion);
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        operationId: 'logout',
        tags: ['auth'],
        summary: 'End this session: the token is refused from now on',
        security: [{ bearerAuth: [] }],
        response: { 204: z.null().describe('Logged out'), ...problems(401, 429) },
      },
      config: { roles: ['admin', 'caseworker', 'accounting', 'provider_admin', 'provider_staff'] },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await app.ctx.sessions.revoke(principal.claims);
      await audit(database.db, actorOf(request), {
        action: 'auth.logout',
        entityType: 'user',
        entityId: principal.userId,
      });
      return reply.code(204).send(null);
    },
  );
};
