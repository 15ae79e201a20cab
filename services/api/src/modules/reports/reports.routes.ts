import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Routes of the reports area (registered in app.ts under /api/v1). */
export const reportsRoutes: FastifyPluginAsyncZod = async (_app) => {};
