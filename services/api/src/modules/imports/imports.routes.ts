import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Routes of the imports area (registered in app.ts under /api/v1). */
export const importsRoutes: FastifyPluginAsyncZod = async (_app) => {};
