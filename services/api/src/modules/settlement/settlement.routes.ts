import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Routes of the settlement area (registered in app.ts under /api/v1). */
export const settlementRoutes: FastifyPluginAsyncZod = async (_app) => {};
