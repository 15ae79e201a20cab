import { berlinDate } from '@tk/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IdParams, problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { runLapse } from '../bookings/bookings.service.ts';
import { recordApprovalRead, recordReads } from '../privacy/access-log.service.ts';
import {
  AmendApprovalBody,
  ApprovalSchema,
  ApprovalWithHistorySchema,
  BeneficiaryPage,
  BeneficiarySchema,
  CreateApprovalBody,
  CreateBeneficiaryBody,
  CreatedBeneficiarySchema,
  LapseRunSchema,
  RevokeApprovalBody,
  RunLapseBody,
  SearchBeneficiariesQuery,
  UpdateBeneficiaryBody,
} from './beneficiaries.schemas.ts';
import * as service from './beneficiaries.service.ts';
import { updateBeneficiary } from './beneficiaries.update.ts';

/** Routes of the beneficiaries area: children and their approvals (registered in app.ts under /api/v1). */
export const beneficiariesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app.ctx;
  const security = [{ bearerAuth: [] }];
  const today = () => berlinDate(clock.now());
  const write = { roles: ['caseworker'] as const };
  // Need-to-know (api-v1.md): admins run the system, only caseworkers read a child's personal data.
  const read = { roles: ['caseworker'] as const };

  app.post(
    '/beneficiaries',
    {
      schema: {
        operationId: 'createBeneficiary',
        tags: ['beneficiaries'],
        summary: 'Record a child',
        security,
        body: CreateBeneficiaryBody,
        response: { 201: CreatedBeneficiarySchema, ...problems(400, 401, 403, 409, 429) },
      },
      config: write,
    },
    async (request, reply) =>
      reply.code(201).send(await service.createBeneficiary(db, request.body, actorOf(request), today())),
  );

  app.get(
    '/beneficiaries',
    {
      schema: {
        operationId: 'searchBeneficiaries',
        tags: ['beneficiaries'],
        summary: 'Search children by name or case reference (paginated)',
        security,
        querystring: SearchBeneficiariesQuery,
        response: { 200: BeneficiaryPage, ...problems(400, 401, 403, 429) },
      },
      config: read,
    },
    async (request) => {
      const page = await service.searchBeneficiaries(db, request.query);
      // Read audit: every child on the result page, in one statement.
      await recordReads(
        db,
        actorOf(request),
        clock,
        'search',
        page.items.map((b) => b.id),
      );
      return page;
    },
  );

  app.get(
    '/beneficiaries/:id',
    {
      schema: {
        operationId: 'getBeneficiary',
        tags: ['beneficiaries'],
        summary: 'The child page: child, approvals with balances, cards',
        security,
        params: IdParams,
        response: { 200: BeneficiarySchema, ...problems(400, 401, 403, 404, 429) },
      },
      config: read,
    },
    async (request) => {
      const [child] = await Promise.all([
        service.getBeneficiary(db, request.params.id, today()),
        recordReads(db, actorOf(request), clock, 'view', [request.params.id]),
      ]);
      return child;
    },
  );

  app.patch(
    '/beneficiaries/:id',
    {
      schema: {
        operationId: 'updateBeneficiary',
        tags: ['beneficiaries'],
        summary: "Correct a child's master data (history kept; birth-date budgets follow as amendments)",
        security,
        params: IdParams,
        body: UpdateBeneficiaryBody,
        response: { 200: BeneficiarySchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: write,
    },
    async (request) => updateBeneficiary(db, request.params.id, request.body, actorOf(request), today()),
  );

  app.post(
    '/beneficiaries/:id/approvals',
    {
      schema: {
        operationId: 'createApproval',
        tags: ['approvals'],
        summary: 'Record an approval (Bewilligung) for a child',
        security,
        params: IdParams,
        body: CreateApprovalBody,
        response: { 201: ApprovalSchema, ...problems(400, 401, 403, 404, 409, 422, 429) },
      },
      config: write,
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await service.createApproval(db, request.params.id, request.body, actorOf(request), today())),
  );

  app.get(
    '/approvals/:id',
    {
      schema: {
        operationId: 'getApproval',
        tags: ['approvals'],
        summary: 'One approval with its append-only history',
        security,
        params: IdParams,
        response: { 200: ApprovalWithHistorySchema, ...problems(400, 401, 403, 404, 429) },
      },
      config: read,
    },
    async (request) => {
      const [approval] = await Promise.all([
        service.getApproval(db, request.params.id, today()),
        recordApprovalRead(db, actorOf(request), clock, request.params.id),
      ]);
      return approval;
    },
  );

  app.patch(
    '/approvals/:id',
    {
      schema: {
        operationId: 'amendApproval',
        tags: ['approvals'],
        summary: 'Amend an approval; the budget is recomputed and never drops below what is booked',
        security,
        params: IdParams,
        body: AmendApprovalBody,
        response: { 200: ApprovalSchema, ...problems(400, 401, 403, 404, 409, 422, 429) },
      },
      config: write,
    },
    async (request) => service.amendApproval(db, request.params.id, request.body, actorOf(request), today()),
  );

  app.post(
    '/approvals/:id/revoke',
    {
      schema: {
        operationId: 'revokeApproval',
        tags: ['approvals'],
        summary: 'Revoke an approval (Aufhebung) from an effective date',
        security,
        params: IdParams,
        body: RevokeApprovalBody,
        response: { 200: ApprovalSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: write,
    },
    async (request) => service.revokeApproval(db, request.params.id, request.body, actorOf(request), clock),
  );

  app.post(
    '/approvals/lapse-runs',
    {
      schema: {
        operationId: 'runLapse',
        tags: ['approvals'],
        summary: 'Lapse the remaining budget of every approval whose last booking day has passed (Verfall)',
        security,
        body: RunLapseBody,
        response: { 201: LapseRunSchema, ...problems(400, 401, 403, 429) },
      },
      config: { roles: ['accounting', 'admin'] as const },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await runLapse(
            db,
            { asOf: request.body?.asOf, triggeredBy: actorOf(request).userId ?? 'api' },
            actorOf(request),
            clock,
          ),
        ),
  );
};
