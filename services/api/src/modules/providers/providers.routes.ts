import { berlinDate } from '@tk/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IdParams, problems } from '../../lib/http-schemas.ts';
import { TooManyAttempts } from '../../lib/problems.ts';
import { actorOf } from '../../plugins/auth.ts';
import { decideMealPrice, proposeMealPrice } from './providers.meal-prices.ts';
import { registerProvider } from './providers.registration.ts';
import {
  CreateProviderBody,
  ListProvidersQuery,
  MealPriceProposalSchema,
  ProposalParams,
  ProposeMealPriceBody,
  ProviderList,
  ProviderRegistrationSchema,
  ProviderSchema,
  ProviderWithWarningsSchema,
  RegisterProviderBody,
  SuspendProviderBody,
  UpdateProviderBody,
} from './providers.schemas.ts';
import * as providersService from './providers.service.ts';

/** Routes of the providers area (registered in app.ts under /api/v1). */
export const providersRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app.ctx;
  const security = [{ bearerAuth: [] }];
  const tags = ['providers'];
  const today = () => berlinDate(clock.now());

  app.post(
    '/providers',
    {
      schema: {
        operationId: 'createProvider',
        tags,
        summary: 'Register a provider (status pending; another admin approves)',
        security,
        body: CreateProviderBody,
        response: { 201: ProviderWithWarningsSchema, ...problems(400, 401, 403, 409, 422, 429) },
      },
      config: { roles: ['admin'] },
    },
    async (request, reply) =>
      reply.code(201).send(await providersService.createProvider(db, request.body, actorOf(request), clock)),
  );

  app.post(
    '/public/provider-registrations',
    {
      schema: {
        operationId: 'registerProvider',
        tags,
        summary: 'A provider registers itself (pending until a city admin approves it)',
        body: RegisterProviderBody,
        response: { 201: ProviderRegistrationSchema, ...problems(400, 409, 429) },
      },
    },
    async (request, reply) => {
      try {
        const registration = await registerProvider(
          db,
          request.body,
          { address: request.ip, requestId: request.id },
          clock,
        );
        return reply.code(201).send(registration);
      } catch (err) {
        if (err instanceof TooManyAttempts) reply.header('retry-after', String(err.retryAfterSeconds));
        throw err;
      }
    },
  );

  app.get(
    '/providers',
    {
      schema: {
        operationId: 'listProviders',
        tags,
        security,
        querystring: ListProvidersQuery,
        response: { 200: ProviderList, ...problems(400, 401, 403, 429) },
      },
      config: { roles: ['admin', 'caseworker', 'accounting'] },
    },
    async (request) => ({ items: await providersService.listProviders(db, request.query, today()) }),
  );

  app.get(
    '/providers/:id',
    {
      schema: {
        operationId: 'getProvider',
        tags,
        summary: 'One provider (provider users: only their own)',
        security,
        params: IdParams,
        response: { 200: ProviderWithWarningsSchema, ...problems(400, 401, 403, 404, 429) },
      },
      config: { roles: ['admin', 'caseworker', 'accounting', 'provider_admin', 'provider_staff'] },
    },
    async (request) => providersService.getProvider(db, request.params.id, actorOf(request), today()),
  );

  app.patch(
    '/providers/:id',
    {
      schema: {
        operationId: 'updateProvider',
        tags,
        summary:
          'Change a provider (provider admins: contact, address, listing, bank data of their own); bank data changes wait for an admin',
        security,
        params: IdParams,
        body: UpdateProviderBody,
        response: { 200: ProviderWithWarningsSchema, ...problems(400, 401, 403, 404, 409, 422, 429) },
      },
      config: { roles: ['admin', 'provider_admin'] },
    },
    async (request) => providersService.updateProvider(db, request.params.id, request.body, actorOf(request), clock),
  );

  app.post(
    '/providers/:id/approve',
    {
      schema: {
        operationId: 'approveProvider',
        tags,
        summary: 'Approve a provider; not by the admin who last changed its bank data',
        security,
        params: IdParams,
        response: { 200: ProviderSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: { roles: ['admin'] },
    },
    async (request) => providersService.approveProvider(db, request.params.id, actorOf(request), clock),
  );

  app.post(
    '/providers/:id/suspend',
    {
      schema: {
        operationId: 'suspendProvider',
        tags,
        summary: 'Suspend a provider (its terminals stop redeeming)',
        security,
        params: IdParams,
        body: SuspendProviderBody.nullish(),
        response: { 200: ProviderSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: { roles: ['admin'] },
    },
    async (request) =>
      providersService.suspendProvider(db, request.params.id, request.body?.reason, actorOf(request), clock),
  );

  app.post(
    '/providers/:id/meal-price-proposals',
    {
      schema: {
        operationId: 'proposeMealPrice',
        tags,
        summary: 'A provider admin proposes a meal price; it counts once an admin confirms it',
        security,
        params: IdParams,
        body: ProposeMealPriceBody,
        response: { 201: MealPriceProposalSchema, ...problems(400, 401, 403, 404, 422, 429) },
      },
      config: { roles: ['provider_admin'] },
    },
    async (request, reply) =>
      reply.code(201).send(await proposeMealPrice(db, request.params.id, request.body, actorOf(request), today())),
  );

  for (const [verb, decision] of [
    ['confirm', 'confirmed'],
    ['reject', 'rejected'],
  ] as const) {
    app.post(
      `/providers/:id/meal-price-proposals/:proposalId/${verb}`,
      {
        schema: {
          operationId: `${verb}MealPrice`,
          tags,
          summary:
            decision === 'confirmed'
              ? 'Confirm a proposed meal price (within the city cap)'
              : 'Reject a proposed meal price',
          security,
          params: ProposalParams,
          response: { 200: ProviderSchema, ...problems(400, 401, 403, 404, 409, 422, 429) },
        },
        config: { roles: ['admin'] },
      },
      async (request) =>
        decideMealPrice(db, request.params.id, request.params.proposalId, decision, actorOf(request), today()),
    );
  }
};
