import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import {
  AddBenefitRateBody,
  BenefitRateSchema,
  CatalogueSchema,
  CitySettingsSchema,
  UpdateCitySettingsBody,
} from './catalogue.schemas.ts';
import * as catalogueService from './catalogue.service.ts';

/** Routes of the catalogue area (registered in app.ts under /api/v1). */
export const catalogueRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app.ctx;
  const security = [{ bearerAuth: [] }];
  const tags = ['catalogue'];

  app.get(
    '/catalogue',
    {
      schema: {
        operationId: 'getCatalogue',
        tags,
        summary: 'Benefit types, effective-dated rates, legal bases, cost bearers and city settings',
        security,
        response: { 200: CatalogueSchema, ...problems(401, 403, 429) },
      },
      config: { roles: ['admin', 'caseworker', 'accounting'] },
    },
    async () => catalogueService.getCatalogue(db),
  );

  app.post(
    '/catalogue/rates',
    {
      schema: {
        operationId: 'addBenefitRate',
        tags,
        summary: 'Append an effective-dated rate (append-only; later than the latest rate of its type)',
        security,
        body: AddBenefitRateBody,
        response: { 201: BenefitRateSchema, ...problems(400, 401, 403, 409, 429) },
      },
      config: { roles: ['admin'] },
    },
    async (request, reply) =>
      reply.code(201).send(await catalogueService.addBenefitRate(db, request.body, actorOf(request))),
  );

  app.patch(
    '/catalogue/settings',
    {
      schema: {
        operationId: 'updateCitySettings',
        tags,
        summary: 'Change the city settings (grace period, participation mode, meals per day, meal price cap, debtor)',
        security,
        body: UpdateCitySettingsBody,
        response: { 200: CitySettingsSchema, ...problems(400, 401, 403, 429) },
      },
      config: { roles: ['admin'] },
    },
    async (request) => catalogueService.updateCitySettings(db, request.body, actorOf(request), clock),
  );
};
