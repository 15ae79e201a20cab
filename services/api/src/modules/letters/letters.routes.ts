import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams, problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { PrintCardLetterBody, PrintCardLettersBody } from './letters.schemas.ts';
import { printCardLetters } from './letters.service.ts';

/** Routes of the letters area (registered in app.ts under /api/v1). */
export const lettersRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock, config } = app.ctx;
  const deps = { clock, publicUrl: config.publicUrl };

  app.post(
    '/cards/:id/letter',
    {
      schema: {
        operationId: 'printCardLetter',
        tags: ['families'],
        summary: 'The letter to the family with the card, in its language; issues a new family access code',
        security: [{ bearerAuth: [] }],
        params: IdParams,
        body: PrintCardLetterBody.nullish(),
        produces: ['application/pdf'],
        response: { 200: z.any().describe('PDF'), ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: { roles: ['caseworker'] },
    },
    async (request, reply) => {
      const lang = request.body?.lang ?? 'de';
      const pdf = await printCardLetters(db, deps, { cardIds: [request.params.id] }, lang, actorOf(request));
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="brief-${request.params.id}-${lang}.pdf"`)
        .send(pdf);
    },
  );

  app.post(
    '/cards/letters',
    {
      schema: {
        operationId: 'printCardLetters',
        tags: ['families'],
        summary: 'Card letters for many cards (e.g. all cards of an import) in one PDF; issues new family access codes',
        security: [{ bearerAuth: [] }],
        body: PrintCardLettersBody,
        produces: ['application/pdf'],
        response: { 200: z.any().describe('PDF'), ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: { roles: ['caseworker'] },
    },
    async (request, reply) => {
      const lang = request.body.lang ?? 'de';
      const pdf = await printCardLetters(db, deps, request.body, lang, actorOf(request));
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="briefe-${lang}.pdf"`)
        .send(pdf);
    },
  );
};
