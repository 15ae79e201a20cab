import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: AppMetrics;
  }
}

export interface AppMetrics {
  registry: Registry;
  redemptions: Counter<'result'>;
  settlementRuns: Counter<'trigger'>;
}

/** Prometheus metrics on a registry of this app (`GET /metrics`): HTTP latency by route, business counters. */
export const metricsPlugin = fp(
  async (app: FastifyInstance, opts: { defaultMetrics: boolean; token: string | undefined }) => {
    const registry = new Registry();
    if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route, method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    const metrics: AppMetrics = {
      registry,
      redemptions: new Counter({
        name: 'teilhabekarte_redemptions_total',
        help: 'Terminal booking attempts by result (booked or the decline code)',
        labelNames: ['result'],
        registers: [registry],
      }),
      settlementRuns: new Counter({
        name: 'teilhabekarte_settlement_runs_total',
        help: 'Settlement runs by trigger',
        labelNames: ['trigger'],
        registers: [registry],
      }),
    };
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      duration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    // Only for the scraper holding METRICS_TOKEN; everyone else (and everyone, without a token configured)
    // gets the same 404 as for any unknown path.
    const expected = opts.token ? Buffer.from(`Bearer ${opts.token}`) : undefined;
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.callNotFound();
      }
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
);
