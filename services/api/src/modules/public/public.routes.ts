import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problems } from '../../lib/http-schemas.ts';
import { ListPublicProvidersQuery, PublicProviderList } from './public.schemas.ts';
import { createPublicDirectory, DIRECTORY_TTL_MS } from './public.service.ts';

/** Public routes for families (registered in app.ts under /api/v1): no token. */
export const publicRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app.ctx;
  const directory = createPublicDirectory(db, clock);

  app.get(
    '/public/providers',
    {
      schema: {
        operationId: 'listPublicProviders',
        tags: ['families'],
        summary: 'Public: where the card can be used (approved, listed providers; no bank data)',
        querystring: ListPublicProvidersQuery,
        response: { 200: PublicProviderList, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', `public, max-age=${DIRECTORY_TTL_MS / 1000}`);
      return { items: await directory.list(request.query) };
    },
  );
};
