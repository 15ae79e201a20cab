import { auditLog, users } from '@tk/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplica, createTestContext, expectProblem, TEST_PASSWORD, type TestContext } from './support.ts';

/**
 * Revocation (issue 10, finding 2): logout, and password change / deactivation / role change end every
 * older token on every replica within 5 s; refresh cannot prolong such a token. Two app instances
 * (own caches, own pools on the server) on one database.
 */
let t: TestContext;
let replica: Awaited<ReturnType<typeof createReplica>>;
let admin: { id: string; token: string };
beforeAll(async () => {
  t = await createTestContext();
  replica = await createReplica(t);
  admin = await t.user('admin');
});
afterAll(async () => {
  await replica.close();
  await t.close();
});

const me = (app: TestContext['app'], token: string) =>
  app.inject({ method: 'GET', url: '/api/v1/catalogue', headers: { authorization: `Bearer ${token}` } });
const refresh = (app: TestContext['app'], token: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { authorization: `Bearer ${token}` } });
/** Moves the pinned clock on by `ms` (the 5 s cache reads it). */
const advance = (ms: number) => t.clock.set(new Date(t.clock.now().getTime() + ms));

async function loginAgain(username: string): Promise<string> {
  const res = await t.call('POST', '/api/v1/auth/login', { body: { username, password: TEST_PASSWORD } });
  expect(res.statusCode).toBe(200);
  return res.json().token;
}

describe('logout', () => {
  it('204; the token is refused at once here and within 5 s on the other replica; refresh too; other sessions live on', async () => {
    const u = await t.user('caseworker');
    const second = await loginAgain(u.username);
    expect((await me(t.app, u.token)).statusCode).toBe(200);
    expect((await me(replica.app, u.token)).statusCode).toBe(200);

    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${u.token}` },
    });
    expect(out.statusCode).toBe(204);
    expectProblem(await me(t.app, u.token), 401, 'unauthenticated');
    expectProblem(await refresh(t.app, u.token), 401, 'unauthenticated');
    // The replica answered from its cache a moment ago; after at most 5 s it asks the database again.
    advance(5_001);
    expectProblem(await me(replica.app, u.token), 401, 'unauthenticated');
    expectProblem(await refresh(replica.app, u.token), 401, 'unauthenticated');
    // Only that session ended: a second device of the same user stays signed in.
    expect((await me(replica.app, second)).statusCode).toBe(200);
    const logged = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'auth.logout'), eq(auditLog.entityId, u.id)));
    expect(logged).toHaveLength(1);
  });

  it('401 without a token', async () => {
    expectProblem(await t.call('POST', '/api/v1/auth/logout'), 401, 'unauthenticated');
  });
});

describe('revocation on every replica within 5 s', () => {
  async function expectRevoked(token: string) {
    // The replica has the token cached as valid: it may serve it for under 5 s, not longer.
    advance(5_001);
    for (const app of [t.app, replica.app]) {
      expectProblem(await me(app, token), 401, 'unauthenticated');
      expectProblem(await refresh(app, token), 401, 'unauthenticated');
    }
  }

  it('after a password change every older token is refused and cannot be refreshed; a new login works', async () => {
    const u = await t.user('caseworker');
    expect((await me(replica.app, u.token)).statusCode).toBe(200);
    const refreshed = (await refresh(replica.app, u.token)).json().token as string;
    const change = await t.call('PATCH', `/api/v1/users/${u.id}`, {
      token: admin.token,
      body: { password: 'a-brand-new-password-2026' },
    });
    expect(change.statusCode).toBe(200);
    // Refresh reads the database, not the cache: the old token cannot be prolonged even inside the 5 s.
    expectProblem(await refresh(replica.app, u.token), 401, 'invalid_credentials');
    await expectRevoked(u.token);
    await expectRevoked(refreshed);
    const fresh = await t.call('POST', '/api/v1/auth/login', {
      body: { username: u.username, password: 'a-brand-new-password-2026' },
    });
    expect((await me(replica.app, fresh.json().token)).statusCode).toBe(200);
  });

  it('after a deactivation every token of the user is refused (no more bookings for 30 minutes)', async () => {
    const u = await t.user('accounting');
    expect((await me(replica.app, u.token)).statusCode).toBe(200);
    const off = await t.call('PATCH', `/api/v1/users/${u.id}`, { token: admin.token, body: { active: false } });
    expect(off.statusCode).toBe(200);
    await expectRevoked(u.token);
    // Reactivating does not bring the old token back: its version is spent.
    await t.call('PATCH', `/api/v1/users/${u.id}`, { token: admin.token, body: { active: true } });
    advance(5_001);
    expectProblem(await me(replica.app, u.token), 401, 'unauthenticated');
  });

  it('after a role change (also by SQL) every older token is refused', async () => {
    const u = await t.user('caseworker');
    expect((await me(replica.app, u.token)).statusCode).toBe(200);
    await t.db.update(users).set({ role: 'accounting' }).where(eq(users.id, u.id));
    await expectRevoked(u.token);
    const fresh = await loginAgain(u.username);
    expect((await me(replica.app, fresh)).statusCode).toBe(200);
  });
});
