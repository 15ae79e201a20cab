import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { type Clock, systemClock } from '@tk/core';
import type { Database, Db } from '@tk/db';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import helmet from 'helmet';
import type { Config } from './config.ts';
import type { KeyRings } from './lib/keys.ts';
import { AccessLogController, logSerializers, redactPaths } from './lib/logging.ts';
import { adminRoutes } from './modules/admin/admin.routes.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { createSessionCheck, type SessionCheck } from './modules/auth/auth.sessions.ts';
import { beneficiariesRoutes } from './modules/beneficiaries/beneficiaries.routes.ts';
import { cardsRoutes } from './modules/cards/cards.routes.ts';
import { catalogueRoutes } from './modules/catalogue/catalogue.routes.ts';
import { familyRoutes } from './modules/family/family.routes.ts';
import { healthRoutes } from './modules/health/health.routes.ts';
import { importsRoutes } from './modules/imports/imports.routes.ts';
import { lettersRoutes } from './modules/letters/letters.routes.ts';
import { outreachRoutes } from './modules/outreach/outreach.routes.ts';
import { privacyRoutes } from './modules/privacy/privacy.routes.ts';
import { providersRoutes } from './modules/providers/providers.routes.ts';
import { publicRoutes } from './modules/public/public.routes.ts';
import { periodProofRoutes, wellKnownRoutes } from './modules/reports/period-proof.routes.ts';
import { reportsRoutes } from './modules/reports/reports.routes.ts';
import { bankStatementsRoutes } from './modules/settlement/bank-statements.routes.ts';
import { settlementRoutes } from './modules/settlement/settlement.routes.ts';
import { terminalRoutes } from './modules/terminal/terminal.routes.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { authPlugin } from './plugins/auth.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { clientErrorProblem, problemPlugin, sendProblem, toProblem } from './plugins/problem.ts';
import { rateLimitPlugin } from './plugins/rate-limit.ts';

export interface AppDeps {
  database: Database;
  keys: KeyRings;
  clock?: Clock;
  /** A pino destination (tests capture log lines through it). */
  logStream?: NodeJS.WritableStream;
}

/** What every module reads: config, the database, the key rings and the clock. */
export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  keys: KeyRings;
  clock: Clock;
  /** Token revocation (logout, password/role change, deactivation), shared by the auth plugin and logout. */
  sessions: SessionCheck;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}

export const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));
const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/**
 * The headers a Node-style middleware sets on a response, recorded by running it once on a stand-in
 * (helmet's: they depend on its options, never on the request).
 */
function recordedHeaders(
  middleware: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void,
): [string, string | number | readonly string[]][] {
  const headers = new Map<string, string | number | readonly string[]>();
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name.toLowerCase(), value),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
    getHeader: (name: string) => headers.get(name.toLowerCase()),
  };
  let failed: unknown;
  middleware({ headers: {}, method: 'GET', url: '/' } as IncomingMessage, res as unknown as ServerResponse, (err) => {
    failed = err;
  });
  if (failed) throw failed;
  return [...headers];
}

/** Builds the API (and the web UI at `/`). It never listens: `server.ts` does, tests use `inject`. */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const logger: FastifyServerOptions['logger'] = {
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: logSerializers,
    ...(deps.logStream ? { stream: deps.logStream } : {}),
  };
  const app = Fastify({
    logger,
    trustProxy: config.trustProxy,
    requestTimeout: config.requestTimeoutMs,
    bodyLimit: 1024 * 1024,
    // Router-level errors (malformed URL encoding, over-long path parameters) are problems too.
    frameworkErrors: (err, request, reply) => {
      sendProblem(reply, request, toProblem(err));
    },
    routerOptions: { maxParamLength: 200 },
    clientErrorHandler: clientErrorProblem,
    // One access line per request instead of Fastify's two (lib/logging.ts).
    logController: new AccessLogController(),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const clock = deps.clock ?? systemClock;
  app.decorate('ctx', {
    config,
    database: deps.database,
    db: deps.database.db,
    keys: deps.keys,
    clock,
    sessions: createSessionCheck(deps.database.db, clock),
  });

  await app.register(problemPlugin);
  // Security headers (helmet). Their values depend on the options only, so helmet runs once here and every
  // request gets the recorded headers: @fastify/helmet called `helmet(options)` anew for every request
  // (≈ 2.6 % of the booking path's CPU, docs/benchmarks.md), the middleware itself twelve calls per request.
  const securityHeaders = recordedHeaders(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          mediaSrc: ["'self'", 'blob:'],
          styleSrc: ["'self'", "'unsafe-inline'"],
        },
      },
    }),
  );
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of securityHeaders) reply.raw.setHeader(name, value);
    done();
  });
  // One synchronous onSend hook for the headers every answer carries (two async hooks cost a promise each).
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    // The terminal reads QR codes with the device camera; nothing else may use it.
    reply.header('permissions-policy', 'camera=(self), microphone=(), geolocation=()');
    done(null, payload);
  });
  await app.register(metricsPlugin, { defaultMetrics: config.env !== 'test', token: config.metricsToken });
  await app.register(openapiPlugin);
  await app.register(authPlugin, { ring: deps.keys.access, clock, sessions: app.ctx.sessions });
  await app.register(rateLimitPlugin, { perMinute: config.rateLimitPerMinute });

  await app.register(healthRoutes);
  await app.register(authRoutes, { prefix: '/api/v1' });
  await app.register(usersRoutes, { prefix: '/api/v1' });
  await app.register(catalogueRoutes, { prefix: '/api/v1' });
  await app.register(providersRoutes, { prefix: '/api/v1' });
  await app.register(beneficiariesRoutes, { prefix: '/api/v1' });
  await app.register(cardsRoutes, { prefix: '/api/v1' });
  await app.register(privacyRoutes, { prefix: '/api/v1' });
  await app.register(familyRoutes, { prefix: '/api/v1' });
  await app.register(lettersRoutes, { prefix: '/api/v1' });
  await app.register(publicRoutes, { prefix: '/api/v1' });
  await app.register(importsRoutes, { prefix: '/api/v1' });
  await app.register(terminalRoutes, { prefix: '/api/v1' });
  await app.register(settlementRoutes, { prefix: '/api/v1' });
  await app.register(bankStatementsRoutes, { prefix: '/api/v1' });
  await app.register(reportsRoutes, { prefix: '/api/v1' });
  await app.register(outreachRoutes, { prefix: '/api/v1' });
  await app.register(periodProofRoutes, { prefix: '/api/v1' });
  await app.register(wellKnownRoutes);
  await app.register(adminRoutes, { prefix: '/api/v1' });

  if (config.serveWeb && existsSync(WEB_DIST)) {
    await app.register(fastifyStatic, { root: WEB_DIST, wildcard: false, index: ['index.html'] });
    // The web UI is a single page: unknown GET paths outside /api that ask for HTML get its index;
    // everything else falls through to the problem plugin's 404 (it owns the not-found handler).
    app.get('/*', { schema: { hide: true } }, (request, reply) => {
      if (!request.url.startsWith('/api/') && request.headers.accept?.includes('text/html')) {
        return reply.sendFile('index.html');
      }
      return reply.callNotFound();
    });
  }
  return app;
}
