import { request as httpRequest } from 'node:http';
import { systemClock } from '@tk/core';
import { type Database, openDatabase } from '@tk/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import { generateKeyRings } from '../src/lib/keys.ts';
import { signAccessToken } from '../src/lib/tokens.ts';
import { createTestContext, expectProblem } from './support.ts';

/**
 * Database outage (issue 10, finding 6): every operation that needs the database answers 503
 * `service_unavailable` with Retry-After, never 500; a 431 from Node's parser is problem+json.
 */
const opened: { app: FastifyInstance; database: Database }[] = [];
afterAll(async () => {
  for (const o of opened) {
    await o.app.close();
    await o.database.close().catch(() => {});
  }
});

async function appOn(database: Database) {
  const keys = await generateKeyRings();
  const app = await buildApp(testConfig(), { database, keys, clock: systemClock });
  await app.ready();
  opened.push({ app, database });
  const { token } = await signAccessToken(
    keys.access,
    { sub: 'usr_outage', role: 'provider_staff', providerId: 'prv_outage', username: 'outage', tokenVersion: 0 },
    5,
    systemClock,
  );
  return { app, token };
}

// A PostgreSQL server that is not there (nothing listens on port 1): the same on PGlite and server runs.
// (A closed PGlite answers "PGlite is closed", mapped the same way; opening one more embedded database
// per run cost 20–60 s on the loaded CI machine, so it is not exercised here.)
const outages: [string, () => Promise<Database>][] = [
  ['PostgreSQL down', () => openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', poolSize: 2 })],
];

describe.each(outages)('%s', (_label, open) => {
  it('login, authenticated reads and bookings answer 503 service_unavailable with Retry-After', async () => {
    const { app, token } = await appOn(await open());
    const responses = [
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ username: 'someone', password: 'irrelevant-password' }),
      }),
      await app.inject({
        method: 'GET',
        url: '/api/v1/terminal/redemptions',
        headers: { authorization: `Bearer ${token}` },
      }),
      await app.inject({
        method: 'POST',
        url: '/api/v1/terminal/redemptions',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'k-1' },
        payload: JSON.stringify({ code: '1234', approvalId: 'apr_x', amountCents: 100, serviceDate: '2026-11-19' }),
      }),
    ];
    for (const res of responses) {
      const body = expectProblem(res, 503, 'service_unavailable');
      expect(res.headers['retry-after']).toBe('5');
      expect(body.retryAfterSeconds).toBe(5);
    }
    // Readiness says so too (its own problem).
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
  });
});

describe('oversized headers', () => {
  it('431 is problem+json', async () => {
    const t = await createTestContext();
    try {
      await t.app.listen({ port: 3401, host: '127.0.0.1' });
      const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: 3401, path: '/healthz', headers: { 'x-padding': 'x'.repeat(64 * 1024) } },
          (r) => {
            let body = '';
            r.on('data', (c) => (body += c));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, type: String(r.headers['content-type']), body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(res.status).toBe(431);
      expect(res.type).toBe('application/problem+json');
      expect(JSON.parse(res.body)).toMatchObject({ status: 431, code: 'headers_too_large' });
    } finally {
      await t.close();
    }
  });
});
