import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { runRetention } from './retention.service.ts';
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

const RetentionRunBody = z
  .object({ dryRun: z.boolean().default(false).describe('Count only: nothing is changed or deleted') })
  .default({ dryRun: false });

const RetentionRunSchema = z
  .object({
    id: z.string(),
    dryRun: z.boolean(),
    asOf: z.string().describe('The business day (Europe/Berlin) the periods were measured against'),
    pseudonymisedCount: z.number().int().describe('Children pseudonymised (dry run: that would be)'),
    deactivatedCards: z.number().int().describe('Their cards deactivated (dry run: that would be)'),
    deleted: z
      .object({
        idempotencyKeys: z.number().int(),
        declines: z.number().int(),
        throttleCounters: z.number().int(),
        familyAccessFailures: z.number().int(),
        revokedTokens: z.number().int(),
      })
      .describe('Expired rows deleted, each older than its own retention setting (dry run: that would be)'),
  })
  .meta({ id: 'RetentionRun' });

/** Operations for admins: the invariant checker and the retention run. */
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

  app.post(
    '/admin/retention-runs',
    {
      schema: {
        operationId: 'runRetention',
        tags: ['admin'],
        summary:
          'Pseudonymise children whose retention period has passed and delete expired keys, declines and counters (dry run first)',
        security: [{ bearerAuth: [] }],
        body: RetentionRunBody,
        response: { 201: RetentionRunSchema, ...problems(400, 401, 403, 429) },
      },
      config: { roles: ['admin'] },
    },
    async (request, reply) => {
      const run = await runRetention(
        app.ctx.db,
        { dryRun: request.body.dryRun, triggeredBy: 'manual' },
        actorOf(request),
        app.ctx.clock,
      );
      return reply.code(201).send(run);
    },
  );
};
