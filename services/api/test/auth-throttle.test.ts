import { auditLog } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createReplica, createTestContext, expectProblem, TEST_PASSWORD, type TestContext } from './support.ts';

/**
 * Login brute force (issue 10, finding 1): per account across addresses, per address across accounts,
 * counters in PostgreSQL shared by replicas, `X-Forwarded-For` only from listed proxies.
 */
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ config: { trustProxy: ['10.9.9.9'] } });
});
afterAll(() => t.close());

function login(app: TestContext['app'], username: string, password: string, remoteAddress: string, xff?: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress,
    headers: { 'content-type': 'application/json', ...(xff ? { 'x-forwarded-for': xff } : {}) },
    payload: JSON.stringify({ username, password }),
  });
}

describe('login throttle per account', () => {
  it('after 10 failures from 10 addresses, every login of that username is 429 with Retry-After, even with the right password, from any address, on every replica', async () => {
    const u = await t.user('caseworker');
    const replica = await createReplica(t);
    try {
      const codes: number[] = [];
      for (let i = 0; i < 10; i++) {
        // Alternate the two "processes": the counter lives in the database, not in either of them.
        const app = i % 2 === 0 ? t.app : replica.app;
        codes.push((await login(app, u.username, `wrong-${i}-xxxxxx`, `198.51.100.${i + 1}`)).statusCode);
      }
      expect(codes).toEqual(Array(10).fill(401));
      for (const app of [t.app, replica.app]) {
        const res = await login(app, u.username.toUpperCase(), TEST_PASSWORD, '203.0.113.77');
        const body = expectProblem(res, 429, 'too_many_attempts');
        const retryAfter = Number(res.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60);
        expect(body.retryAfterSeconds).toBe(retryAfter);
      }
      // The moment the limit tripped is audited, once.
      const tripped = await t.db.select().from(auditLog).where(eq(auditLog.action, 'auth.throttled'));
      expect(tripped.filter((r) => (r.data as { scope?: string }).scope === 'account')).toHaveLength(1);
    } finally {
      await replica.close();
    }
    // A restarted process (a new app on the same database) still refuses: nothing was in memory.
    const restarted = await createReplica(t);
    try {
      expectProblem(await login(restarted.app, u.username, TEST_PASSWORD, '192.0.2.200'), 429, 'too_many_attempts');
    } finally {
      await restarted.close();
    }
    // Other accounts are not affected.
    const other = await t.user('caseworker');
    expect(other.token).toBeTruthy();
  });
});

describe('login throttle per address', () => {
  it('after 30 failures from one address with 30 usernames, that address is refused; another address is not', async () => {
    const u = await t.user('accounting');
    const codes: number[] = [];
    for (let i = 0; i < 30; i++) {
      codes.push((await login(t.app, `sprayed-${i}`, 'Winter2026!', '198.51.100.200')).statusCode);
    }
    expect(codes).toEqual(Array(30).fill(401));
    expectProblem(await login(t.app, u.username, TEST_PASSWORD, '198.51.100.200'), 429, 'too_many_attempts');
    expect((await login(t.app, u.username, TEST_PASSWORD, '198.51.100.201')).statusCode).toBe(200);
  });

  it('a rotating X-Forwarded-For from a client that is not a listed proxy does not escape the limit', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await login(t.app, `rotating-${i}`, 'Winter2026!', '198.51.100.99', `192.0.2.${i + 1}`);
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(codes[30]).toBe(429);
  });

  it('behind a listed proxy, X-Forwarded-For names the client: one client is limited, the next is not', async () => {
    for (let i = 0; i < 30; i++) {
      expect((await login(t.app, `proxied-${i}`, 'Winter2026!', '10.9.9.9', '192.0.2.50')).statusCode).toBe(401);
    }
    expectProblem(await login(t.app, 'proxied-x', 'Winter2026!', '10.9.9.9', '192.0.2.50'), 429, 'too_many_attempts');
    expect((await login(t.app, 'proxied-y', 'Winter2026!', '10.9.9.9', '192.0.2.51')).statusCode).toBe(401);
  });
});

describe('TRUST_PROXY', () => {
  const base = {
    NODE_ENV: 'production',
    ACCESS_TOKEN_KEYS: '[]',
    CARD_TOKEN_KEYS: '[]',
    PROOF_SIGNING_KEYS: '[]',
    DATABASE_URL: 'postgres://x@h/db',
  };

  it('takes false or a list of addresses and CIDR ranges', () => {
    expect(loadConfig({ ...base }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.1, 172.16.0.0/12,fd00::/8' }).trustProxy).toEqual([
      '10.0.0.1',
      '172.16.0.0/12',
      'fd00::/8',
    ]);
  });

  it('refuses true in production and anything that is not an address or range', () => {
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'proxy.local' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ NODE_ENV: 'development', TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });
});
