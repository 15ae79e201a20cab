import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams, problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { recordCardReads } from '../privacy/access-log.service.ts';
import { qrPng, qrSvg } from './cards.render.ts';
import {
  BlockCardBody,
  CardSchema,
  FamilyAccessCodeResponse,
  IssueCardResponse,
  PrintSheetBody,
  ReplaceCardBody,
  ReplaceCardResponse,
  ResignCardsBody,
  ResignCardsResponse,
} from './cards.schemas.ts';
import * as service from './cards.service.ts';

const Binary = (description: string) => z.any().describe(description);

/** Routes of the cards area (registered in app.ts under /api/v1). */
export const cardsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, keys, clock } = app.ctx;
  const security = [{ bearerAuth: [] }];
  const tags = ['cards'];
  const caseworker = { roles: ['caseworker'] as const };
  // Need-to-know (api-v1.md): admins run the system, only caseworkers read a child's personal data.
  const read = { roles: ['caseworker'] as const };

  app.post(
    '/beneficiaries/:id/cards',
    {
      schema: {
        operationId: 'issueCard',
        tags,
        summary: 'Issue the child’s card (one active card per child)',
        security,
        params: IdParams,
        response: { 201: IssueCardResponse, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: caseworker,
    },
    async (request, reply) =>
      reply
        .code(201)
        .header('cache-control', 'no-store')
        .send(await service.issueCard(db, keys.card, request.params.id, actorOf(request), clock)),
  );

  app.get(
    '/cards/:id',
    {
      schema: {
        operationId: 'getCard',
        tags,
        security,
        params: IdParams,
        response: { 200: CardSchema, ...problems(400, 401, 403, 404, 429) },
      },
      config: read,
    },
    async (request) => {
      const [card] = await Promise.all([
        service.getCard(db, request.params.id),
        recordCardReads(db, actorOf(request), clock, 'card', [request.params.id]),
      ]);
      return card;
    },
  );

  app.get(
    '/cards/:id/qr.svg',
    {
      schema: {
        operationId: 'getCardQr',
        tags,
        summary: 'The QR code of the card’s token as SVG',
        security,
        params: IdParams,
        produces: ['image/svg+xml'],
        response: { 200: Binary('SVG image'), ...problems(400, 401, 403, 404, 429) },
      },
      config: caseworker,
    },
    async (request, reply) => {
      const card = await service.getCard(db, request.params.id);
      return reply
        .type('image/svg+xml')
        .header('cache-control', 'no-store')
        .send(await qrSvg(card.qrToken));
    },
  );

  app.get(
    '/cards/:id/qr.png',
    {
      schema: {
        operationId: 'getCardQrPng',
        tags,
        summary: 'The QR code of the card’s token as PNG',
        security,
        params: IdParams,
        produces: ['image/png'],
        response: { 200: Binary('PNG image'), ...problems(400, 401, 403, 404, 429) },
      },
      config: caseworker,
    },
    async (request, reply) => {
      const card = await service.getCard(db, request.params.id);
      return reply
        .type('image/png')
        .header('cache-control', 'no-store')
        .send(await qrPng(card.qrToken));
    },
  );

  app.get(
    '/cards/:id/print.pdf',
    {
      schema: {
        operationId: 'printCard',
        tags,
        summary: 'The card as PDF in ID-1 size (85.60 × 53.98 mm)',
        security,
        params: IdParams,
        produces: ['application/pdf'],
        response: { 200: Binary('PDF'), ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: caseworker,
    },
    async (request, reply) => {
      const { pdf } = await service.printCards(db, { cardIds: [request.params.id] }, 'id1', actorOf(request), clock);
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="karte-${request.params.id}.pdf"`)
        .send(pdf);
    },
  );

  app.post(
    '/cards/print-sheet',
    {
      schema: {
        operationId: 'printCardSheet',
        tags,
        summary: 'Many cards on A4 sheets (10 per page) as PDF',
        security,
        body: PrintSheetBody,
        produces: ['application/pdf'],
        response: { 200: Binary('PDF'), ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: caseworker,
    },
    async (request, reply) => {
      const { pdf } = await service.printCards(db, request.body, 'a4', actorOf(request), clock);
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('content-disposition', 'inline; filename="karten-a4.pdf"')
        .send(pdf);
    },
  );

  app.post(
    '/cards/print-id1',
    {
      schema: {
        operationId: 'printCardsId1',
        tags,
        summary: 'Many cards for a card printer: one card per page of ID-1 size (85.60 × 53.98 mm) as PDF',
        security,
        body: PrintSheetBody,
        produces: ['application/pdf'],
        response: { 200: Binary('PDF'), ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: caseworker,
    },
    async (request, reply) => {
      const { pdf } = await service.printCards(db, request.body, 'id1', actorOf(request), clock);
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('content-disposition', 'inline; filename="karten-id1.pdf"')
        .send(pdf);
    },
  );

  app.post(
    '/cards/:id/block',
    {
      schema: {
        operationId: 'blockCard',
        tags,
        summary: 'Block a card (lost, stolen, damaged, other); it stops working at once',
        security,
        params: IdParams,
        body: BlockCardBody,
        response: { 200: CardSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: caseworker,
    },
    async (request) => service.blockCard(db, request.params.id, request.body.reason, actorOf(request), clock),
  );

  app.post(
    '/cards/:id/replace',
    {
      schema: {
        operationId: 'replaceCard',
        tags,
        summary: 'Replace an active or blocked card; entitlements stay with the child',
        security,
        params: IdParams,
        body: ReplaceCardBody.nullish(),
        response: { 201: ReplaceCardResponse, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: caseworker,
    },
    async (request, reply) =>
      reply
        .code(201)
        .header('cache-control', 'no-store')
        .send(
          await service.replaceCard(db, keys.card, request.params.id, request.body?.reason, actorOf(request), clock),
        ),
  );

  app.post(
    '/cards/re-sign',
    {
      schema: {
        operationId: 'resignCards',
        tags,
        summary: 'Key rotation: re-sign the QR tokens of active cards signed by a retiring key',
        security,
        body: ResignCardsBody,
        response: { 200: ResignCardsResponse, ...problems(400, 401, 403, 429) },
      },
      config: { roles: ['admin'] },
    },
    async (request) => service.resignCards(db, keys.card, request.body.fromKeyId, actorOf(request)),
  );
  app.post(
    '/cards/:id/family-code',
    {
      schema: {
        operationId: 'resetFamilyAccessCode',
        tags: ['families'],
        summary: 'Issue a new family access code for the card; the previous one stops working',
        security: [{ bearerAuth: [] }],
        params: IdParams,
        response: { 201: FamilyAccessCodeResponse, ...problems(400, 401, 403, 404, 429) },
      },
      config: { roles: ['caseworker'] },
    },
    async (request, reply) =>
      reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({
          familyAccessCode: await service.resetFamilyAccessCode(db, request.params.id, actorOf(request), clock),
        }),
  );
};
