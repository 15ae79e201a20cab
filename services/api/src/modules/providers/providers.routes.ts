import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Routes of the providers area (registered in app.ts under /api/v1). */
export const providersRoutes: FastifyPluginAsyncZod = async (_app) => {};
