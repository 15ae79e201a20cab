import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { recordReads } from '../privacy/access-log.service.ts';
import { OutreachList, OutreachQuery } from './outreach.schemas.ts';
import { outreachList } from './outreach.service.ts';

/** The outreach list for casework (registered in app.ts under /api/v1). */
export const outreachRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app.ctx;
  app.get(
    '/outreach',
    {
      schema: {
        operationId: 'listOutreach',
        tags: ['beneficiaries'],
        summary:
          'Children with an active approval and no booking N weeks (city setting outreachWeeks) after it began, for a reminder letter',
        security: [{ bearerAuth: [] }],
        querystring: OutreachQuery,
        response: { 200: OutreachList, ...problems(400, 401, 403, 429) },
      },
      config: { roles: ['caseworker'] },
    },
    async (request) => {
      const list = await outreachList(db, request.query, clock);
      // Read audit: every child on the list, in one statement.
      await recordReads(
        db,
        actorOf(request),
        clock,
        'list',
        list.items.map((i) => i.beneficiaryId),
      );
      return list;
    },
  );
};
