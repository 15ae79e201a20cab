import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdempotencyHeaders, IdParams, problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { getBookingListConfig, paymentFileBookingsCsv, saveBookingListConfig } from './settlement.booking-list.ts';
import {
  createPaymentFile,
  getPaymentFile,
  getPaymentFileXml,
  listPaymentFiles,
  markPaymentFilePaid,
} from './settlement.payment-files.ts';
import { runSettlement } from './settlement.run.ts';
import {
  BatchList,
  BatchSchema,
  BatchWithLinesSchema,
  BookingListConfigSchema,
  BookingsCsvQuery,
  CreatePaymentFileBody,
  GetBatchQuery,
  ListBatchesQuery,
  ListRunsQuery,
  MarkPaidBody,
  PaymentFileList,
  PaymentFileSchema,
  ReverseRedemptionBody,
  ReverseRedemptionResult,
  RunSettlementBody,
  SaveBookingListConfigBody,
  SettlementRunList,
  SettlementRunSchema,
} from './settlement.schemas.ts';
import * as service from './settlement.service.ts';
import { renderBatchStatement } from './settlement.statement.ts';

const ACCOUNTING = ['accounting'] as const;
const BATCH_READERS = ['accounting', 'provider_admin', 'provider_staff'] as const;
// Files are sent as they are (Fastify does not serialise strings and buffers); the schema documents them.
const binary = (description: string) => z.any().meta({ description, type: 'string', format: 'binary' });

/** Routes of the settlement area (registered in app.ts under /api/v1). */
export const settlementRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app.ctx;
  const security = [{ bearerAuth: [] }];
  const tags = ['settlement'];

  app.post(
    '/settlements/runs',
    {
      schema: {
        operationId: 'runSettlement',
        tags,
        summary: 'Settle everything booked before 00:00 Europe/Berlin of the cutoff date (the nightly job, by hand)',
        security,
        body: RunSettlementBody,
        response: { 201: SettlementRunSchema, ...problems(400, 401, 403, 422, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const run = await runSettlement(
        db,
        { cutoffDate: request.body?.cutoffDate, triggeredBy: actor.userId ?? 'unknown' },
        clock,
        actor,
      );
      return reply.code(201).send(run);
    },
  );

  app.get(
    '/settlements/runs',
    {
      schema: {
        operationId: 'listSettlementRuns',
        tags,
        security,
        querystring: ListRunsQuery,
        response: { 200: SettlementRunList, ...problems(400, 401, 403, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request) => ({ items: await service.listRuns(db, request.query.limit) }),
  );

  app.get(
    '/settlements/batches',
    {
      schema: {
        operationId: 'listBatches',
        tags,
        summary: 'Settlement batches; provider users see only their own',
        security,
        querystring: ListBatchesQuery,
        response: { 200: BatchList, ...problems(400, 401, 403, 429) },
      },
      config: { roles: BATCH_READERS },
    },
    async (request) => service.listBatches(db, actorOf(request), request.query),
  );

  app.get(
    '/settlements/batches/:id',
    {
      schema: {
        operationId: 'getBatch',
        tags,
        security,
        params: IdParams,
        querystring: GetBatchQuery,
        response: { 200: BatchWithLinesSchema, ...problems(400, 401, 403, 404, 429) },
      },
      config: { roles: BATCH_READERS },
    },
    async (request) => service.getBatch(db, request.params.id, actorOf(request), request.query),
  );

  app.get(
    '/settlements/batches/:id/statement.pdf',
    {
      schema: {
        operationId: 'getBatchStatement',
        tags,
        summary: "The provider's statement (Gutschrift) as PDF",
        security,
        params: IdParams,
        response: { 200: binary('PDF (application/pdf)'), ...problems(400, 401, 403, 404, 429) },
      },
      config: { roles: BATCH_READERS },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const batch = await service.findBatch(db, request.params.id, actor);
      const pdf = await renderBatchStatement(db, request.params.id, actor);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="Gutschrift-${batch.number}.pdf"`)
        .send(pdf);
    },
  );

  app.post(
    '/settlements/batches/:id/certify',
    {
      schema: {
        operationId: 'certifyBatch',
        tags,
        summary: 'Sachlich und rechnerisch richtig: open → certified',
        security,
        params: IdParams,
        response: { 200: BatchSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request) => service.certifyBatch(db, request.params.id, actorOf(request), clock),
  );

  app.post(
    '/settlements/batches/:id/release',
    {
      schema: {
        operationId: 'releaseBatch',
        tags,
        summary: 'Anordnung by a second accounting user: certified → released',
        security,
        params: IdParams,
        response: { 200: BatchSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request) => service.releaseBatch(db, request.params.id, actorOf(request), clock),
  );

  app.post(
    '/settlements/batches/:id/paid',
    {
      schema: {
        operationId: 'markBatchPaid',
        tags,
        summary: "Record that an exported batch was paid on the bank's value date: exported → paid",
        security,
        params: IdParams,
        body: MarkPaidBody,
        response: { 200: BatchSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request) => service.markBatchPaid(db, request.params.id, request.body ?? {}, actorOf(request), clock),
  );

  app.post(
    '/settlements/payment-files',
    {
      schema: {
        operationId: 'createPaymentFile',
        tags,
        summary: 'SEPA credit transfer file (pain.001.001.09) from released batches; they become exported',
        security,
        body: CreatePaymentFileBody,
        response: { 201: PaymentFileSchema, ...problems(400, 401, 403, 404, 409, 422, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request, reply) => reply.code(201).send(await createPaymentFile(db, request.body, actorOf(request), clock)),
  );

  app.get(
    '/settlements/payment-files',
    {
      schema: {
        operationId: 'listPaymentFiles',
        tags,
        security,
        response: { 200: PaymentFileList, ...problems(400, 401, 403, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async () => ({ items: await listPaymentFiles(db) }),
  );

  app.get(
    '/settlements/payment-files/:id',
    {
      schema: {
        operationId: 'getPaymentFile',
        tags,
        security,
        params: IdParams,
        response: { 200: PaymentFileSchema, ...problems(400, 401, 403, 404, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request) => getPaymentFile(db, request.params.id),
  );

  app.post(
    '/settlements/payment-files/:id/paid',
    {
      schema: {
        operationId: 'markPaymentFilePaid',
        tags,
        summary: 'Record that the bank executed the file: its exported batches become paid',
        security,
        params: IdParams,
        body: MarkPaidBody,
        response: { 200: PaymentFileSchema, ...problems(400, 401, 403, 404, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request) => markPaymentFilePaid(db, request.params.id, request.body ?? {}, actorOf(request), clock),
  );

  app.get(
    '/settlements/payment-files/:id/sepa.xml',
    {
      schema: {
        operationId: 'getPaymentFileSepa',
        tags,
        summary: 'The pain.001.001.09 XML as exported',
        security,
        params: IdParams,
        response: { 200: binary('pain.001.001.09 XML (application/xml)'), ...problems(400, 401, 403, 404, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request, reply) => {
      const file = await getPaymentFileXml(db, request.params.id);
      return reply
        .type('application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${file.messageId}.xml"`)
        .send(file.xml);
    },
  );

  app.get(
    '/settlements/payment-files/:id/bookings.csv',
    {
      schema: {
        operationId: 'getPaymentFileBookings',
        tags,
        summary: 'Booking list for the finance software: batch × legal basis × cost bearer × benefit type',
        security,
        params: IdParams,
        querystring: BookingsCsvQuery,
        response: { 200: binary('CSV (text/csv; German Excel defaults)'), ...problems(400, 401, 403, 404, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request, reply) => {
      const { messageId, csv } = await paymentFileBookingsCsv(db, request.params.id, request.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="Buchungsliste-${messageId}.csv"`)
        .send(csv);
    },
  );

  app.get(
    '/settlements/booking-list-config',
    {
      schema: {
        operationId: 'getBookingListConfig',
        tags,
        summary: 'The booking list layout in force: columns (order, headers) and cost centre/account mapping',
        security,
        response: { 200: BookingListConfigSchema, ...problems(401, 403, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async () => getBookingListConfig(db),
  );

  app.put(
    '/settlements/booking-list-config',
    {
      schema: {
        operationId: 'saveBookingListConfig',
        tags,
        summary: 'Save a new version of the booking list layout; every later booking list uses it (audited)',
        security,
        body: SaveBookingListConfigBody,
        response: { 200: BookingListConfigSchema, ...problems(400, 401, 403, 429) },
      },
      config: { roles: ACCOUNTING },
    },
    async (request) => saveBookingListConfig(db, request.body, actorOf(request), clock),
  );

  app.post(
    '/settlements/redemptions/:id/reverse',
    {
      schema: {
        operationId: 'reverseRedemptionByCity',
        tags,
        summary: 'City-side reversal with a recorded reason (a correction in the next batch once settled)',
        security,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ReverseRedemptionBody,
        response: { 200: ReverseRedemptionResult, ...problems(400, 401, 403, 404, 409, 422, 429) },
      },
      config: { roles: ['accounting', 'admin'] },
    },
    async (request) =>
      service.reverseRedemptionByCity(
        db,
        {
          redemptionId: request.params.id,
          reason: request.body.reason,
          idempotencyKey: request.headers['idempotency-key'],
        },
        actorOf(request),
        clock,
      ),
  );
};
