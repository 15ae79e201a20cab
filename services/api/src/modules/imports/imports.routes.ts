import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams, problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { recordReads } from '../privacy/access-log.service.ts';
import { NotCsv } from './imports.errors.ts';
import { ImportedChildList, ImportJobList, ImportJobSchema, ImportQuery } from './imports.schemas.ts';
import * as service from './imports.service.ts';
import { childrenOfImport, importTemplateCsv } from './imports.template.ts';
import { spoolUpload } from './imports.upload.ts';

/** Large exports (400,000 lines ≈ 50 MB) fit; the upload is spooled to disk, not held in memory. */
export const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

/** Routes of the imports area (registered in app.ts under /api/v1). */
export const importsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, keys, clock } = app.ctx;
  const security = [{ bearerAuth: [] }];
  const tags = ['imports'];
  const roles = { roles: ['caseworker'] as const };

  // Scoped to this plugin: only the import routes accept CSV. The body stays a stream (the handler
  // spools it to a temporary file, never holding the file in memory; the service decodes it).
  app.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));

  app.post(
    '/imports',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        operationId: 'createImport',
        tags,
        summary: 'Bulk import of children and approvals from CSV (dry run or import)',
        description:
          'Body: the CSV file (text/csv, `;` separated, UTF-8 with or without BOM). Columns: Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Kostentraeger;Gueltig_ab;Gueltig_bis;Betrag;Stunden;Stundensatz;Anbieter (optional Fach, Bescheid, Stadtbezirk). See ADR 0009.',
        security,
        consumes: ['text/csv'],
        querystring: ImportQuery,
        response: { 201: ImportJobSchema, 202: ImportJobSchema, ...problems(400, 401, 403, 413, 415, 429) },
      },
      config: roles,
    },
    async (request, reply) => {
      if (!(request.body instanceof Readable)) throw new NotCsv();
      const upload = await spoolUpload(request.body, IMPORT_BODY_LIMIT);
      const { mode, issueCards, fileName } = request.query;
      let started: Awaited<ReturnType<typeof service.startImport>>;
      try {
        started = await service.startImport(
          db,
          keys.card,
          upload.source,
          { mode, issueCards, fileName },
          actorOf(request),
          clock,
        );
      } catch (err) {
        await upload.remove();
        throw err;
      }
      const { job } = started;
      const completion = started.completion.finally(() => upload.remove());
      if (request.query.async) {
        completion.catch((err) => request.log.error({ err, importJobId: job.id }, 'import failed'));
        return reply.code(202).send(job);
      }
      return reply.code(201).send(await completion);
    },
  );

  app.get(
    '/imports',
    {
      schema: {
        operationId: 'listImports',
        tags,
        security,
        response: { 200: ImportJobList, ...problems(401, 403, 429) },
      },
      config: roles,
    },
    async () => ({ items: await service.listImports(db) }),
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        operationId: 'getImport',
        tags,
        summary: 'Progress and report of an import (poll while status is running)',
        security,
        params: IdParams,
        response: { 200: ImportJobSchema, ...problems(400, 401, 403, 404, 429) },
      },
      config: roles,
    },
    async (request) => service.getImport(db, request.params.id),
  );

  app.get(
    '/imports/template.csv',
    {
      schema: {
        operationId: 'getImportTemplate',
        tags,
        summary: 'The import template: header and example rows that use every allowed value',
        security,
        response: {
          200: z.any().meta({ description: 'CSV (text/csv)', type: 'string', format: 'binary' }),
          ...problems(401, 403, 429),
        },
      },
      config: roles,
    },
    async (_request, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="teilhabekarte-import-vorlage.csv"')
        .send(await importTemplateCsv(db, clock)),
  );

  app.get(
    '/imports/:id/children',
    {
      schema: {
        operationId: 'listImportChildren',
        tags,
        summary: 'The children an import created, with their cards',
        security,
        params: IdParams,
        response: { 200: ImportedChildList, ...problems(400, 401, 403, 404, 429) },
      },
      config: roles,
    },
    async (request) => {
      const items = await childrenOfImport(db, request.params.id);
      // Read audit: every child whose names and card number are shown (a pseudonymised one shows none).
      await recordReads(
        db,
        actorOf(request),
        clock,
        'list',
        items.filter((c) => c.displayName !== null).map((c) => c.beneficiaryId),
      );
      return { items };
    },
  );
};
