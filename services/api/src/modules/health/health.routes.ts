import { migrationsApplied } from '@tk/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problems } from '../../lib/http-schemas.ts';
import { NotReady } from '../../lib/problems.ts';

/** `/healthz`: the process is up. `/readyz`: the database answers and every migration is applied. */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      schema: { operationId: 'health', tags: ['operations'], response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'ready',
        tags: ['operations'],
        response: { 200: z.object({ status: z.literal('ready'), database: z.string() }), ...problems(503) },
      },
    },
    async () => {
      const ready = await migrationsApplied(app.ctx.database).catch(() => false);
      if (!ready) {
        throw new NotReady('The database is not reachable or not migrated yet.');
      }
      return { status: 'ready' as const, database: app.ctx.database.kind };
    },
  );
};
