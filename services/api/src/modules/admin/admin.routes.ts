import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problems } from '../../lib/http-schemas.ts';
import { verifyInvariants } from './verify.service.ts';

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
        summary: 'Check budgets, batches, payment files and the audit log to the cent (read-only)',
        security: [{ bearerAuth: [] }],
        response: { 200: InvariantReportSchema, ...problems(401, 403, 429) },
      },
      config: { roles: ['admin'] },
    },
    async () => verifyInvariants(app.ctx.db, app.ctx.clock),
  );
};
