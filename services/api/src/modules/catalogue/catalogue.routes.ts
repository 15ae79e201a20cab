import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problems } from '../../lib/http-schemas.ts';
import { NotFound } from '../../lib/problems.ts';
import { actorOf } from '../../plugins/auth.ts';
import { LOGO_MAX_BYTES } from './catalogue.logo.ts';
import {
  AddBenefitRateBody,
  BenefitRateSchema,
  CatalogueSchema,
  CityLogoSchema,
  CitySettingsSchema,
  UpdateCitySettingsBody,
} from './catalogue.schemas.ts';
import * as catalogueService from './catalogue.service.ts';

/** Room above the logo limit, so that a too large file gets the 400 `logo_too_large` with its size. */
const LOGO_BODY_LIMIT = 8 * LOGO_MAX_BYTES;

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

  // The logo upload takes the raw file under any media type (scoped to this child plugin): the service
  // decides PNG or SVG by the content and answers a wrong type with a 400 problem, not a bare 415.
  await app.register(async (child) => {
    child.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: LOGO_BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );
    child.put(
      '/catalogue/settings/logo',
      {
        bodyLimit: LOGO_BODY_LIMIT,
        schema: {
          operationId: 'uploadCityLogo',
          tags,
          summary: 'Upload the city logo (PNG or SVG, at most 512 KiB and 4000 × 4000 pixels)',
          description:
            'Body: the file itself (`Content-Type: image/png` or `image/svg+xml`). An SVG may not contain scripts, event handlers, foreign objects or links to other files; it is rendered to PNG for the PDFs.',
          security,
          consumes: ['image/png', 'image/svg+xml'],
          response: { 200: CityLogoSchema, ...problems(400, 401, 403, 413, 429) },
        },
        config: { roles: ['admin'] },
      },
      async (request) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        return catalogueService.setCityLogo(db, body, actorOf(request), clock);
      },
    );
  });

  app.get(
    '/catalogue/settings/logo',
    {
      schema: {
        operationId: 'getCityLogo',
        tags,
        summary: 'The city logo as uploaded (PNG or SVG); 404 when there is none',
        security,
        produces: ['image/png', 'image/svg+xml'],
        response: { 200: z.any().describe('PNG or SVG image'), ...problems(401, 403, 404, 429) },
      },
      config: { roles: ['admin', 'caseworker', 'accounting'] },
    },
    async (_request, reply) => {
      const logo = await catalogueService.getCityLogo(db);
      if (!logo) throw new NotFound('The city has no logo.');
      return (
        reply
          .type(logo.contentType)
          // An SVG opened on its own stays inert: no scripts, no loads from anywhere.
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'no-cache')
          .send(logo.original)
      );
    },
  );

  app.delete(
    '/catalogue/settings/logo',
    {
      schema: {
        operationId: 'deleteCityLogo',
        tags,
        summary: 'Remove the city logo; the documents show the city’s initial instead',
        security,
        response: { 204: z.null().describe('Removed'), ...problems(401, 403, 429) },
      },
      config: { roles: ['admin'] },
    },
    async (request, reply) => {
      await catalogueService.deleteCityLogo(db, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};
