import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Routes of the catalogue area (registered in app.ts under /api/v1). */
export const catalogueRoutes: FastifyPluginAsyncZod = async (_app) => {};
