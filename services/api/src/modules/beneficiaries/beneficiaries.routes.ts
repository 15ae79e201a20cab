import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Routes of the beneficiaries area (registered in app.ts under /api/v1). */
export const beneficiariesRoutes: FastifyPluginAsyncZod = async (_app) => {};
