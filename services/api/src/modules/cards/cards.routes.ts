import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Routes of the cards area (registered in app.ts under /api/v1). */
export const cardsRoutes: FastifyPluginAsyncZod = async (_app) => {};
