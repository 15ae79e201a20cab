import { auditLog, users } from '@tk/db';
import { eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwk, keyRingFromJwks } from '../src/lib/keys.ts';
import { signAccessToken, verifyAccessToken } from '../src/lib/tokens.ts';
import { createTestContext, expectProblem, TEST_PASSWORD, type TestContext } from './support.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('login', () => {
  it('returns a token, its expiry and the user', async () => {
    const u = await t.user('caseworker');
    const res = await t.call('POST', '/api/v1/auth/login', { body: { username: u.username, password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toEqual({ id: u.id, username: u.username, role: 'caseworker' });
    expect(new Date(body.expiresAt).getTime()).toBe(t.clock.now().getTime() + 30 * 60_000);
    expect(body.token.split('.')).toHaveLength(3);
  });

  it('refuses a wrong password with invalid_credentials and audits the attempt', async () => {
    const u = await t.user('accounting');
    const res = await t.call('POST', '/api/v1/auth/login', {
      body: { username: u.username, password: 'wrong-password-x' },
    });
    expectProblem(res, 401, 'invalid_credentials');
    const rows = await t.db.select().from(auditLog).where(eq(auditLog.entityId, u.id));
    expect(rows.map((r) => r.action)).toContain('auth.login_failed');
  });

  it('refuses an unknown user exactly like a wrong password', async () => {
    const res = await t.call('POST', '/api/v1/auth/login', {
      body: { username: 'nobody-here', password: 'whatever-123' },
    });
    expectProblem(res, 401, 'invalid_credentials');
  });

  it('refuses a deactivated user', async () => {
    const u = await t.user('caseworker');
    await t.db.update(users).set({ active: false }).where(eq(users.id, u.id));
    const res = await t.call('POST', '/api/v1/auth/login', { body: { username: u.username, password: TEST_PASSWORD } });
    expectProblem(res, 401, 'invalid_credentials');
  });

  it('answers malformed JSON and a bad body with problem+json 400', async () => {
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expectProblem(malformed, 400, 'malformed_json');
    const invalid = await t.call('POST', '/api/v1/auth/login', { body: { username: 42 } });
    const body = expectProblem(invalid, 400, 'validation_failed');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/username' }),
        expect.objectContaining({ pointer: '/password' }),
      ]),
    );
  });
});

describe('access tokens', () => {
  it('401 without, with a forged and with an expired token', async () => {
    expectProblem(await t.call('GET', '/api/v1/users'), 401, 'unauthenticated');
    const admin = await t.user('admin');
    const [h, p] = admin.token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: admin.id, role: 'admin' })).toString('base64url')}.${admin.token.split('.')[2]}`;
    expectProblem(await t.call('GET', '/api/v1/users', { token: forged }), 401, 'unauthenticated');
    expect(p).toBeTruthy();
    const foreignKey = await keyRingFromJwks([await generateJwk('acc-test')]);
    const wrongKey = await signAccessToken(
      foreignKey,
      { sub: admin.id, role: 'admin', providerId: null, username: 'x', tokenVersion: 0 },
      5,
      t.clock,
    );
    expectProblem(await t.call('GET', '/api/v1/users', { token: wrongKey.token }), 401, 'unauthenticated');
    t.clock.set(new Date(t.clock.now().getTime() + 31 * 60_000));
    try {
      expectProblem(await t.call('GET', '/api/v1/users', { token: admin.token }), 401, 'unauthenticated');
    } finally {
      t.clock.set(new Date(t.clock.now().getTime() - 31 * 60_000));
    }
  });

  it('refuses an unsigned (alg none) token', async () => {
    const admin = await t.user('admin');
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${admin.token.split('.')[1]}.`;
    expectProblem(await t.call('GET', '/api/v1/users', { token: none }), 401, 'unauthenticated');
  });

  it('rotation: the old key verifies until it is retired', async () => {
    const oldJwk = await generateJwk('acc-old');
    const newJwk = await generateJwk('acc-new');
    const before = await keyRingFromJwks([oldJwk]);
    const { token } = await signAccessToken(
      before,
      { sub: 'usr_x', role: 'admin', providerId: null, username: 'x', tokenVersion: 0 },
      5,
      t.clock,
    );
    // Rotated: the new key signs, the old one (public part only) still verifies.
    const { d: _d, ...oldPublic } = oldJwk;
    const rotated = await keyRingFromJwks([newJwk, oldPublic as typeof oldJwk]);
    expect(rotated.signer.kid).toBe('acc-new');
    expect(await verifyAccessToken(rotated, token, t.clock)).toMatchObject({ sub: 'usr_x' });
    // Retired: the old key is no longer listed.
    const retired = await keyRingFromJwks([newJwk]);
    expect(await verifyAccessToken(retired, token, t.clock)).toBeNull();
  });

  it('refuses a token with the right key but the wrong audience', async () => {
    const bad = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'EdDSA', kid: t.keys.access.signer.kid, typ: 'at+jwt' })
      .setSubject('usr_x')
      .setIssuer('teilhabekarte')
      .setAudience('something-else')
      .setExpirationTime(Math.floor(t.clock.now().getTime() / 1000) + 60)
      .sign(t.keys.access.signer.key);
    expectProblem(await t.call('GET', '/api/v1/users', { token: bad }), 401, 'unauthenticated');
  });

  it('refresh issues a new token only for an active user', async () => {
    const u = await t.user('caseworker');
    const res = await t.call('POST', '/api/v1/auth/refresh', { token: u.token });
    expect(res.statusCode).toBe(200);
    expect(res.json().user.id).toBe(u.id);
    await t.db.update(users).set({ active: false }).where(eq(users.id, u.id));
    expectProblem(await t.call('POST', '/api/v1/auth/refresh', { token: u.token }), 401, 'invalid_credentials');
  });
});
