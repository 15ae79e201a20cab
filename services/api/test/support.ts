import { type Clock, fixedClock, newId } from '@tk/core';
import { auditLog, openDatabase, type Role, users } from '@tk/db';
import { openFromTemplate, type TestDatabase } from '@tk/db/testing';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../src/app.ts';
import { type Config, testConfig } from '../src/config.ts';
import { generateKeyRings } from '../src/lib/keys.ts';
import { hashPassword, setPasswordHashCost } from '../src/lib/password.ts';

/** Test password of every user made by `createUser` below. */
export const TEST_PASSWORD = 'correct-horse-battery';
let cachedHash: Promise<string> | undefined;

/**
 * The config of a test app: `testConfig` plus overrides, with scrypt at N = 2^10 instead of 2^15
 * (`PASSWORD_HASH_COST`, applied here for the whole test process): the same code path, about 30 times
 * faster per login or created user. Production refuses a cost below the default.
 */
export function appTestConfig(overrides: Partial<Config> = {}): Config {
  const config = testConfig({ passwordHashCost: 10, ...overrides });
  setPasswordHashCost(config.passwordHashCost);
  return config;
}

export type TestKeys = Awaited<ReturnType<typeof generateKeyRings>>;

export interface TestContext {
  app: FastifyInstance;
  database: TestDatabase;
  db: TestDatabase['db'];
  keys: TestKeys;
  clock: ReturnType<typeof fixedClock>;
  config: Config;
  /** True on the PostgreSQL server (concurrency and durability tests need it). */
  onServer: boolean;
  /** A user with this role (and provider) plus a valid token for it. */
  user(role: Role, providerId?: string | null): Promise<{ id: string; username: string; token: string }>;
  /** `app.inject` with JSON and an optional bearer token. */
  call(
    method: InjectOptions['method'],
    url: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export const onServer = Boolean(process.env.TEST_DATABASE_URL);

/**
 * A fresh database (cloned from the run's template) and an app on it. The clock is pinned (default
 * 2026-11-20 10:00 Berlin); tests move it with `clock.set`.
 */
export async function createTestContext(
  options: { config?: Partial<Config>; now?: string; logStream?: NodeJS.WritableStream; clock?: Clock } = {},
): Promise<TestContext> {
  const database = await openFromTemplate(inject('dbTemplate'));
  const keys = await generateKeyRings();
  const clock = fixedClock(options.now ?? '2026-11-20T09:00:00Z');
  const config = appTestConfig(options.config);
  const app = await buildApp(config, {
    database,
    keys,
    clock: options.clock ?? clock,
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  await app.ready();
  let counter = 0;
  const ctx: TestContext = {
    app,
    database,
    db: database.db,
    keys,
    clock,
    config,
    onServer,
    async user(role, providerId = null) {
      cachedHash ??= hashPassword(TEST_PASSWORD);
      const id = newId('user');
      const username = `${role}-${++counter}-${id.slice(-6)}`;
      await database.db.insert(users).values({ id, username, passwordHash: await cachedHash, role, providerId });
      await database.db
        .insert(auditLog)
        .values({ action: 'user.created', entityType: 'user', entityId: id, data: { role } });
      const res = await ctx.call('POST', '/api/v1/auth/login', { body: { username, password: TEST_PASSWORD } });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
      return { id, username, token: res.json().token as string };
    },
    call(method, url, opts = {}) {
      return app.inject({
        method,
        url,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
        ...(opts.body !== undefined ? { payload: JSON.stringify(opts.body) } : {}),
      });
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
  return ctx;
}

/**
 * A second API process on the same database, as another replica would be: its own app (own caches,
 * own in-process limiters) and, on the server, its own connection pool. The same keys and clock.
 */
export async function createReplica(
  t: TestContext,
  overrides: Partial<Config> = {},
): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const database = t.database.url ? await openDatabase({ databaseUrl: t.database.url, poolSize: 5 }) : t.database;
  const app = await buildApp({ ...t.config, ...overrides }, { database, keys: t.keys, clock: t.clock });
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      if (database !== t.database) await database.close();
    },
  };
}

/** Asserts the RFC 9457 shape and returns the body. */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  if (res.statusCode !== status || !String(res.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected ${status} ${code}, got ${res.statusCode} ${res.headers['content-type']}: ${res.body}`);
  }
  const body = res.json();
  if (body.code !== code) throw new Error(`expected code ${code}, got ${body.code}: ${res.body}`);
  if (typeof body.type !== 'string' || typeof body.title !== 'string' || body.status !== status || !body.requestId) {
    throw new Error(`not a complete problem: ${res.body}`);
  }
  return body;
}

/** Every test file that writes money ends with this: the invariant checker must find nothing. */
export async function expectInvariantsHold(db: TestDatabase['db']): Promise<void> {
  const { verifyInvariants, formatReport } = await import('../src/modules/admin/verify.service.ts');
  const report = await verifyInvariants(db);
  if (!report.ok) throw new Error(formatReport(report));
}
