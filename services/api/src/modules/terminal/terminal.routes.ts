import { PROVIDER_ROLES, Problem } from '@tk/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fastSerializerFor } from '../../lib/fast-serializer.ts';
import { IdempotencyHeaders, IdParams, problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { CardNotFound } from '../cards/cards.errors.ts';
import { createDeclineThrottle } from './terminal.declines.ts';
import { InvalidCode } from './terminal.errors.ts';
import { redemptionsCsv } from './terminal.history.ts';
import { terminalImportRoutes } from './terminal.imports.routes.ts';
import {
  ExportRedemptionsQuery,
  ListRedemptionsQuery,
  LookupBody,
  LookupResponse,
  RedeemBody,
  RedemptionCreated,
  RedemptionList,
  RedemptionSchema,
  ReverseBody,
  ReverseResponse,
} from './terminal.schemas.ts';
import * as terminal from './terminal.service.ts';
import { createCodeFailureThrottle } from './terminal.throttle.ts';

const TERMINAL_ROLES = PROVIDER_ROLES;

/** Routes of the terminal area (registered in app.ts under /api/v1). */
export const terminalRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock, keys } = app.ctx;
  const deps: terminal.TerminalDeps = { clock, cardKeys: keys.card };
  const security = [{ bearerAuth: [] }];
  const throttle = createCodeFailureThrottle(app.ctx.database, {
    perUser: app.ctx.config.codeMisses.perUser,
    perProvider: app.ctx.config.codeMisses.perProvider,
    windowSeconds: app.ctx.config.codeMisses.windowMinutes * 60,
  });
  const declines = createDeclineThrottle(app.ctx.database, {
    limit: app.ctx.config.declinesPerCardPerDay,
    windowSeconds: 24 * 60 * 60,
  });

  /** Runs a card operation under the invalid-code throttle: failures count, and over the limit everything is refused. */
  async function guarded<T>(request: FastifyRequest, reply: FastifyReply, operation: string, run: () => Promise<T>) {
    const actor = actorOf(request);
    try {
      await throttle.assertAllowed(actor);
      return await run();
    } catch (err) {
      let problem = err;
      if (err instanceof InvalidCode || err instanceof CardNotFound) {
        problem = (await throttle.recordFailure(actor, operation, err.code)) ?? err;
      }
      const retryAfter = problem instanceof Problem ? problem.extensions?.retryAfterSeconds : undefined;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      throw problem;
    }
  }

  // importRedemptions (bulk file), under the same throttles as single bookings.
  await app.register(terminalImportRoutes, { deps, throttle, declines });

  app.post(
    '/terminal/lookup',
    {
      schema: {
        operationId: 'lookupCard',
        tags: ['terminal'],
        summary: 'Look a card up (QR token or card number): status, display name, what this provider may redeem',
        security,
        body: LookupBody,
        response: { 200: LookupResponse, ...problems(400, 401, 403, 404, 409, 429) },
      },
      serializerCompiler: fastSerializerFor(200),
      config: { roles: TERMINAL_ROLES },
    },
    async (request, reply) =>
      guarded(request, reply, 'lookup', () =>
        terminal.lookupCard(db, deps, request.body, terminal.asTerminalActor(actorOf(request))),
      ),
  );

  app.post(
    '/terminal/redemptions',
    {
      schema: {
        operationId: 'redeem',
        tags: ['terminal'],
        summary: 'Book a redemption (binding payment promise); requires an Idempotency-Key header',
        security,
        headers: IdempotencyHeaders,
        body: RedeemBody,
        response: {
          200: RedemptionCreated.describe('Replay of an earlier request with the same Idempotency-Key'),
          201: RedemptionCreated,
          ...problems(400, 401, 403, 404, 409, 422, 429),
        },
      },
      serializerCompiler: fastSerializerFor(200, 201),
      config: { roles: TERMINAL_ROLES },
    },
    async (request, reply) => {
      try {
        const outcome = await guarded(request, reply, 'redeem', () =>
          terminal.redeem(
            db,
            deps,
            request.body,
            request.headers['idempotency-key'],
            terminal.asTerminalActor(actorOf(request)),
          ),
        );
        app.metrics.redemptions.inc({ result: outcome.replayed ? 'replayed' : 'booked' });
        if (outcome.replayed) reply.header('idempotent-replayed', 'true');
        return reply.code(outcome.status === 200 ? 200 : 201).send(outcome.body);
      } catch (err) {
        app.metrics.redemptions.inc({ result: err instanceof Problem ? err.code : 'error' });
        throw err instanceof Problem ? await declines.onDecline(err, request.body.code, actorOf(request)) : err;
      }
    },
  );

  app.post(
    '/terminal/redemptions/:id/reverse',
    {
      schema: {
        operationId: 'reverseRedemption',
        tags: ['terminal'],
        summary: 'Reverse an own redemption (after settlement: a correction in the next batch)',
        security,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ReverseBody,
        response: { 200: ReverseResponse, ...problems(400, 401, 403, 404, 409, 422, 429) },
      },
      config: { roles: TERMINAL_ROLES },
    },
    async (request) =>
      terminal.reverseRedemption(
        db,
        deps,
        request.params.id,
        request.body ?? {},
        request.headers['idempotency-key'],
        terminal.asTerminalActor(actorOf(request)),
      ),
  );

  app.get(
    '/terminal/redemptions.csv',
    {
      schema: {
        operationId: 'exportRedemptions',
        tags: ['terminal'],
        summary: "The provider's own booking list by service date as CSV (Excel: ';', decimal comma, BOM)",
        security,
        querystring: ExportRedemptionsQuery,
        response: {
          200: z.any().meta({ description: 'CSV (text/csv)', type: 'string', format: 'binary' }),
          ...problems(400, 401, 403, 429),
        },
      },
      config: { roles: TERMINAL_ROLES },
    },
    async (request, reply) => {
      const csv = await redemptionsCsv(db, deps, request.query, terminal.asTerminalActor(actorOf(request)));
      const { from = 'heute', to = from } = request.query;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="Buchungen-${from}-${to}.csv"`)
        .send(csv);
    },
  );

  app.get(
    '/terminal/redemptions',
    {
      schema: {
        operationId: 'listRedemptions',
        tags: ['terminal'],
        summary: "The provider's own redemptions by service date (from..to inclusive, default today)",
        security,
        querystring: ListRedemptionsQuery,
        response: { 200: RedemptionList, ...problems(400, 401, 403, 429) },
      },
      config: { roles: TERMINAL_ROLES },
    },
    async (request) => ({
      items: await terminal.listRedemptions(db, deps, request.query, terminal.asTerminalActor(actorOf(request))),
    }),
  );

  app.get(
    '/terminal/redemptions/:id',
    {
      schema: {
        operationId: 'getRedemption',
        tags: ['terminal'],
        summary: 'One of the provider’s own redemptions',
        security,
        params: IdParams,
        response: { 200: RedemptionSchema, ...problems(400, 401, 403, 404, 429) },
      },
      config: { roles: TERMINAL_ROLES },
    },
    async (request) => terminal.getRedemption(db, request.params.id, terminal.asTerminalActor(actorOf(request))),
  );
};
