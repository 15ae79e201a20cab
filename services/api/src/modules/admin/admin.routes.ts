import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Routes of the admin area (registered in app.ts under /api/v1). */
export const adminRoutes: FastifyPluginAsyncZod = async (_app) => {};
