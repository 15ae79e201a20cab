import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problems } from '../../lib/http-schemas.ts';
import {
  DateRangeQuery,
  DistrictTakeUpReport,
  LapsedReport,
  ProviderSpendReport,
  ReimbursementReport,
  TakeUpReport,
} from './reports.schemas.ts';
import * as reports from './reports.service.ts';

const REPORT_ROLES = ['accounting', 'admin'] as const;
// CSV is sent as it is (Fastify does not serialise strings); the schema documents it.
const jsonOrCsv = <T extends z.ZodType>(schema: T) =>
  z.union([schema, z.string().meta({ description: 'CSV (format=csv)' })]);

/** Reports without personal data (registered in app.ts under /api/v1). JSON, or CSV with `format=csv`. */
export const reportsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.ctx;
  const security = [{ bearerAuth: [] }];
  const tags = ['reports'];

  app.get(
    '/reports/reimbursement',
    {
      schema: {
        operationId: 'getReimbursementReport',
        tags,
        summary: 'Paid amounts by payment date × legal basis × cost bearer (federal refund is cash based)',
        security,
        querystring: DateRangeQuery,
        response: { 200: jsonOrCsv(ReimbursementReport), ...problems(400, 401, 403, 429) },
      },
      config: { roles: REPORT_ROLES },
    },
    async (request, reply) => {
      const { from, to, format, codes } = request.query;
      const report = await reports.reimbursementReport(db, from, to);
      if (format === 'csv') {
        return reply.type('text/csv; charset=utf-8').send(await reports.reimbursementCsv(db, report, codes));
      }
      return report;
    },
  );

  app.get(
    '/reports/take-up-by-district',
    {
      schema: {
        operationId: 'getDistrictTakeUpReport',
        tags,
        summary:
          'Take-up per district and benefit type: children with a booking / with an approval; counts under 5 shown as "< 5"',
        security,
        querystring: DateRangeQuery,
        response: { 200: jsonOrCsv(DistrictTakeUpReport), ...problems(400, 401, 403, 429) },
      },
      // Casework plans the outreach; never providers.
      config: { roles: ['caseworker', ...REPORT_ROLES] },
    },
    async (request, reply) => {
      const { from, to, format, codes } = request.query;
      const report = await reports.districtTakeUpReport(db, from, to);
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(reports.districtTakeUpCsv(report, codes));
      return report;
    },
  );

  app.get(
    '/reports/take-up',
    {
      schema: {
        operationId: 'getTakeUpReport',
        tags,
        summary: 'Take-up per benefit type and month: children with a booking / children with an approval',
        security,
        querystring: DateRangeQuery,
        response: { 200: jsonOrCsv(TakeUpReport), ...problems(400, 401, 403, 429) },
      },
      config: { roles: REPORT_ROLES },
    },
    async (request, reply) => {
      const { from, to, format, codes } = request.query;
      const report = await reports.takeUpReport(db, from, to);
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(reports.takeUpCsv(report, codes));
      return report;
    },
  );

  app.get(
    '/reports/provider-spend',
    {
      schema: {
        operationId: 'getProviderSpendReport',
        tags,
        summary: 'Spend per provider and benefit type by service date',
        security,
        querystring: DateRangeQuery,
        response: { 200: jsonOrCsv(ProviderSpendReport), ...problems(400, 401, 403, 429) },
      },
      config: { roles: REPORT_ROLES },
    },
    async (request, reply) => {
      const { from, to, format, codes } = request.query;
      const report = await reports.providerSpendReport(db, from, to);
      if (format === 'csv') {
        return reply.type('text/csv; charset=utf-8').send(reports.providerSpendCsv(report, codes));
      }
      return report;
    },
  );

  app.get(
    '/reports/lapsed',
    {
      schema: {
        operationId: 'getLapsedReport',
        tags,
        summary: 'Lapsed budgets (Verfall) per month × benefit type × legal basis × cost bearer',
        security,
        querystring: DateRangeQuery,
        response: { 200: jsonOrCsv(LapsedReport), ...problems(400, 401, 403, 429) },
      },
      config: { roles: REPORT_ROLES },
    },
    async (request, reply) => {
      const { from, to, format, codes } = request.query;
      const report = await reports.lapsedReport(db, from, to);
      if (format === 'csv') {
        return reply.type('text/csv; charset=utf-8').send(await reports.lapsedCsv(db, report, codes));
      }
      return report;
    },
  );
};
