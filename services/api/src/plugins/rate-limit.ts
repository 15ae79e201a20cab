import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RateLimited } from '../lib/problems.ts';

/**
 * Rate limits (api-v1.md): authenticated routes per user (many terminals may share one school's
 * address), unauthenticated ones per address. Login adds its own, stricter limit per address +
 * username (auth.routes.ts). Counters are per process (ADR 0006).
 */
export const rateLimitPlugin = fp(async (app: FastifyInstance, opts: { perMinute: number }) => {
  await app.register(rateLimit, {
    global: true,
    max: opts.perMinute,
    timeWindow: 60_000,
    hook: 'preValidation',
    keyGenerator: (request) => (request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`),
    allowList: (request) => ['/healthz', '/readyz', '/metrics'].includes(request.url),
    errorResponseBuilder: (_request, context) => new RateLimited(Math.ceil(context.ttl / 1000)),
  });
});
