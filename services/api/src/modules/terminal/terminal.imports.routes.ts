import { Problem } from '@tk/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IdempotencyHeaders, problems } from '../../lib/http-schemas.ts';
import { RateLimited } from '../../lib/problems.ts';
import { actorOf } from '../../plugins/auth.ts';
import { NotCsv } from '../imports/imports.errors.ts';
import type { createDeclineThrottle } from './terminal.declines.ts';
import { RedemptionImportQuery, RedemptionImportReport } from './terminal.imports.schemas.ts';
import { importRedemptions, MAX_IMPORT_BYTES } from './terminal.imports.ts';
import { asTerminalActor, type TerminalActor, type TerminalDeps } from './terminal.service.ts';
import type { CodeFailureThrottle } from './terminal.throttle.ts';

export interface TerminalImportRouteOptions {
  deps: TerminalDeps;
  /** The terminal's own throttles: a file counts against the same limits as single bookings. */
  throttle: CodeFailureThrottle;
  declines: ReturnType<typeof createDeclineThrottle>;
}

/** importRedemptions: a CSV file of bookings (registered inside the terminal routes, under /api/v1). */
export const terminalImportRoutes: FastifyPluginAsyncZod<TerminalImportRouteOptions> = async (app, options) => {
  const { db } = app.ctx;
  const { deps, throttle, declines } = options;

  // Scoped to this plugin: the file comes as raw bytes (the service decodes them).
  app.addContentTypeParser(
    ['text/csv', 'application/csv'],
    { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES },
    (_request, body, done) => done(null, body),
  );

  // Files whose unknown numbers were counted (per process, like the limiter itself): the booking of a
  // file after its dry run under the same key does not count the same numbers twice.
  const counted = new Set<string>();
  async function countUnknownCards(actor: TerminalActor, count: number, fileId: string) {
    const id = `${actor.userId}:${fileId}`;
    if (counted.has(id)) return null;
    if (counted.size >= 10_000) counted.clear();
    counted.add(id);
    for (let i = 0; i < count; i++) {
      const throttled = await throttle.recordFailure(actor, 'import', 'card_not_found');
      if (throttled) {
        const minutes = Math.ceil(Number(throttled.extensions?.retryAfterSeconds ?? 600) / 60);
        return new RateLimited(
          Number(throttled.extensions?.retryAfterSeconds ?? 600),
          `Zu viele unbekannte Kartennummern; nichts wurde gebucht. Bitte die Kartennummern prüfen und in ${minutes} Minuten erneut versuchen.`,
        );
      }
    }
    return null;
  }

  app.post(
    '/terminal/redemption-imports',
    {
      bodyLimit: MAX_IMPORT_BYTES,
      schema: {
        operationId: 'importRedemptions',
        tags: ['terminal'],
        summary: 'Book a CSV file of redemptions (dry run first); every line under the rules of redeem',
        description:
          'Body: text/csv, `;` separated, UTF-8 (with or without BOM), header `cardNumber;serviceDate;benefitType;amount;minutes;purpose` (amount in euros with decimal comma, serviceDate TT.MM.JJJJ or YYYY-MM-DD, minutes for tutoring). At most 5,000 lines and 1 MiB. Requires an Idempotency-Key (optional for a dry run): a replay answers the first result and books nothing again; each line books under `<key>#<line>`.',
        security: [{ bearerAuth: [] }],
        consumes: ['text/csv'],
        headers: IdempotencyHeaders,
        querystring: RedemptionImportQuery,
        response: {
          200: RedemptionImportReport.describe('Dry run (nothing booked), or the replay of an earlier upload'),
          201: RedemptionImportReport,
          ...problems(400, 401, 403, 413, 415, 422, 429),
        },
      },
      config: { roles: ['provider_admin'] as const },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) throw new NotCsv();
      const actor = asTerminalActor(actorOf(request));
      try {
        await throttle.assertAllowed(actor);
        const outcome = await importRedemptions(
          db,
          deps,
          request.body,
          { dryRun: request.query.dryRun, idempotencyKey: request.headers['idempotency-key'] },
          actor,
          {
            unknownCards: (count, fileId) => countUnknownCards(actor, count, fileId),
            decline: (problem, cardNumber) => declines.onDecline(problem, cardNumber, actor),
          },
        );
        if (outcome.replayed) reply.header('idempotent-replayed', 'true');
        return reply.code(request.query.dryRun || outcome.status === 200 ? 200 : 201).send(outcome.body);
      } catch (err) {
        const retryAfter = err instanceof Problem ? err.extensions?.retryAfterSeconds : undefined;
        if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
        throw err;
      }
    },
  );
};
