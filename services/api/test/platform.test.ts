import { readTogether } from '@tk/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { hashPassword, setPasswordHashCost, unmatchableHash, verifyPassword } from '../src/lib/password.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
const METRICS_TOKEN = 'scrape-3b1f0c9e8d7a6b5c';
beforeAll(async () => {
  t = await createTestContext({ config: { rateLimitPerMinute: 3, metricsToken: METRICS_TOKEN } });
});
afterAll(() => t.close());

describe('operations endpoints', () => {
  it('healthz, readyz and metrics answer', async () => {
    expect((await t.call('GET', '/healthz')).json()).toEqual({ status: 'ok' });
    expect((await t.call('GET', '/readyz')).json()).toMatchObject({ status: 'ready' });
    const metrics = await t.call('GET', '/metrics', { token: METRICS_TOKEN });
    expect(metrics.body).toContain('http_request_duration_seconds');
  });

  it('/metrics without the bearer token, with a wrong one, or without METRICS_TOKEN configured → 404', async () => {
    expectProblem(await t.call('GET', '/metrics'), 404, 'not_found');
    expectProblem(await t.call('GET', '/metrics', { token: `${METRICS_TOKEN}x` }), 404, 'not_found');
    expectProblem(await t.call('GET', '/metrics', { token: 'scrape-3b1f0c9e8d7a6b5d' }), 404, 'not_found');
    expectProblem(
      await t.call('GET', '/metrics', { headers: { authorization: `Basic ${METRICS_TOKEN}` } }),
      404,
      'not_found',
    );
    const unconfigured = await createTestContext();
    try {
      expectProblem(await unconfigured.call('GET', '/metrics', { token: METRICS_TOKEN }), 404, 'not_found');
    } finally {
      await unconfigured.close();
    }
  });

  it('the OpenAPI document lists login and createUser with problem responses', async () => {
    const doc = (await t.call('GET', '/openapi.json')).json();
    const ops = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((p) =>
      Object.values(p).map((o) => o.operationId),
    );
    expect(ops).toEqual(expect.arrayContaining(['login', 'createUser']));
    expect(doc.paths['/api/v1/users'].post.responses['409']).toBeDefined();
    expect(doc.paths['/api/v1/users'].post['x-roles']).toEqual(['admin', 'provider_admin']);
    expect(doc.paths['/api/v1/auth/login'].post['x-roles']).toBeUndefined();
  });

  it('unknown routes are problem+json 404; security headers are set', async () => {
    const res = await t.call('GET', '/api/v1/nothing-here');
    expectProblem(res, 404, 'not_found');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('a wrong content type is 415 problem+json', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expectProblem(res, 415, 'unsupported_media_type');
  });

  it('authenticated requests are limited per user, not per address', async () => {
    const a = await t.user('admin');
    const b = await t.user('admin');
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await t.call('GET', '/api/v1/users', { token: a.token })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    // Same address, another user: not limited by a's counter.
    expect((await t.call('GET', '/api/v1/users', { token: b.token })).statusCode).toBe(200);
  });
});

describe('config', () => {
  it('refuses to start in production without signing keys and a database', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ACCESS_TOKEN_KEYS is required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PROOF_SIGNING_KEYS is required in production/);
  });

  it('defaults: port 3000, demo seed only on the embedded database', () => {
    expect(loadConfig({}).port).toBe(3000);
    expect(loadConfig({}).seed).toBe('demo');
    expect(loadConfig({ DATABASE_URL: 'postgres://x@localhost/db' }).seed).toBe('none');
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
  });

  it('PASSWORD_HASH_COST: a hash carries its scrypt cost, verify reads it from the hash; production keeps the default', async () => {
    expect(loadConfig({}).passwordHashCost).toBe(15);
    expect(loadConfig({ PASSWORD_HASH_COST: '12' }).passwordHashCost).toBe(12);
    expect(() => loadConfig({ PASSWORD_HASH_COST: '9' })).toThrow(/PASSWORD_HASH_COST/);
    expect(() => loadConfig({ NODE_ENV: 'production', PASSWORD_HASH_COST: '14' })).toThrow(
      /PASSWORD_HASH_COST must be at least 15 in production/,
    );
    try {
      setPasswordHashCost(11);
      const hash = await hashPassword('ein-langes-passwort');
      expect(hash.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 11), '8', '1']);
      setPasswordHashCost(12);
      expect(await verifyPassword('ein-langes-passwort', hash)).toBe(true);
      expect(await verifyPassword('ein-anderes-passwort', hash)).toBe(false);
      // Unknown usernames cost what a new hash costs.
      expect(unmatchableHash().split('$')[1]).toBe(String(2 ** 12));
      expect(await verifyPassword('ein-langes-passwort', unmatchableHash())).toBe(false);
    } finally {
      setPasswordHashCost(t.config.passwordHashCost);
    }
  });
});

describe('readTogether (independent reads)', () => {
  /** Two reads that log when each starts and ends; the first takes 50 ms in the database. */
  function loggedReads(db: Parameters<typeof readTogether>[0], log: string[]) {
    return [
      async () => {
        log.push('start 1');
        const rows = await db.execute(sql`select pg_sleep(0.05), 1 as n`);
        log.push('end 1');
        return rows;
      },
      async () => {
        log.push('start 2');
        const rows = await db.execute(sql`select 2 as n`);
        log.push('end 2');
        return rows;
      },
    ] as const;
  }

  it('inside a transaction the second read starts after the first has ended (one connection, one query at a time)', async () => {
    const log: string[] = [];
    await t.db.transaction((tx) => readTogether(tx, loggedReads(tx, log)));
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('on the database both reads start at once', async () => {
    const log: string[] = [];
    await readTogether(t.db, loggedReads(t.db, log));
    expect(log.slice(0, 2)).toEqual(['start 1', 'start 2']);
  });
});
