import { Problem } from '@tk/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problems } from '../../lib/http-schemas.ts';
import { FamilyBalanceSchema, GetFamilyBalanceBody } from './family.schemas.ts';
import { getFamilyBalance } from './family.service.ts';

/** Routes of the families area (registered in app.ts under /api/v1). */
export const familyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app.ctx;
  const tags = ['families'];

  app.post(
    '/family/balance',
    {
      schema: {
        operationId: 'getFamilyBalance',
        tags,
        summary: 'Public: the family sees its child’s entitlements and last bookings with card number and access code',
        body: GetFamilyBalanceBody,
        response: { 200: FamilyBalanceSchema, ...problems(400, 404, 429) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      try {
        return await getFamilyBalance(db, clock, request.body, { address: request.ip, requestId: request.id });
      } catch (err) {
        const retryAfter = err instanceof Problem ? err.extensions?.retryAfterSeconds : undefined;
        if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
        throw err;
      }
    },
  );
};
