import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { InvalidBankStatement } from './bank-statements.errors.ts';
import { BankStatementList, BankStatementResultSchema } from './bank-statements.schemas.ts';
import { importBankStatement, listBankStatements } from './settlement.bank-statements.ts';

const STATEMENT_BODY_LIMIT = 20 * 1024 * 1024;

/** Bank reconciliation routes (registered in app.ts under /api/v1). */
export const bankStatementsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app.ctx;
  const security = [{ bearerAuth: [] }];
  const tags = ['settlement'];

  // Scoped to this plugin: only the statement upload accepts XML, as text (the service parses it).
  app.addContentTypeParser(
    ['application/xml', 'text/xml'],
    { parseAs: 'string', bodyLimit: STATEMENT_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/settlements/bank-statements',
    {
      bodyLimit: STATEMENT_BODY_LIMIT,
      schema: {
        operationId: 'importBankStatement',
        tags,
        summary: 'Reconcile a camt.054 / camt.053 document from the bank with the exported payment files',
        description:
          'Body: the camt.054.001.08 or camt.053.001.08 document (also .001.02), `Content-Type: application/xml`. ' +
          'The same document again answers 200 with the first result and applies nothing.',
        security,
        consumes: ['application/xml'],
        response: {
          200: BankStatementResultSchema,
          201: BankStatementResultSchema,
          ...problems(400, 401, 403, 413, 415, 429),
        },
      },
      config: { roles: ['accounting'] },
    },
    async (request, reply) => {
      if (typeof request.body !== 'string') throw new InvalidBankStatement('erwartet wird XML (application/xml).');
      const { replayed, result } = await importBankStatement(db, request.body, actorOf(request), clock);
      return reply.code(replayed ? 200 : 201).send(result);
    },
  );

  app.get(
    '/settlements/bank-statements',
    {
      schema: {
        operationId: 'listBankStatements',
        tags,
        security,
        response: { 200: BankStatementList, ...problems(401, 403, 429) },
      },
      config: { roles: ['accounting'] },
    },
    async () => ({ items: await listBankStatements(db) }),
  );
};
