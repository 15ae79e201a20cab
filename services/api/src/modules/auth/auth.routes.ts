import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problems } from '../../lib/http-schemas.ts';
import { principalOf } from '../../plugins/auth.ts';
import { LoginBody, LoginResponse } from './auth.schemas.ts';
import * as auth from './auth.service.ts';

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const { database, keys, clock, config } = app.ctx;
  const deps = { ring: keys.access, clock, ttlMinutes: config.accessTokenTtlMinutes };

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
      config: {
        // Brute force: per address and username, much stricter than the general limit.
        rateLimit: {
          max: config.loginRateLimitPerMinute,
          timeWindow: 60_000,
          keyGenerator: (request) => {
            const body = request.body as { username?: unknown } | undefined;
            const name = typeof body?.username === 'string' ? body.username.trim().toLowerCase() : '';
            return `login:${request.ip}:${name}`;
          },
        },
      },
    },
    async (request) => auth.login(database.db, deps, request.body, request.id),
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
    async (request) => auth.refresh(database.db, deps, principalOf(request).userId),
  );
};
