import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Cents, IsoDate, IsoTimestamp, problems } from '../../lib/http-schemas.ts';
import { publicJwks } from '../../lib/keys.ts';
import { renderPeriodProofPdf } from './period-proof.pdf.ts';
import { getPeriodProof } from './period-proof.service.ts';

const Figures = {
  openingRemainingCents: Cents,
  approvedCents: Cents,
  bookedCents: Cents,
  reversedCents: Cents,
  lapsedCents: Cents.describe('0 until lapse entries exist'),
  closingRemainingCents: Cents.describe('= opening + approved − booked + reversed − lapsed, to the cent'),
  settledCents: Cents.describe('Net of the settlement lines of runs for the period (cutoff − 1 day in the period)'),
  paidCents: Cents.describe("Batches paid in the period, by the bank's value date"),
};

export const PeriodProofPayloadSchema = z
  .object({
    from: IsoDate,
    to: IsoDate,
    generatedAt: IsoTimestamp,
    ...Figures,
    byLegalBasis: z.array(z.object({ legalBasis: z.string(), costBearer: z.string().nullable(), ...Figures })),
    auditChainHead: z.object({ chainSeq: z.number().int(), hash: z.string().describe('sha256, hex') }),
  })
  .meta({ id: 'PeriodProofPayload' });

const PeriodProofSchema = z
  .object({
    payload: PeriodProofPayloadSchema,
    jws: z.string().describe('Compact EdDSA JWS whose payload is exactly `payload` (keys: /.well-known/jwks.json)'),
  })
  .meta({ id: 'PeriodProof' });

const PeriodProofQuery = z
  .object({
    from: IsoDate,
    to: IsoDate,
    format: z.enum(['json', 'pdf']).default('json').describe('json (default) or pdf (German, for the audit office)'),
  })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] });

const Jwks = z
  .object({
    keys: z.array(
      z.object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string(), use: z.string() }),
    ),
  })
  .meta({ id: 'JsonWebKeySet' });

/** The signed period proof (registered in app.ts under /api/v1). */
export const periodProofRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, keys, clock } = app.ctx;
  app.get(
    '/reports/period-proof',
    {
      schema: {
        operationId: 'getPeriodProof',
        tags: ['reports'],
        summary:
          'Signed proof of a period, recomputed from the ledger: budget identity, settled, paid, audit chain head',
        security: [{ bearerAuth: [] }],
        querystring: PeriodProofQuery,
        response: {
          200: z.union([PeriodProofSchema, z.any().meta({ type: 'string', format: 'binary', description: 'PDF' })]),
          ...problems(400, 401, 403, 429),
        },
      },
      config: { roles: ['accounting', 'admin'] },
    },
    async (request, reply) => {
      const { from, to, format } = request.query;
      const proof = await getPeriodProof(db, keys.proof, { from, to }, clock);
      if (format === 'pdf') {
        const pdf = await renderPeriodProofPdf(proof.payload, proof.jws, keys.proof.signer.kid);
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="Periodennachweis-${from}-bis-${to}.pdf"`)
          .send(pdf);
      }
      return proof;
    },
  );
};

/** Public keys that verify period proofs, by `kid` (no token: auditors check offline). */
export const wellKnownRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        operationId: 'getJwks',
        tags: ['reports'],
        summary: 'Public keys (JWK Set) that verify signed period proofs',
        response: { 200: Jwks },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return publicJwks(app.ctx.keys.proof);
    },
  );
};
