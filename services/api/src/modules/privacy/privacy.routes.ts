import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams, problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { getSettings } from '../catalogue/catalogue.service.ts';
import { accessLogOf } from './access-log.service.ts';
import { renderDataExportPdf } from './data-export.pdf.ts';
import { exportBeneficiaryData } from './data-export.service.ts';
import { AccessLogPage, AccessLogQuery, DataExportQuery, DataExportSchema } from './privacy.schemas.ts';

/** Routes of the privacy area: the Art. 15 export and the child's access log (registered under /api/v1). */
export const privacyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app.ctx;
  const security = [{ bearerAuth: [] }];
  // Need-to-know (api-v1.md): only caseworkers read a child's data; admins get 403.
  const caseworker = { roles: ['caseworker'] as const };

  app.get(
    '/beneficiaries/:id/data-export',
    {
      schema: {
        operationId: 'exportBeneficiaryData',
        tags: ['beneficiaries'],
        summary:
          'Everything held about the child, for the family (Art. 15 GDPR): JSON, or with format=pdf a German PDF',
        security,
        params: IdParams,
        querystring: DataExportQuery,
        produces: ['application/json', 'application/pdf'],
        response: {
          200: z.union([
            DataExportSchema,
            z.any().meta({ description: 'PDF (application/pdf, format=pdf)', type: 'string', format: 'binary' }),
          ]),
          ...problems(400, 401, 403, 404, 429),
        },
      },
      config: caseworker,
    },
    async (request, reply) => {
      const data = await exportBeneficiaryData(db, request.params.id, actorOf(request), clock);
      reply.header('cache-control', 'no-store');
      if (request.query.format !== 'pdf') return data;
      const { cityName } = await getSettings(db);
      const pdf = await renderDataExportPdf(data, { cityName, generatedAt: clock.now().toISOString() });
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="auskunft-${data.beneficiary.id}.pdf"`)
        .send(pdf);
    },
  );

  app.get(
    '/beneficiaries/:id/access-log',
    {
      schema: {
        operationId: 'getAccessLog',
        tags: ['beneficiaries'],
        summary: 'The child’s access log (Zugriffsprotokoll): who read the child’s data, when, and how',
        security,
        params: IdParams,
        querystring: AccessLogQuery,
        response: { 200: AccessLogPage, ...problems(400, 401, 403, 404, 429) },
      },
      config: caseworker,
    },
    async (request) => {
      const { page, pageSize } = request.query;
      return { ...(await accessLogOf(db, request.params.id, { page, pageSize })), page, pageSize };
    },
  );
};
