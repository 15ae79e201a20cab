import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Routes of the terminal area (registered in app.ts under /api/v1). */
export const terminalRoutes: FastifyPluginAsyncZod = async (_app) => {};
