import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problems } from '../../lib/http-schemas.ts';
import { sealAndVerify } from './verify.service.ts';

const InvariantReportSchema = z
  .object({
    ok: z.boolean(),
    checkedAt: z.string(),
    counts: z.record(z.string(), z.number()),
    checks: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        violations: z.number().int(),
        samples: z.array(z.record(z.string(), z.unknown())),
      }),
    ),
  })
  .meta({ id: 'InvariantReport' });

/** Operations for admins: the invariant checker. */
export const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/admin/verify',
    {
      schema: {
        operationId: 'verifyInvariants',
        tags: ['admin'],
        summary: 'Seal the audit chain, then check budgets, batches, payment files and the audit chain to the cent',
        security: [{ bearerAuth: [] }],
        response: { 200: InvariantReportSchema, ...problems(401, 403, 429) },
      },
      config: { roles: ['admin'] },
    },
    async () => sealAndVerify(app.ctx.db, app.ctx.clock),
  );
};
